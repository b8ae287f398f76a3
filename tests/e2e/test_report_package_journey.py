"""A branch head generates the monthly Excel package for their outlet on the reports page and downloads it."""

from __future__ import annotations

import hashlib
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from reports.exporters.base import SHEET_ORDER
from reports.models import ReportArchive
from tests.reports.conftest import main_table, two_months  # noqa: F401 - the hand-computed two closed months

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_branch_head_generates_and_downloads_the_excel(page, live_server, two_months, settings, tmp_path,  # noqa: F811
                                                       screenshot, job_worker):
    settings.MEDIA_ROOT = tmp_path / "media"
    job_worker(queues="reports")  # packages are background jobs, run by a real worker process
    # given: the branch head of OUT-A signs in (lands on the dashboard) and opens the reports page from the menu
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", "demo12345")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/reports/dashboard/"))
    page.get_by_role("link", name="月度报表").click()
    expect(page).to_have_url(re.compile(r"/reports/$"))

    # when: they generate July's Excel for their outlet
    page.select_option("#id_month", "2024-07")
    page.select_option("#id_org", "OUT-A")
    page.select_option("#id_format", "xlsx")
    page.click("[data-testid=report-form] button[type=submit]")

    # then: the job's page follows it to the end; the archive lists it, and the download is the archived file
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job-notice")).to_contain_text("作业已完成", timeout=120_000)
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_test_id("download-xlsx").first).to_be_visible()
    screenshot(page, "reports_page")
    with page.expect_download() as info:
        page.get_by_test_id("download-xlsx").first.click()
    download = info.value
    assert download.suggested_filename == "客户分层月报_2024-07_OUT-A.xlsx"
    path = tmp_path / "downloaded.xlsx"
    download.save_as(path)
    archive = ReportArchive.objects.get()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == archive.sha256
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEET_ORDER
    _header, detail = main_table(book["客户等级明细"])
    assert sorted(r[0] for r in detail) == sorted(c.customer_no for c in (two_months.c1, two_months.c2, two_months.c3))
    assert page.js_errors == []
