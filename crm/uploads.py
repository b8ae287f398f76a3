"""Checking and storing uploaded files: extension and content agree, size capped, zip bombs refused.

The importers (customers.importers.files) sniff the content of what they parse; this module is the
gate in front of them for anything uploaded through the web: call ``upload_validate`` first, then
``upload_store`` to keep the file under a generated name (never the user's file name).
"""

from __future__ import annotations

import time
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED_KINDS = ("xlsx", "csv")
# An xlsx is a zip of XML; real workbooks compress ~5–20×. Refuse archives that would inflate absurdly.
XLSX_MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
XLSX_MAX_RATIO = 200
XLSX_MAX_MEMBERS = 10_000
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def _max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def _size_of(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, 2)
        size = file.tell()
        file.seek(position)
    return int(size)


def _check_xlsx(file, name: str) -> None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise ValidationError(_("文件“%(name)s”不是有效的 Excel 工作簿（.xlsx）。") % {"name": name})
            if len(members) > XLSX_MAX_MEMBERS:
                raise ValidationError(_("文件“%(name)s”内部结构异常（条目过多），已拒绝。") % {"name": name})
            total = sum(member.file_size for member in members)
            compressed = sum(member.compress_size for member in members) or 1
            if total > XLSX_MAX_UNCOMPRESSED_BYTES or total / compressed > XLSX_MAX_RATIO:
                raise ValidationError(
                    _("文件“%(name)s”解压后过大（疑似压缩炸弹），已拒绝。请拆分后再上传。") % {"name": name}
                )
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("文件“%(name)s”已损坏，无法作为 Excel 工作簿打开。") % {"name": name}) from exc
    finally:
        file.seek(0)


def _check_csv(file, name: str) -> None:
    file.seek(0)
    head = file.read(64 * 1024)
    file.seek(0)
    if b"\x00" in head:
        raise ValidationError(_("文件“%(name)s”不是文本文件（含二进制内容），请上传 CSV 文本。") % {"name": name})
    if head.startswith(b"PK\x03\x04"):
        raise ValidationError(_("文件“%(name)s”扩展名为 .csv，但内容是压缩包/Excel 工作簿。") % {"name": name})
    for encoding in CSV_ENCODINGS:
        try:
            head.decode(encoding)
            return
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the 64 KiB boundary is not an error.
            if exc.start >= len(head) - 4:
                return
    raise ValidationError(_("文件“%(name)s”无法按 UTF-8 或 GB18030 编码读取。") % {"name": name})


def upload_validate(*, file, allowed: tuple[str, ...] = ALLOWED_KINDS, max_bytes: int | None = None) -> str:
    """Check an uploaded file; returns its kind ("xlsx" or "csv") or raises ValidationError (Chinese)."""
    name = Path(getattr(file, "name", "") or "").name
    extension = Path(name).suffix.lower().lstrip(".")
    if extension not in allowed:
        raise ValidationError(
            _("不支持的文件类型“%(ext)s”，只接受 %(allowed)s 文件。")
            % {"ext": extension or "—", "allowed": "、".join(f".{kind}" for kind in allowed)}
        )
    size = _size_of(file)
    limit = max_bytes if max_bytes is not None else _max_bytes()
    if size == 0:
        raise ValidationError(_("文件“%(name)s”为空。") % {"name": name})
    if size > limit:
        raise ValidationError(
            _("文件“%(name)s”大小 %(size).1f MB，超过上限 %(limit).1f MB。")
            % {"name": name, "size": size / 1048576, "limit": limit / 1048576}
        )
    if extension == "xlsx":
        _check_xlsx(file, name)
    else:
        _check_csv(file, name)
    return extension


def upload_store(*, file, kind: str, subdir: str = "uploads") -> Path:
    """Save the (validated) upload under MEDIA_ROOT/<subdir>/ with a generated name; returns the path."""
    if kind not in ALLOWED_KINDS:
        raise ValueError(kind)
    directory = Path(settings.MEDIA_ROOT) / subdir
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{uuid.uuid4().hex}.{kind}"
    file.seek(0)
    with open(target, "wb") as out:
        chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1024 * 1024), b"")
        for chunk in chunks:
            out.write(chunk)
    file.seek(0)
    return target


def _retention_seconds() -> int:
    return int(getattr(settings, "UPLOAD_RETENTION_SECONDS", 3600))


def uploads_purge_expired(*, older_than_seconds: int | None = None, now: float | None = None) -> int:
    """Delete uploaded files (MEDIA_ROOT/imports, MEDIA_ROOT/uploads) older than the retention period
    (settings.UPLOAD_RETENTION_SECONDS, 1 hour by default); returns how many were deleted.

    A previewed file that is never confirmed nor cancelled must not stay on disk: this runs on every
    new upload, from ``manage.py purge_uploads`` and from the periodic job.
    """
    limit = _retention_seconds() if older_than_seconds is None else older_than_seconds
    cutoff = (time.time() if now is None else now) - limit
    deleted = 0
    for subdir in ("imports", "uploads"):
        directory = Path(settings.MEDIA_ROOT) / subdir
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    deleted += 1
            except FileNotFoundError:  # removed meanwhile by a confirm, a cancel or another purge
                continue
    return deleted
