"""CI: gunicorn with the production settings and a worker, as separate processes on the test database,
run one job end to end (an admin starts a month close in the browser's way and watches it finish)."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from datetime import date
from urllib.parse import urlencode

import pytest
import time_machine
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from crm.models import Job
from customers.services.imports import balances_import
from segmentation.models import MonthClose
from tests.customers.import_files import BALANCE_HEADER, balance_row, write_csv
from tests.factories import UserFactory
from tests.segmentation.factories import draft_version, individual

pytestmark = pytest.mark.django_db(transaction=True)
JUNE = date(2024, 6, 1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """Just enough of a browser for a production site behind a TLS proxy: cookies kept by hand (they are
    Secure), X-Forwarded-Proto: https, a Referer for CSRF."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", "Referer": "https://127.0.0.1/",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        text = response.read().decode()
        connection.close()
        return response.status, dict(response.getheaders()), text

    def csrf(self, path: str) -> str:
        _status, _headers, text = self.request("GET", path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)


def test_gunicorn_and_a_worker_run_a_month_close_end_to_end(job_worker, tmp_path, org_tree, settings):
    # given a month with balances and an admin
    draft_version(effective_month=date(2024, 1, 1))
    individual(customer_no="C001", org_unit=org_tree["OUT-A"])
    with time_machine.travel(date(2024, 7, 2), tick=False):
        path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row("C001", "A001", 最后交易日="2024-06-20")])
        assert balances_import(file=path, month=JUNE).ok
    admin = UserFactory(username="ops_admin", org_unit=org_tree["HQ"], is_staff=True, is_superuser=True)
    # Production checks passwords with its own hashers (the tests' settings use a fast MD5 one).
    admin.password = PBKDF2PasswordHasher().encode("a-long-password-1", "ci-salt-0123456789")
    admin.save(update_fields=["password"])
    static_root = tmp_path / "static"
    production = {"DJANGO_SETTINGS_MODULE": "crm.settings.production", "SECRET_KEY": "ci-" + "x" * 60,
                  "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "False", "STATIC_ROOT": str(static_root)}
    collect = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=settings.BASE_DIR,
        env={**_env(job_worker.database_url), **production}, capture_output=True, timeout=120)
    assert collect.returncode == 0, collect.stderr
    # when gunicorn (2 workers, production settings) and a job worker run as separate processes
    port = _free_port()
    web = subprocess.Popen(  # noqa: S603
        [str(settings.BASE_DIR / ".venv" / "bin" / "gunicorn"), "crm.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", "2"], cwd=settings.BASE_DIR, env={**_env(job_worker.database_url), **production},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        job_worker(extra_env=production)
        browser = Browser(port)
        _wait_until_up(browser)
        token = browser.csrf("/accounts/login/")
        status, headers, _ = browser.request("POST", "/accounts/login/", {
            "username": "ops_admin", "password": "a-long-password-1", "csrfmiddlewaretoken": token})
        assert status == 302, "login refused"
        token = browser.csrf("/admin/segmentation/monthclose/run/")
        status, headers, _ = browser.request("POST", "/admin/segmentation/monthclose/run/", {
            "month": "2024-06", "close": "1", "csrfmiddlewaretoken": token})
        assert status == 302 and re.fullmatch(r"/jobs/\d+/", headers["Location"])
        job_url = headers["Location"]
        # then the progress fragment served by gunicorn shows the job finished, the month closed
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            _status, _headers, fragment = browser.request("GET", f"{job_url}progress/")
            if 'data-state="succeeded"' in fragment or 'data-state="failed"' in fragment:
                break
            time.sleep(0.3)
        assert 'data-state="succeeded"' in fragment and 'value="100"' in fragment, fragment
        _status, _headers, css = browser.request("GET", "/static/css/app.css")  # whitenoise
        assert "job-progress" in css
    finally:
        web.terminate()
        web.wait(timeout=20)
    assert MonthClose.objects.get(month=JUNE).state == "closed"
    assert Job.objects.get().started_by == admin


def _env(database_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url}


def _wait_until_up(browser: Browser) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if browser.request("GET", "/accounts/login/")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not answer within 30 s")
