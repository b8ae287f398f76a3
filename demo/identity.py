"""Identity data that passes the project's own checks: resident IDs, mobiles, credit codes."""

from __future__ import annotations

import random
from datetime import date

from customers.validators import resident_id_check_digit

# Real county-level area codes (GB/T 2260) of the cities used for demo names.
AREA_CODES = [
    "110101", "110105", "110108", "310104", "310115", "440106", "440305", "440304", "330106", "330108",
    "320102", "320505", "510104", "510107", "420102", "420106", "610113", "610104", "430102", "410105",
    "370102", "370202", "340104", "350102", "350203", "330212", "320214", "530102", "360102", "140105",
    "210102", "210202",
]
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "166", "173", "175", "176", "177", "180", "181", "182", "183", "185", "186", "187",
    "188", "189", "191", "198", "199",
]
_CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def resident_id(rng: random.Random, *, birth_date: date, male: bool) -> str:
    """An 18-digit resident ID whose birth date, sex digit and check digit are consistent."""
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # the 17th digit is odd for men
    first17 = f"{rng.choice(AREA_CODES)}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_digit(first17)


def mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(0, 100_000_000):08d}"


def credit_code(rng: random.Random) -> str:
    """An 18-character unified social credit code (GB 32100) with a valid check character."""
    body = "91" + rng.choice(AREA_CODES) + "".join(rng.choice(_CREDIT_CODE_CHARS[:10]) for _ in range(8))
    body += rng.choice(_CREDIT_CODE_CHARS[:10])
    total = sum(_CREDIT_CODE_CHARS.index(c) * w for c, w in zip(body, _CREDIT_CODE_WEIGHTS, strict=True))
    return body + _CREDIT_CODE_CHARS[(31 - total % 31) % 31]
