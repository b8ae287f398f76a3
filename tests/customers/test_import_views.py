from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import Customer, MonthlyBalance
from tests.customers.import_files import (
    BALANCE_HEADER,
    CUSTOMER_HEADER,
    balance_row,
    customer_row,
    write_csv,
    write_xlsx,
)
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(date(2025, 6, 15), tick=False):
        yield


@pytest.fixture
def importer(client, org_tree, rm_a1):
    user = UserFactory(username="admin_imp", org_unit=org_tree["HQ"], is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_customer", content_type__app_label="customers"))
    client.force_login(user)
    return client


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def imports_dir(settings) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def test_index_shows_both_forms_and_nav_link(importer):
    response = importer.get("/customers/import/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "导入客户" in content and "导入月度余额" in content and 'href="/customers/import/"' in content


def test_preview_then_confirm_writes_customers(importer, tmp_path, settings, run_jobs):
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001"), customer_row("C002")])

    preview = importer.post("/customers/import/upload/customers/", {"file": upload(path)})

    assert preview.status_code == 200
    assert preview.context["result"].created == 2 and "确认导入" in preview.content.decode()
    assert Customer.objects.count() == 0
    stored = list(imports_dir(settings).iterdir())
    assert len(stored) == 1 and stored[0].name != "c.xlsx" and stored[0].suffix == ".xlsx"

    queued = importer.post("/customers/import/confirm/", {"token": preview.context["token"]}, follow=True)
    assert "已提交为后台作业" in queued.content.decode() and Customer.objects.count() == 0
    (job,) = run_jobs()
    done = importer.get(queued.redirect_chain[-1][0])

    assert job.state == "succeeded" and job.kind == "import_customers" and job.result["created"] == 2
    assert Customer.objects.count() == 2
    assert "作业已完成" in done.content.decode() and "100%" in done.content.decode()
    assert list(imports_dir(settings).iterdir()) == []
    again = importer.post("/customers/import/confirm/", {"token": preview.context["token"]}, follow=True)
    assert "已失效" in again.content.decode()


def test_preview_lists_bad_rows_and_writes_nothing(importer, tmp_path, settings):
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001"), customer_row("C002", 所属机构="XX")])

    response = importer.post("/customers/import/upload/customers/", {"file": upload(path)})

    assert response.status_code == 422
    content = response.content.decode()
    assert "<td>3</td><td>所属机构</td>" in content and "确认导入" not in content
    assert Customer.objects.count() == 0
    assert list(imports_dir(settings).iterdir()) == []


def test_balances_upload_with_month(importer, tmp_path, org_tree, run_jobs):
    Customer.objects.create(customer_no="C001", name="张三", org_unit=org_tree["OUT-A"])
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row("C001", "A001")])

    preview = importer.post("/customers/import/upload/balances/", {"file": upload(path), "month": "2025-01"})
    assert preview.status_code == 200 and preview.context["result"].created == 1
    importer.post("/customers/import/confirm/", {"token": preview.context["token"]})
    (job,) = run_jobs()

    assert job.state == "succeeded" and job.month == date(2025, 1, 1) and job.lock_key == "month:2025-01"
    assert MonthlyBalance.objects.get().month == date(2025, 1, 1)


def test_bad_month_and_wrong_file_type_are_form_errors(importer, tmp_path):
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row()])
    pdf = SimpleUploadedFile("x.xlsx", b"%PDF-1.4 fake")

    bad_month = importer.post("/customers/import/upload/balances/", {"file": upload(path), "month": "2025-13"})
    bad_type = importer.post("/customers/import/upload/customers/", {"file": pdf})

    year_zero = importer.post("/customers/import/upload/balances/", {"file": upload(path), "month": "0000-01"})

    assert bad_month.status_code == 400 and "YYYY-MM" in bad_month.content.decode()
    assert year_zero.status_code == 400 and "YYYY-MM" in year_zero.content.decode()
    assert bad_type.status_code == 400 and "Excel" in bad_type.content.decode()


def test_upload_size_cap(importer, tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [customer_row("C001"), customer_row("C002")])

    response = importer.post("/customers/import/upload/customers/", {"file": upload(path)})

    assert response.status_code == 400 and "超过上限" in response.content.decode()


def test_confirm_with_forged_token_does_nothing(importer):
    response = importer.post("/customers/import/confirm/", {"token": "../../etc/passwd"}, follow=True)

    assert "已失效" in response.content.decode()


@pytest.mark.parametrize("kind", ["customers", "balances"])
def test_template_download(importer, kind):
    response = importer.get(f"/customers/import/template/{kind}.xlsx")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[0][0] == "客户号"
    assert (kind == "customers") == ("所属机构" in rows[0])


def test_template_roundtrip_validates(importer, tmp_path, settings):
    response = importer.get("/customers/import/template/customers.xlsx")
    path = tmp_path / "customers.xlsx"
    path.write_bytes(response.content)

    preview = importer.post("/customers/import/upload/customers/", {"file": upload(path)})

    assert preview.status_code == 200, preview.context["result"].errors


def test_user_without_permission_gets_403(client, rm_a1, tmp_path):
    client.force_login(rm_a1)
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [customer_row()])

    assert client.get("/customers/import/").status_code == 403
    assert client.post("/customers/import/upload/customers/", {"file": upload(path)}).status_code == 403
    assert client.get("/customers/import/template/customers.xlsx").status_code == 403
    assert 'href="/customers/import/"' not in client.get("/customers/").content.decode()


def test_cancel_deletes_the_previewed_file(importer, tmp_path, settings):
    """Issue 10, item 8: a previewed upload is deleted on cancel (on confirm: see above)."""
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001")])
    preview = importer.post("/customers/import/upload/customers/", {"file": upload(path)})
    assert len(list(imports_dir(settings).iterdir())) == 1
    assert "取消导入" in preview.content.decode()
    done = importer.post("/customers/import/cancel/", {"token": preview.context["token"]}, follow=True)
    assert "已取消导入" in done.content.decode()
    assert list(imports_dir(settings).iterdir()) == []
    assert Customer.objects.count() == 0
    # the token is spent: confirming it now is refused
    again = importer.post("/customers/import/confirm/", {"token": preview.context["token"]}, follow=True)
    assert "已失效" in again.content.decode()


def test_forgotten_uploads_are_purged_after_the_retention_by_each_upload_and_the_command(
    importer, tmp_path, settings
):
    import os
    import time

    from django.core.management import call_command

    from crm.uploads import uploads_purge_expired

    imports_dir(settings).mkdir(parents=True)
    forgotten = imports_dir(settings) / "0123456789abcdef0123456789abcdef.xlsx"
    forgotten.write_bytes(b"12 MB of someone's customers")
    os.utime(forgotten, (946684800, 946684800))  # 2000-01-01: long past the retention
    # the next upload sweeps it away
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001")])
    importer.post("/customers/import/upload/customers/", {"file": upload(path)})
    assert not forgotten.exists()
    fresh = next(imports_dir(settings).iterdir())
    # a file younger than the retention stays; one hour and a second later it goes (service and command)
    mtime = fresh.stat().st_mtime
    assert uploads_purge_expired(now=mtime + 3599) == 0 and fresh.exists()
    assert uploads_purge_expired(now=mtime + 3601) == 1 and not fresh.exists()
    forgotten.write_bytes(b"x")
    os.utime(forgotten, (time.time() - 7200, time.time() - 7200))
    call_command("purge_uploads", "--older-than", "3600", stdout=io.StringIO())
    assert not forgotten.exists()
