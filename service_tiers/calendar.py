"""The Chinese holiday calendar's dates for a year, from the maintained `holidays` library (lunar ones included).

Kept free of models so the data migration can call it too; the service ``holiday_calendar_fill`` writes
the rows (admin edits win: existing rows are never overwritten).
"""

from __future__ import annotations

import datetime as dt

import holidays
from holidays.calendars.chinese import _ChineseLunisolar

# code, label, library name (the first day the library lists under that name is the festival itself)
_FROM_LIBRARY = [
    ("new_year", "元旦", "元旦"),
    ("spring", "春节", "春节"),
    ("qingming", "清明", "清明节"),
    ("labour", "劳动节", "劳动节"),
    ("dragon_boat", "端午", "端午节"),
    ("mid_autumn", "中秋", "中秋节"),
    ("national", "国庆", "国庆节"),
]


def holiday_dates(year: int) -> list[tuple[str, str, dt.date]]:
    """[(code, name, date)] of the care holidays of ``year``: the statutory ones, 元宵 and 重阳."""
    by_name: dict[str, dt.date] = {}
    for day, name in sorted(holidays.China(years=year, language="zh_CN").items()):
        by_name.setdefault(name, day)
    found = [(code, label, by_name[name]) for code, label, name in _FROM_LIBRARY if name in by_name]
    lunar = _ChineseLunisolar()
    spring, _estimated = lunar.lunar_new_year_date(year)
    if spring is not None:
        found.append(("lantern", "元宵", spring + dt.timedelta(days=14)))  # 正月十五
    double_ninth, _estimated = lunar.double_ninth_date(year)
    if double_ninth is not None:
        found.append(("double_ninth", "重阳", double_ninth))
    return sorted(found, key=lambda row: row[2])
