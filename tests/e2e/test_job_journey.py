"""An admin uploads a month of balances, confirms the preview, and watches the job's progress bar reach 100 %
(htmx polling the page served by the live server, the import run by a real worker process)."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from benchmarks.cases import _balances_csv, _import_month
from benchmarks.datagen import bench_data_generate
from crm.models import Job
from customers.models import MonthlyBalance
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_uploads_balances_and_watches_the_progress_bar_reach_100(
    page, live_server, job_worker, settings, tmp_path, screenshot
):
    # given a bank of 20,000 customers (80,000 accounts) and their next month's balances file
    settings.MEDIA_ROOT = tmp_path / "media"
    data_month = date(2026, 8, 1)
    bench_data_generate(customers=20_000, aum_month=data_month, log=lambda _message: None)
    context = SimpleNamespace(month=data_month, accounts=80_000, workdir=tmp_path)
    month, csv_path = _import_month(context), _balances_csv(context)
    admin = UserFactory(username="ops", is_staff=True, is_superuser=True)
    admin.set_password("demo12345")
    admin.save()
    job_worker(queues="imports")

    # when the admin uploads it, confirms the preview
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "demo12345")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/customers/import/")
    balances = page.locator("form[action$='/balances/']")
    balances.locator("input[type=file]").set_input_files(str(csv_path))
    balances.locator("input[name=month]").fill(f"{month:%Y-%m}")
    # The preview validates the whole file inside the request: allow it time on a loaded machine.
    with page.expect_navigation(timeout=240_000):
        balances.locator("button").click(no_wait_after=True)
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="确认导入").click(no_wait_after=True)

    # then the job page polls its progress until the bar is full and the notice says it is done
    expect(page).to_have_url(f"{live_server.url}/jobs/{Job.objects.get().pk}/")
    # (80,000 rows import in about a second since issue 11's speed-up: the page may first see it done)
    expect(page.get_by_test_id("job-progress")).to_have_attribute(
        "data-state", re.compile("running|succeeded"), timeout=60_000)
    screenshot(page, "job_running")
    expect(page.get_by_test_id("job-percent")).to_have_text("100%", timeout=120_000)
    expect(page.get_by_test_id("job-notice")).to_contain_text("作业已完成")
    expect(page.locator("progress.job-progress")).to_have_attribute("value", "100")
    screenshot(page, "job_done")
    assert page.js_errors == []
    assert MonthlyBalance.objects.filter(month=month).count() == 80_000
    job = Job.objects.get()
    assert job.state == "succeeded" and job.started_by == admin and job.result["created"] == 80_000
