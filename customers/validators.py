"""Checks on identity data, shared by forms and importers."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
# [0-9], not \d (which also matches full-width and other scripts' digits); fullmatch, not $ (which allows a "\n").
_ID_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}")


def resident_id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of a resident ID."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def resident_id_birth_date(id_number: str) -> date | None:
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def validate_resident_id(value: str) -> None:
    """18-character mainland resident ID: format, embedded birth date and check digit."""
    number = value.strip().upper()
    if not _ID_PATTERN.fullmatch(number):
        raise ValidationError(_("身份证号码应为18位，前17位为数字，最后一位为数字或X。"), code="id_format")
    if resident_id_birth_date(number) is None:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth_date")
    if resident_id_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确。"), code="id_check_digit")


def validate_mobile(value: str) -> None:
    """Mainland mobile number: 11 digits starting with 13–19."""
    if not _MOBILE_PATTERN.fullmatch(value.strip()):
        raise ValidationError(_("手机号应为以1开头的11位数字。"), code="mobile_format")


def validate_not_future(value: date) -> None:
    if value and value > date.today():  # noqa: DTZ011 — a calendar date, local to the bank
        raise ValidationError(_("日期不能晚于今天。"), code="future_date")
