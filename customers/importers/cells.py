"""Vectorised checks of one chunk of cells (pandas Series of strings).

Each check records a RowError for every bad cell and returns the normalised
column, with ``None`` where the cell is blank or bad. Money stays text all the
way into PostgreSQL (``numeric``), so no value ever passes through a float.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
from django.utils import translation
from django.utils.translation import gettext as _

from .files import ROW
from .results import RowError

YES = {"是", "y", "yes", "1", "true", "t", "对"}
NO = {"否", "n", "no", "0", "false", "f"}
# What a long number typed into Excel becomes: 6.22202020001234e+18.
_EXCEL_ROUNDED = r"[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+"
_MONEY = r"^\+?[0-9]{1,15}(?:\.[0-9]+)?$"
_NEGATIVE_MONEY = r"^-[0-9]{1,15}(?:\.[0-9]+)?$"
_INTEGER = r"^\+?[0-9]{1,9}$"
_DATE = r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$"
# Full-width digits and signs typed with a Chinese input method read as their ASCII forms in number and date
# columns (and only there: names keep their characters). ``\d`` is never used: it matches any script's digits.
HALF_WIDTH = str.maketrans("０１２３４５６７８９．－＋／％，", "0123456789.-+/%,")
MAX_SHOWN_VALUE = 30


def shown(value: object) -> str:
    """A cell value as quoted in a message, shortened."""
    text = str(value)
    return text if len(text) <= MAX_SHOWN_VALUE else text[:MAX_SHOWN_VALUE] + "…"


def cell_message(code: str, value: str = "", **params: object) -> str:
    """The reason a cell is refused, one wording for every import path (pandas chunks and SQL staging)."""
    v = shown(value)
    if code == "required":
        return _("必填，不能为空。")
    if code == "too_long":
        return _("内容过长，最多 %(n)s 个字符。") % {"n": params["max_length"]}
    if code == "excel_rounded":
        return _("该单元格被 Excel 存成了数字，已丢失位数；请把此列设为“文本”格式后重新导入。")
    if code == "negative_money":
        return _("金额“%(v)s”不能为负数。") % {"v": v}
    if code == "invalid_money":
        return _("“%(v)s”不是有效的金额。") % {"v": v}
    if code == "negative_rate":
        return _("利率“%(v)s”不能为负数。") % {"v": v}
    if code == "invalid_rate":
        return _("“%(v)s”不是有效的年利率（百分数，如 2.35，最多 4 位小数）。") % {"v": v}
    if code == "invalid_integer":
        return _("“%(v)s”不是有效的整数。") % {"v": v}
    if code == "out_of_range":
        return _("“%(v)s”超出范围（%(lo)s–%(hi)s）。") % {"v": v, "lo": params["minimum"], "hi": params["maximum"]}
    if code == "invalid_yes_no":
        return _("“%(v)s”不是有效的是/否值（是/否、Y/N、1/0、true/false）。") % {"v": v}
    if code == "invalid_date":
        return _("“%(v)s”不是有效的日期（格式 YYYY-MM-DD）。") % {"v": v}
    if code == "late_date":
        return str(params.get("late_message") or _("日期不能晚于今天。"))
    if code == "invalid_choice":
        return _("“%(v)s”不是有效的值，应为：%(allowed)s。") % {"v": v, "allowed": params["allowed"]}
    raise ValueError(code)


def allowed_spellings(mapping: dict[str, str]) -> str:
    """The accepted values of a closed list as a message shows them (the Chinese labels)."""
    return "、".join(dict.fromkeys(k for k in mapping if not k.isascii())) or "、".join(mapping)


class ChunkChecker:
    """Checks the cells of one chunk, appending every problem to ``errors``."""

    def __init__(self, frame: pd.DataFrame, headers: dict[str, str], errors: list[RowError]) -> None:
        self.frame = frame
        self.headers = headers
        self.errors = errors
        self.rows = frame[ROW]
        self.bad = pd.Series(False, index=frame.index)

    def has(self, key: str) -> bool:
        return key in self.headers

    def cells(self, key: str) -> pd.Series:
        if key in self.frame:
            return self.frame[key]
        return pd.Series("", index=self.frame.index, dtype=object)

    def flag(self, mask: pd.Series, key: str, message: str | Callable[[str], str]) -> None:
        """Record an error for each row where mask is true; message may be built from the cell value."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        self.bad |= mask
        header = self.headers.get(key, key)
        values = self.cells(key)[mask]
        rows = self.rows[mask]
        if callable(message):
            self.errors.extend(RowError(int(r), header, message(v)) for r, v in zip(rows, values, strict=True))
        else:
            self.errors.extend(RowError(int(r), header, message) for r in rows)

    def text(
        self, key: str, *, required: bool = False, max_length: int, upper: bool = False, half_width: bool = False
    ) -> pd.Series:
        cells = self.cells(key).str.translate(HALF_WIDTH) if half_width else self.cells(key)
        blank = cells == ""
        if required:
            self.flag(blank, key, cell_message("required"))
        self.flag(cells.str.len() > max_length, key, cell_message("too_long", max_length=max_length))
        # Upper-case before blanking: pandas' .str methods turn None into NaN, a float no validator can read.
        return text_or_none((cells.str.upper() if upper else cells).where(~blank, None))

    def code(self, key: str, *, required: bool = False, max_length: int) -> pd.Series:
        """An identifier (customer or account number): text, and never a number Excel has rounded."""
        cells = self.text(key, required=required, max_length=max_length)
        self.flag(self.cells(key).str.fullmatch(_EXCEL_ROUNDED), key,
                  cell_message("excel_rounded"))
        return cells

    def money(self, key: str, *, required: bool = False) -> pd.Series:
        """Non-negative amount, thousands separators accepted; PostgreSQL rounds to 2 decimals (half away from 0)."""
        cells = self.cells(key).str.translate(HALF_WIDTH).str.replace(r"[,，\s]", "", regex=True)
        blank = cells == ""
        valid = cells.str.fullmatch(_MONEY)
        negative = cells.str.fullmatch(_NEGATIVE_MONEY)
        if required:
            self.flag(blank, key, cell_message("required"))
        self.flag(negative, key, lambda v: cell_message("negative_money", v))
        self.flag(~blank & ~valid & ~negative, key, lambda v: cell_message("invalid_money", v))
        return cells.str.lstrip("+").where(valid, None)

    def rate(self, key: str) -> pd.Series:
        """Annual rate in percent, 0 ≤ rate < 1000, at most 4 decimals; a trailing % is accepted."""
        cells = self.cells(key).str.translate(HALF_WIDTH).str.replace(r"[%％\s]", "", regex=True)
        blank = cells == ""
        valid = cells.str.fullmatch(r"^\+?[0-9]{1,3}(?:\.[0-9]{1,4})?$")
        negative = cells.str.fullmatch(r"^-[0-9]+(?:\.[0-9]+)?$")
        self.flag(negative, key, lambda v: cell_message("negative_rate", v))
        self.flag(
            ~blank & ~valid & ~negative, key,
            lambda v: cell_message("invalid_rate", v),
        )
        return cells.str.lstrip("+").where(valid, None)

    def integer(self, key: str, *, minimum: int = 0, maximum: int) -> pd.Series:
        cells = self.cells(key).str.translate(HALF_WIDTH).str.replace(r"[,，\s]", "", regex=True)
        blank = cells == ""
        valid = cells.str.fullmatch(_INTEGER)
        numbers = pd.to_numeric(cells.where(valid, None), errors="coerce")
        out_of_range = valid & ((numbers < minimum) | (numbers > maximum))
        self.flag(~blank & ~valid, key, lambda v: cell_message("invalid_integer", v))
        self.flag(
            out_of_range, key,
            lambda v: cell_message("out_of_range", v, minimum=minimum, maximum=maximum),
        )
        return cells.str.lstrip("+").where(valid & ~out_of_range, None)

    def yes_no(self, key: str) -> pd.Series:
        cells = self.cells(key).str.lower()
        yes = cells.isin(YES)
        no = cells.isin(NO)
        self.flag(
            (cells != "") & ~yes & ~no, key,
            lambda v: cell_message("invalid_yes_no", v),
        )
        return pd.Series([True if y else (False if n else None) for y, n in zip(yes, no, strict=True)],
                         index=cells.index, dtype=object)

    def date(self, key: str, *, not_after: date, not_after_message: str | None = None) -> pd.Series:
        """YYYY-MM-DD (also YYYY/M/D); bad or impossible dates and dates after ``not_after`` are errors."""
        cells = self.cells(key).str.translate(HALF_WIDTH)
        blank = cells == ""
        parts = cells.str.extract(_DATE)
        iso = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
        parsed = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
        invalid = ~blank & parsed.isna()
        late = parsed > pd.Timestamp(not_after)
        self.flag(invalid, key, lambda v: cell_message("invalid_date", v))
        self.flag(late, key, cell_message("late_date", late_message=not_after_message))
        return iso.where(~invalid & ~late & ~blank, None)

    def choice(self, key: str, mapping: dict[str, str], *, required: bool = False) -> pd.Series:
        """A value from a closed list: ``mapping`` maps accepted spellings (lower case) to stored codes."""
        cells = self.cells(key)
        blank = cells == ""
        codes = cells.str.lower().map(mapping)
        allowed = allowed_spellings(mapping)
        if required:
            self.flag(blank, key, cell_message("required"))
        self.flag(
            ~blank & codes.isna(), key,
            lambda v: cell_message("invalid_choice", v, allowed=allowed),
        )
        return codes.where(~blank & codes.notna(), None)

    def lookup(self, key: str, mapping: dict[str, int], *, what: str) -> pd.Series:
        """A reference to another table (org code, username, lookup name/code); unknown → error."""
        cells = self.cells(key)
        blank = cells == ""
        ids = cells.str.lower().map(mapping).astype("Int64")
        self.flag(~blank & ids.isna(), key, lambda v: _("%(what)s“%(v)s”不存在。") % {"what": what, "v": shown(v)})
        return ids


def text_or_none(series: pd.Series) -> pd.Series:
    """A checked column as Python values with None for every missing cell (never NaN/NA, which are floats)."""
    series = series.astype(object)
    return series.where(series.notna(), None)


def choice_mapping(choices: list[tuple[str, object]], *extra: tuple[str, str]) -> dict[str, str]:
    """Accepted spellings of a TextChoices: its Chinese label and its code, compared in lower case."""
    with translation.override("zh-hans"):
        mapping = {str(label).lower(): value for value, label in choices}
    mapping.update({str(value).lower(): value for value, _label in choices})
    mapping.update({k.lower(): v for k, v in extra})
    return mapping
