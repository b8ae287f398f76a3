"""Opening an uploaded or local import file and streaming its rows in chunks.

Every cell comes out as a stripped string (never a float): CSV cells are read
with ``dtype=str``; Excel numbers, which the file itself stores as binary
doubles, are turned back into their shortest decimal text (``repr``), which is
exactly the number typed into Excel for anything up to 15 significant digits.
Row numbers are those the user sees in Excel: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from django.utils.translation import gettext as _

from .columns import Column, normalise_header
from .results import FileError

Source = Path | str | BinaryIO
ROW = "_row"
CHUNK_ROWS = 100_000
SUPPORTED_EXTENSIONS = (".xlsx", ".csv")


@dataclass
class Table:
    """A file whose header passed the checks; ``chunks`` yields DataFrames of strings."""

    headers: dict[str, str]  # column key -> header text as written in the file
    chunks: Iterator[pd.DataFrame]  # columns: present keys + "_row"
    kind: str  # "xlsx" or "csv"
    encoding: str | None = None


def _name_of(source: Source) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    return str(getattr(source, "name", "") or "")


def _open_binary(source: Source) -> BinaryIO:
    if isinstance(source, (str, Path)):
        try:
            return open(source, "rb")  # noqa: SIM115 — closed by the caller
        except OSError as exc:
            raise FileError(_("无法打开文件：%(error)s") % {"error": exc.strerror or exc}) from exc
    if not source.seekable():
        return io.BytesIO(source.read())
    source.seek(0)
    return source


def sniff_kind(head: bytes, *, name: str, stream: BinaryIO) -> str:
    """'xlsx' or 'csv' judged by content, cross-checked with the extension; FileError otherwise."""
    extension = Path(name).suffix.lower() if name else ""
    if extension and extension not in SUPPORTED_EXTENSIONS:
        raise FileError(_("不支持的文件类型“%(ext)s”，只接受 .xlsx 或 .csv 文件。") % {"ext": extension})
    if not head:
        raise FileError(_("文件为空。"))
    if head.startswith(b"PK\x03\x04"):
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                is_workbook = "xl/workbook.xml" in archive.namelist()
        except zipfile.BadZipFile:
            is_workbook = False
        stream.seek(0)
        if not is_workbook:
            raise FileError(_("文件内容不是有效的 Excel 工作簿（.xlsx）。"))
        if extension == ".csv":
            raise FileError(_("文件扩展名为 .csv，但内容是 Excel 工作簿，请将扩展名改为 .xlsx。"))
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(_("这是旧版 Excel（.xls）或加密的工作簿，请另存为 .xlsx 或 CSV（逗号分隔）后再导入。"))
    if head.startswith(b"%PDF"):
        raise FileError(_("文件内容是 PDF，不是 Excel 或 CSV 文件。"))
    if extension == ".xlsx":
        raise FileError(_("文件扩展名为 .xlsx，但内容不是有效的 Excel 工作簿。"))
    if b"\x00" in head:
        raise FileError(_("文件内容不是文本格式的 CSV 文件。"))
    return "csv"


def detect_encoding(stream: BinaryIO) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Chinese Excel writes)."""
    stream.seek(0)
    first = stream.read(3)
    stream.seek(0)
    if first == codecs.BOM_UTF8:
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while block := stream.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            stream.seek(0)
            continue
        stream.seek(0)
        return encoding
    raise FileError(_("无法识别文件编码，请将 CSV 保存为 UTF-8 或 GBK 编码。"))


def _map_headers(raw_headers: list[object], columns: tuple[Column, ...]) -> tuple[dict[str, str], dict[int, str]]:
    """Match the header row to the known columns; FileError for missing required or repeated columns."""
    by_alias = {normalise_header(alias): column for column in columns for alias in column.aliases}
    headers: dict[str, str] = {}
    positions: dict[int, str] = {}
    for position, raw in enumerate(raw_headers):
        column = by_alias.get(normalise_header(raw))
        if column is None:
            continue  # unknown extra columns are ignored
        if column.key in headers:
            raise FileError(
                _("列“%(header)s”出现了两次（第 %(a)s 列和第 %(b)s 列）。")
                % {"header": column.header, "a": _pos(positions, column.key) + 1, "b": position + 1}
            )
        headers[column.key] = str(raw).replace("\ufeff", "").strip()
        positions[position] = column.key
    if not any(normalise_header(h) for h in raw_headers):
        raise FileError(_("第 1 行应为表头，但它是空的。"))
    missing = [c.header for c in columns if c.required and c.key not in headers]
    if missing:
        raise FileError(_("缺少必需的列：%(columns)s。") % {"columns": "、".join(missing)})
    return headers, positions


def _pos(positions: dict[int, str], key: str) -> int:
    return next(p for p, k in positions.items() if k == key)


def _chunked_frames(
    rows: Iterator[tuple[int, list[str]]], keys: list[str], *, max_rows: int | None, chunk_rows: int
) -> Iterator[pd.DataFrame]:
    """Group (row number, cells) into DataFrames, skipping blank rows and refusing more than max_rows."""
    seen = 0
    numbers: list[int] = []
    cells: list[list[str]] = []
    for number, values in rows:
        if not any(values):
            continue
        seen += 1
        if max_rows is not None and seen > max_rows:
            raise FileError(_too_many_rows(max_rows))
        numbers.append(number)
        cells.append(values)
        if len(cells) >= chunk_rows:
            yield _frame(numbers, cells, keys)
            numbers, cells = [], []
    if cells:
        yield _frame(numbers, cells, keys)
    elif seen == 0:
        raise FileError(_("文件只有表头，没有数据行。"))


def _frame(numbers: list[int], cells: list[list[str]], keys: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(cells, columns=keys, dtype=object)
    frame[ROW] = numbers
    return frame


def _too_many_rows(max_rows: int) -> str:
    return _("文件超过 %(max)s 行数据的上限，请拆分为多个文件后分别导入。") % {"max": f"{max_rows:,}"}


def excel_cell_text(value: object) -> str:
    """One Excel cell as text, without passing money through binary arithmetic."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Integers are exact in a float up to 2**53 (a 16-digit account number); beyond, digits are already
        # lost and the repr ("6.2e+18") is refused by the identifier columns.
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _excel_table(
    stream: BinaryIO, columns: tuple[Column, ...], *, max_rows: int | None, chunk_rows: int, owned: bool
) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise FileError(_("无法读取 Excel 工作簿，文件可能已损坏。")) from exc
    if not workbook.worksheets:
        raise FileError(_("Excel 工作簿中没有工作表。"))
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        workbook.close()
        raise FileError(_("文件为空。"))
    headers, positions = _map_headers(list(header), columns)
    keys = list(positions.values())
    picks = list(positions)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(rows, start=2):
                yield number, [excel_cell_text(row[p]) if p < len(row) else "" for p in picks]
        finally:
            workbook.close()
            if owned:
                stream.close()

    return Table(headers=headers, chunks=_chunked_frames(numbered(), keys, max_rows=max_rows,
                                                         chunk_rows=chunk_rows), kind="xlsx")


def _csv_header(stream: BinaryIO) -> tuple[str, list[str]]:
    """The CSV's encoding and header row; FileError when there is none."""
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        header = next(csv.reader(text), None)
    except csv.Error as exc:
        raise FileError(_("CSV 文件格式错误：%(error)s") % {"error": exc}) from exc
    finally:
        text.detach()
    if header is None or not any(cell.strip() for cell in header):
        raise FileError(_("第 1 行应为表头，但它是空的。") if header is not None else _("文件为空。"))
    return encoding, header


def _csv_table(
    stream: BinaryIO, columns: tuple[Column, ...], *, max_rows: int | None, chunk_rows: int, owned: bool
) -> Table:
    encoding, header = _csv_header(stream)
    headers, positions = _map_headers(header, columns)
    keys = list(positions.values())
    stream.seek(0)

    def frames() -> Iterator[pd.DataFrame]:
        seen = 0
        reader = pd.read_csv(
            stream, encoding=encoding, header=None, skiprows=1, names=range(len(header)),
            usecols=list(positions), dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, chunksize=chunk_rows, engine="c",
        )
        start = 2
        try:
            for chunk in reader:
                chunk = chunk.rename(columns=positions)[keys].fillna("")
                chunk[ROW] = range(start, start + len(chunk))
                start += len(chunk)
                for key in keys:
                    chunk[key] = chunk[key].str.strip()
                blank = (chunk[keys] == "").all(axis=1)
                if blank.any():
                    chunk = chunk[~blank]
                seen += len(chunk)
                if max_rows is not None and seen > max_rows:
                    raise FileError(_too_many_rows(max_rows))
                if len(chunk):
                    yield chunk.reset_index(drop=True)
        except pd.errors.ParserError as exc:
            raise FileError(_("CSV 文件格式错误：%(error)s") % {"error": exc}) from exc
        except UnicodeDecodeError as exc:
            raise FileError(_("无法识别文件编码，请将 CSV 保存为 UTF-8 或 GBK 编码。")) from exc
        finally:
            if owned:
                stream.close()
        if seen == 0:
            raise FileError(_("文件只有表头，没有数据行。"))

    return Table(headers=headers, chunks=frames(), kind="csv", encoding=encoding)


def open_table(
    source: Source, *, columns: tuple[Column, ...], max_rows: int | None, chunk_rows: int | None = None
) -> Table:
    """Check the file's type and header; return its rows as a stream of string DataFrames.

    Raises FileError for a file-level problem, now (type, header) or while iterating (row cap, parse error).
    """
    chunk_rows = chunk_rows or CHUNK_ROWS  # read now, so a test can make chunks small
    stream = _open_binary(source)
    owned = isinstance(source, (str, Path))
    try:
        head = stream.read(8192)
        stream.seek(0)
        kind = sniff_kind(head, name=_name_of(source), stream=stream)
        if kind == "xlsx":
            return _excel_table(stream, columns, max_rows=max_rows, chunk_rows=chunk_rows, owned=owned)
        return _csv_table(stream, columns, max_rows=max_rows, chunk_rows=chunk_rows, owned=owned)
    except FileError:
        if owned:
            stream.close()
        raise


@dataclass
class CsvFile:
    """A file as CSV bytes PostgreSQL's COPY can read, with its checked header."""

    stream: BinaryIO  # positioned at the start (the header line included)
    encoding: str  # Python codec name
    width: int  # fields in the header row
    headers: dict[str, str]  # column key -> header text as written in the file
    positions: dict[int, str]  # field position -> column key


@contextmanager
def open_as_csv(source: Source, *, columns: tuple[Column, ...], workdir: str | None = None) -> Iterator[CsvFile]:
    """The file as CSV for COPY: a CSV as it is; a workbook first written out row by row as UTF-8 CSV.

    Raises FileError for a file-level problem (type, encoding, header). Memory stays flat for any size.
    """
    stream = _open_binary(source)
    owned = isinstance(source, (str, Path))
    converted = None
    try:
        head = stream.read(8192)
        stream.seek(0)
        if sniff_kind(head, name=_name_of(source), stream=stream) == "xlsx":
            converted = tempfile.TemporaryFile(dir=workdir)  # noqa: SIM115 — closed below
            _excel_to_csv(stream, converted)
            if owned:
                stream.close()
            stream, owned = converted, True
        encoding, header = _csv_header(stream)
        headers, positions = _map_headers(header, columns)
        stream.seek(0)
        yield CsvFile(stream=stream, encoding=encoding, width=len(header), headers=headers, positions=positions)
    finally:
        if owned:
            stream.close()


def _excel_to_csv(stream: BinaryIO, target: BinaryIO) -> None:
    """The first sheet as UTF-8 CSV, each row as wide as the header (cells as ``excel_cell_text`` reads them)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise FileError(_("无法读取 Excel 工作簿，文件可能已损坏。")) from exc
    try:
        if not workbook.worksheets:
            raise FileError(_("Excel 工作簿中没有工作表。"))
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise FileError(_("文件为空。"))
        width = len(header)
        text = io.TextIOWrapper(target, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["" if cell is None else str(cell) for cell in header])
        for row in rows:
            cells = [excel_cell_text(row[p]) if p < len(row) else "" for p in range(width)]
            writer.writerow(cells)
        text.flush()
        text.detach()
        target.seek(0)
    finally:
        workbook.close()
