"""Security hardening: lockout, headers, deploy checks, passwords, formula injection, uploads."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.spreadsheet import safe_cell, safe_row
from crm.uploads import upload_store, upload_validate

BASE_DIR = Path(__file__).resolve().parents[2]


def test_five_failed_logins_lock_the_account_with_chinese_message(client, rm_a1):
    for _ in range(5):
        client.post(reverse("login"), {"username": "rm_a1", "password": "bad-password"})
    # even the right password is refused now
    response = client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"})
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # an admin unlocks (admin → Axes → delete the attempt); then the login works
    AccessAttempt.objects.all().delete()
    response = client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"})
    assert response.status_code == 302


def test_admin_can_unlock_in_admin(client, sysadmin, rm_a1):
    for _ in range(5):
        client.post(reverse("login"), {"username": "rm_a1", "password": "bad-password"})
    attempt = AccessAttempt.objects.get(username="rm_a1")
    client.force_login(sysadmin)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    response = client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


def test_pages_carry_csp_and_no_store(client, rm_a1, cust_a):
    client.force_login(rm_a1)
    response = client.get(reverse("customers:detail", args=[cust_a.pk]))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    login_page = client.get(reverse("login"))
    assert "Content-Security-Policy" in login_page


def test_no_inline_script_or_style_in_pages(client, head_a, cust_a):
    client.force_login(head_a)
    for url in (reverse("customers:detail", args=[cust_a.pk]), reverse("access:handover_create"),
                reverse("access:handover_list")):
        body = client.get(url).content.decode()
        assert "style=" not in body
        for chunk in body.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            assert "src=" in head or 'type="application/json"' in head, head


def test_logout_is_post_only_and_back_button_shows_nothing(client, rm_a1, cust_a):
    client.force_login(rm_a1)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    response = client.get(reverse("customers:detail", args=[cust_a.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_login_rotates_session_key(client, rm_a1):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"})
    assert client.session.session_key != before


def test_password_validators_require_ten_characters(rm_a1):
    with pytest.raises(ValidationError, match="10"):
        validate_password("Ab3$xyz9q", user=rm_a1)
    validate_password("Kq7#mZ2!pLw4", user=rm_a1)


def test_session_policy(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert "crm.middleware.SessionKeepAliveMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in settings.MIDDLEWARE


def test_check_deploy_passes_with_production_settings():
    env = {**os.environ, "SECRET_KEY": "x" * 30 + "-production-secret-7f3k2m9q1z", "ALLOWED_HOSTS": "crm.example.cn",
           "DJANGO_SETTINGS_MODULE": "crm.settings.production"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests of the same run; never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"ALLOWED_HOSTS": "crm.example.cn", "DJANGO_SETTINGS_MODULE": "crm.settings.production"})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_database_url(tmp_path):
    """Issue 10, item 12: no embedded database in production; a clear message instead."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"ALLOWED_HOSTS": "crm.example.cn", "DJANGO_SETTINGS_MODULE": "crm.settings.production",
                "SECRET_KEY": "x" * 30 + "-production-secret-7f3k2m9q1z"})
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr and "生产环境必须设置 DATABASE_URL" in result.stderr
    assert "embedded" not in result.stdout.lower()


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"点我\")", "+1", "-1", "@x", "\tcmd", "\r=1"])
def test_safe_cell_neutralises_formulas(value, tmp_path):
    assert safe_cell(value) == "'" + value
    workbook = openpyxl.Workbook()
    workbook.active.append(safe_row([value, 5]))
    path = tmp_path / "out.xlsx"
    workbook.save(path)
    cell = openpyxl.load_workbook(path).active["A1"]
    assert cell.data_type == "s" and cell.value.startswith("'")


def test_safe_cell_leaves_plain_values():
    assert safe_cell("张三") == "张三" and safe_cell(-1) == -1 and safe_cell(None) is None


def _xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["客户号", "姓名"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_upload_accepts_real_xlsx_and_csv_and_stores_under_generated_name(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("../../etc/客户.xlsx", _xlsx_bytes())
    assert upload_validate(file=upload) == "xlsx"
    stored = upload_store(file=upload, kind="xlsx")
    assert stored.parent == tmp_path / "uploads" and "客户" not in stored.name and stored.suffix == ".xlsx"
    assert upload_validate(file=SimpleUploadedFile("c.csv", "客户号,姓名\nC1,张三\n".encode())) == "csv"
    assert upload_validate(file=SimpleUploadedFile("g.csv", "客户号,姓名\n".encode("gb18030"))) == "csv"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.exe", b"MZ...", "不支持的文件类型"),
        ("a.xlsx", b"not a zip at all", "已损坏"),
        ("a.csv", b"PK\x03\x04abc", "压缩包"),
        ("a.csv", b"abc\x00def", "二进制"),
        ("a.csv", b"", "为空"),
    ],
)
def test_upload_rejects_bad_files(name, content, message):
    with pytest.raises(ValidationError, match=message):
        upload_validate(file=SimpleUploadedFile(name, content))


def test_upload_rejects_zip_bomb_and_oversize():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError, match="压缩炸弹"):
        upload_validate(file=SimpleUploadedFile("bomb.xlsx", buffer.getvalue()))
    with pytest.raises(ValidationError, match="超过上限"):
        upload_validate(file=SimpleUploadedFile("big.csv", b"a,b\n" * 1000), max_bytes=100)


def test_activity_renews_the_idle_timeout_at_most_once_a_minute(client, rm_a1, time_machine):
    from django.contrib.sessions.models import Session

    time_machine.move_to("2026-01-05 09:00:00+08:00", tick=False)
    client.force_login(rm_a1)
    client.get("/customers/")
    first = Session.objects.get().expire_date
    # a click 20 s later does not write the session; one 2 minutes later pushes the expiry forward
    time_machine.move_to("2026-01-05 09:00:20+08:00", tick=False)
    client.get("/customers/")
    assert Session.objects.get().expire_date == first
    time_machine.move_to("2026-01-05 09:02:00+08:00", tick=False)
    client.get("/customers/")
    assert (Session.objects.get().expire_date - first).total_seconds() == 120
    # and 31 idle minutes later the session is gone: the user must log in again
    time_machine.move_to("2026-01-05 09:33:01+08:00", tick=False)
    assert client.get("/customers/").status_code == 302


def test_ui_is_chinese_first_whatever_the_browser_language(client):
    # an English browser still gets the Chinese UI …
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"
    # … until the user picks English with the language switch (a cookie)
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert client.get("/accounts/login/").headers["Content-Language"] == "en"


def test_username_locks_after_five_failures_from_different_addresses(client, rm_a1):
    """Issue 10, item 6: five guesses in all, whatever the number of source addresses."""
    for n in range(5):
        client.post(reverse("login"), {"username": "rm_a1", "password": "bad"}, REMOTE_ADDR=f"10.0.0.{n + 1}")
    response = client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"},
                           REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_one_address_locks_after_five_failures_over_many_usernames(client, rm_a1):
    for n in range(5):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "bad"}, REMOTE_ADDR="10.0.0.7")
    response = client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429
    # the account itself is not locked for its owner elsewhere
    response = client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"}, REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 302


def test_lockout_ends_after_the_cool_off(client, rm_a1):
    import datetime

    import time_machine

    with time_machine.travel(datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        for n in range(5):
            client.post(reverse("login"), {"username": "rm_a1", "password": "bad"}, REMOTE_ADDR=f"10.0.1.{n + 1}")
        assert client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"}).status_code == 429
        clock.shift(datetime.timedelta(minutes=61))
        assert client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"}).status_code == 302


def test_staff_change_their_own_password_from_the_user_menu(client, rm_a1):
    """Issue 10, item 7: Django's views, in Chinese, with the configured validators."""
    client.force_login(rm_a1)
    page = client.get(reverse("customers:list")).content.decode()
    assert f'href="{reverse("password_change")}"' in page and "修改密码" in page
    url = reverse("password_change")
    # a weak new password is refused by the validators, in Chinese
    response = client.post(url, {"old_password": "demo12345", "new_password1": "12345678",
                                 "new_password2": "12345678"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "密码未修改" in body and ("太短" in body or "至少" in body)
    # a wrong old password too
    response = client.post(url, {"old_password": "nope", "new_password1": "Qz7!longer-pass",
                                 "new_password2": "Qz7!longer-pass"})
    assert response.status_code == 200
    # the right one changes it, and the session survives
    response = client.post(url, {"old_password": "demo12345", "new_password1": "Qz7!longer-pass",
                                 "new_password2": "Qz7!longer-pass"})
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    rm_a1.refresh_from_db()
    assert rm_a1.check_password("Qz7!longer-pass")
    assert "密码已修改" in client.get(reverse("password_change_done")).content.decode()


@pytest.mark.parametrize("language,texts", [("zh-hans", ["页面不存在", "返回首页"]), ("en", None)])
def test_404_page_in_the_site_layout(client, rm_a1, language, texts):
    """Issue 10, item 13: the site's own error page, with navigation, in the chosen language."""
    client.force_login(rm_a1)
    if language == "en":
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get("/customers/999999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-testid="error-page"' in body and 'class="navbar' in body and 'href="/"' in body
    if texts:
        assert all(text in body for text in texts)
    else:
        assert "Page not found" in body and "页面不存在" not in body


def test_403_page_has_navigation_and_logs_no_traceback(client, rm_a1, caplog):
    client.force_login(rm_a1)
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get(reverse("access:handover_list"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode() and 'data-testid="error-page"' in response.content.decode()
    from crm.log_filters import ForbiddenWithoutTraceback

    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(ForbiddenWithoutTraceback().filter(r) and r.exc_info is None for r in records)


def test_over_limit_request_body_gets_the_400_page(client, rm_a1, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(rm_a1)
    response = client.post(reverse("customers:search"), {"q": "x" * 5000})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请求无效" in body and 'data-testid="error-page"' in body and "Traceback" not in body


def test_500_page_renders_in_the_layout_without_a_request_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "系统错误" in html and 'href="/"' in html


def test_no_inline_style_attribute_in_any_template_or_script():
    """Issue 10, item 15: the CSP refuses inline styles; none may be written into a page."""
    offenders = [
        str(path.relative_to(BASE_DIR)) for folder in ("templates", "static/js", "static/css")
        for path in (BASE_DIR / folder).rglob("*") if path.is_file() and path.suffix in {".html", ".js"}
        and ("style=" in path.read_text(encoding="utf-8") or ".setAttribute(\"style\"" in path.read_text(encoding="utf-8"))
    ]
    assert not offenders
    base = (BASE_DIR / "templates" / "base.html").read_text(encoding="utf-8")
    assert 'rel="icon"' in base and '"includeIndicatorStyles": false' in base
