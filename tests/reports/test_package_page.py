"""The reports page: generate a package for a unit in scope, the archive, downloads that give identical files,
bad input (month, unit, scope) as a clear page, and the month close archiving the packages."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.urls import reverse

from crm import roles
from crm.models import AccessLog
from reports.models import ReportArchive
from reports.services import report_package_generate
from segmentation import close_steps
from tests.factories import UserFactory
from tests.reports.conftest import JUNE


@pytest.fixture
def head(org_tree):
    return UserFactory(username="head_a", org_unit=org_tree["OUT-A"], roles=[roles.BRANCH_HEAD])


@pytest.fixture
def hq(org_tree):
    return UserFactory(username="hq", org_unit=org_tree["HQ"], roles=[roles.HQ_MANAGEMENT])


def download(client, archive) -> bytes:
    response = client.get(reverse("reports:download", kwargs={"pk": archive.pk}))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def test_branch_head_generates_an_excel_for_their_unit_and_downloads_it_identically(bank, client, head, media_root,
                                                                                    run_jobs):
    client.force_login(head)
    page = client.get(reverse("reports:index")).content.decode()
    assert 'value="OUT-A"' in page and 'value="OUT-B"' not in page and 'value="HQ"' not in page

    response = client.post(reverse("reports:generate"), {"month": "2024-06", "org": "OUT-A", "format": "xlsx"})

    assert response.status_code == 302 and response.url.startswith("/jobs/")  # a background job with a progress page
    (job,) = run_jobs()
    assert job.state == "succeeded", job.error
    archive = ReportArchive.objects.get()
    assert (archive.month, archive.org_unit.code, archive.format, archive.rule_version) == (JUNE, "OUT-A", "xlsx", 1)
    assert archive.created_by == head and archive.source == "page"
    on_disk = Path(media_root) / archive.file_path
    assert hashlib.sha256(on_disk.read_bytes()).hexdigest() == archive.sha256 and archive.size == on_disk.stat().st_size
    first, second = download(client, archive), download(client, archive)
    assert first == second == on_disk.read_bytes()
    assert hashlib.sha256(first).hexdigest() == archive.sha256
    page = client.get(reverse("reports:index")).content.decode()
    assert archive.sha256[:10] in page and reverse("reports:download", kwargs={"pk": archive.pk}) in page
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, detail__archive=archive.pk).count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"month": "2024-06", "org": "OUT-B", "format": "xlsx"}, "不存在或不在您的权限范围内"),
        ({"month": "2024-06", "org": "HQ", "format": "pdf"}, "不存在或不在您的权限范围内"),
        ({"month": "2024-06", "org": "NOPE", "format": "xlsx"}, "NOPE 不存在或不在您的权限范围内"),
        ({"month": "2024-04", "org": "OUT-A", "format": "xlsx"}, "2024-04 尚未月结"),
        ({"month": "2024-13", "org": "OUT-A", "format": "xlsx"}, "月份格式错误"),
        ({"month": "2024-06", "org": "OUT-A", "format": "doc"}, "doc"),
    ],
)
def test_bad_input_is_a_clear_page_and_writes_nothing(bank, client, head, media_root, data, message):
    client.force_login(head)
    response = client.post(reverse("reports:generate"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReportArchive.objects.exists()
    assert not (Path(media_root) / "reports").exists() or not any((Path(media_root) / "reports").rglob("*.*"))


def test_hq_generates_the_whole_bank_pdf_which_a_branch_head_cannot_download(bank, client, hq, head, run_jobs):
    client.force_login(hq)
    assert client.post(reverse("reports:generate"), {"month": "2024-06", "org": "HQ", "format": "pdf"}).status_code == 302
    (job,) = run_jobs()
    assert job.state == "succeeded", job.error
    archive = ReportArchive.objects.get()
    assert archive.org_unit is None and archive.download_name == "客户分层月报_2024-06_全行.pdf"
    assert download(client, archive)[:5] == b"%PDF-"
    client.force_login(head)
    assert client.get(reverse("reports:download", kwargs={"pk": archive.pk})).status_code == 404
    assert archive.sha256 not in client.get(reverse("reports:index")).content.decode()


def test_relationship_managers_and_the_system_admin_have_no_reports_page(client, org_tree, rm_a1):
    sysadmin = UserFactory(username="admin", org_unit=org_tree["HQ"], roles=[roles.SYSTEM_ADMIN], is_staff=True,
                           is_superuser=True)
    for user in (rm_a1, sysadmin):
        client.force_login(user)
        assert client.get(reverse("reports:index")).status_code == 403


def test_a_tampered_archive_is_refused_not_served(bank, client, head, media_root):
    archive = report_package_generate(month=JUNE, org_unit=head.org_unit, fmt="xlsx", by=head)
    (Path(media_root) / archive.file_path).write_bytes(b"changed")
    client.force_login(head)
    response = client.get(reverse("reports:download", kwargs={"pk": archive.pk}))
    assert response.status_code == 410 and "校验失败" in response.content.decode()


def test_generation_reports_progress(bank, head):
    seen = []
    report_package_generate(month=JUNE, org_unit=None, fmt="xlsx", by=head,
                            progress=lambda part, done: seen.append(part))
    assert seen[0] == "分层汇总" and seen[-1] == "对公客户分层明细"


@pytest.fixture
def packages_on_close(settings):
    settings.REPORT_PACKAGES_ON_CLOSE = True


def test_the_month_close_archives_bank_wide_and_branch_packages(packages_on_close, bank):
    assert "report_packages" in [step.name for step in close_steps.registered(after_commit=True)]
    made = ReportArchive.objects.filter(month=JUNE, source="close")
    assert sorted((a.org_unit.code if a.org_unit else "", a.format) for a in made) == [
        ("", "pdf"), ("", "xlsx"), ("BR1", "pdf"), ("BR1", "xlsx"), ("BR2", "pdf"), ("BR2", "xlsx")]
    assert all(a.created_by is None and len(a.sha256) == 64 for a in made)


def test_packages_are_not_generated_by_the_close_by_default(bank):
    assert not ReportArchive.objects.exists()


def test_the_reports_page_runs_a_constant_number_of_queries(bank, client, hq, django_assert_max_num_queries):
    for fmt in ("xlsx", "pdf"):
        report_package_generate(month=JUNE, org_unit=None, fmt=fmt, by=hq)
    client.force_login(hq)
    client.get(reverse("reports:index"))  # warm the session and the role cache
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:index"))
    assert response.status_code == 200 and response.content.decode().count("reports/archive/") == 2
    for _ in range(5):
        report_package_generate(month=JUNE, org_unit=hq.org_unit.children.first(), fmt="pdf", by=hq)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:index"))
    assert response.content.decode().count("reports/archive/") == 7
