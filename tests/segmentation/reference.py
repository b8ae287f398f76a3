"""A straightforward, customer-by-customer Python implementation of the tier rules.

Deliberately naive (plain loops over plain objects), written from docs/tier_rules.md,
so the set-based SQL engine can be checked against it.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

from crm.months import add_months, month_end

TIERS = ["regular", "gold", "platinum", "diamond"]
RATINGS = {"AAA": 100, "AA": 85, "A": 70, "BBB": 55, "BB": 40, "B": 25}
INCOME = {"low": 25, "middle": 50, "high": 75, "top": 100}


def q(value: Decimal, places: str = "0.01") -> Decimal:
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def points(value, full, lower_is_better=False) -> Decimal:
    if value is None:
        return Decimal("0.00")
    ratio = min(max(Decimal(value), Decimal(0)) * 100 / Decimal(full), Decimal(100))
    return q(100 - ratio if lower_is_better else ratio)


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def years_between(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - (1 if (end.month, end.day) < (start.month, start.day) else 0)


def assign(*, version, month: dt.date, customer, facts: dict, prev: dict | None) -> dict:
    """One customer's assignment. ``facts`` maps month → CustomerMonth-like object; ``prev`` is last month's result."""
    end = month_end(month)
    f = facts.get(month)

    def get(name, default=Decimal(0)):
        return getattr(f, name) if f is not None else default

    window = lambda first: [facts[m] for m in sorted(facts) if first <= m <= month]  # noqa: E731
    last3, last6, last12 = window(add_months(month, -2)), window(add_months(month, -5)), window(add_months(month, -11))
    # Window averages divide by every month of the window since the relationship began (the earlier of
    # 建立关系日期 and the first month with facts), months without facts counting as zero; the whole window
    # when neither is known.
    starts = [m for m in facts if m <= month] + ([customer.since.replace(day=1)] if customer.since else [])
    start = min(starts) if starts else None

    def months_counted(n: int) -> int:
        if start is None:
            return n
        return min(n, max(1, (month.year - start.year) * 12 + month.month - start.month + 1))

    w3, w6 = months_counted(3), months_counted(6)
    aum_avg = get("aum_avg")
    result: dict = {"kind": customer.kind, "aum_avg": aum_avg}
    contribution, product_count = get("contribution"), get("product_count", 0)

    if customer.kind != "individual":
        result.update(asset_tier="", value_segment="", maintenance_band="", negative_rule="", negative_rules=[])
        if customer.kind == "institution":
            size = {"provincial": "large", "municipal": "medium", "township": "small"}.get(customer.admin_level, "micro")
        else:
            if customer.credit_customer and customer.total_assets is not None:
                amount, prefix = customer.total_assets, "assets"
            else:
                amount, prefix = customer.registered_capital or Decimal(0), "capital"
            size = "micro"
            for name in ["small", "medium", "large", "extra_large"]:
                if amount >= getattr(version, f"{prefix}_{name}_min"):
                    size = name
        deposit = get("deposit_avg")
        if deposit >= version.class1_deposit_min or (customer.target_credit or 0) >= version.class1_target_credit_min:
            deposit_class = "class_1"
        elif deposit >= version.class2_deposit_min:
            deposit_class = "class_2"
        else:
            deposit_class = "class_3"
        corporate_class = "adjust"
        for name in ["strategic", "premium", "effective", "nurture"]:
            if (contribution >= getattr(version, f"{name}_min_contribution")
                    and product_count >= getattr(version, f"{name}_min_products")):
                corporate_class = name
                break
        result.update(corporate_size=size, deposit_class=deposit_class, corporate_class=corporate_class)
        return result

    # 3.1 asset tier with the downgrade grace period
    if version.asset_metric == "avg":
        metric = aum_avg
    elif version.asset_metric == "end":
        metric = get("aum_end")
    else:
        metric = q(sum((x.aum_avg for x in last3), Decimal(0)) / w3) if last3 else Decimal("0.00")
    raw = 0
    for rank, field in enumerate(["gold_min", "platinum_min", "diamond_min"], start=1):
        if metric >= getattr(version, field):
            raw = rank
    prev_rank = TIERS.index(prev["asset_tier"]) if prev and prev.get("asset_tier") else -1
    prev_grace = prev["grace_months_used"] if prev else 0
    if prev_rank > raw and prev_grace + 1 <= version.downgrade_grace_months:
        rank, grace = prev_rank, prev_grace + 1
    else:
        rank, grace = raw, 0

    # 3.2 indicators and scores
    m3 = [x for x in facts.values() if x.month == add_months(month, -3)]
    values = {
        "contribution": contribution,
        "fee_income": get("fee_income"),
        "product_count": product_count,
        "aum_growth_3m": aum_avg - (m3[0].aum_avg if m3 else 0),
        "products_not_held": max(8 - product_count, 0),
        "income_band": INCOME.get(customer.income_band, 0),
        "credit_rating": RATINGS.get(customer.credit_rating, 0),
        "tenure_months": months_between(customer.since, end) if customer.since and customer.since <= end else 0,
        "active_days": get("active_days", 0),
        "product_breadth": product_count,
        "bad_credit_count": customer.bad_credit_count,
    }
    six = [x.aum_avg for x in last6] + [Decimal(0)] * (w6 - len(last6))  # months without facts count as zero
    mean6 = sum(six, Decimal(0)) / w6 if last6 else Decimal(0)
    if mean6 <= 0:
        values["aum_volatility_6m"] = None
    else:
        with localcontext() as ctx:
            ctx.prec = 60
            variance = sum(((x - mean6) ** 2 for x in six), Decimal(0)) / w6
            values["aum_volatility_6m"] = q(variance.sqrt() / mean6, "0.0001")
    lower = {"aum_volatility_6m", "bad_credit_count"}
    pts = {}
    for item in version.profit_indicators + version.stability_indicators:
        code = item["code"]
        pts[code] = points(values[code], item["full_value"], code in lower)

    def weighted(items):
        return sum((Decimal(i["weight"]) * pts[i["code"]] for i in items), Decimal(0))

    current = [i for i in version.profit_indicators if i["group"] == "current"]
    potential = [i for i in version.profit_indicators if i["group"] == "potential"]
    profit = q((version.profit_current_weight * weighted(current)
                + version.profit_potential_weight * weighted(potential)) / 10000)
    stability = q(weighted(version.stability_indicators) / 100)

    # negative rules: every one that fires, risk rules first; low-value rules only below the AUM ceiling
    # the latest transaction date ever reported up to the month (not only within 12 months)
    last_activity = max((x.last_txn_date for x in facts.values() if x.month <= month and x.last_txn_date),
                        default=None) or customer.since
    dormant_from = add_months(month, -(version.dormant_months - 1))
    holds_card = bool(get("holds_card", False))
    uses3 = sum((Decimal(x.card_use_count) for x in last3), Decimal(0))
    spend3 = sum((x.card_spend for x in last3), Decimal(0))
    sole_deposit = get("sole_deposit_balance", None)
    low_value = aum_avg < version.low_value_aum_max
    fired = []
    if version.overdraft_enabled and customer.malicious_overdraft:
        fired.append("malicious_overdraft")
    if version.bad_credit_enabled and customer.bad_credit_count >= version.bad_credit_min:
        fired.append("bad_credit")
    if low_value and version.dormant_enabled and (last_activity is None or last_activity < dormant_from) and \
            get("max_balance") < version.dormant_balance:
        fired.append("dormant")
    if low_value and version.inactive_card_enabled and holds_card and (
            (uses3 < version.card_min_uses * w3 and spend3 < version.card_min_spend * w3)
            or (sole_deposit is not None and sole_deposit < version.card_min_balance)):
        fired.append("inactive_card")
    negative = fired[0] if fired else ""
    if negative:
        segment = "negative"
    elif profit >= version.profit_cutoff:
        segment = "vip" if stability >= version.stability_cutoff else "potential"
    else:
        segment = "mass" if stability >= version.stability_cutoff else "negative"

    # 3.3 maintenance band
    card_spend12 = sum((x.card_spend for x in last12), Decimal(0))
    in_programme = (aum_avg >= version.entry_aum or card_spend12 >= version.entry_card_annual_spend
                    or abs(get("loan_end")) >= version.entry_loan or get("margin_end") >= version.entry_margin
                    or (version.entry_gold_card and rank >= 1))
    age = years_between(customer.birth_date, end) if customer.birth_date else None
    if not in_programme:
        band = ""
    elif aum_avg >= version.band_wealth_centre_min:
        band = "wealth_centre"
    elif aum_avg >= version.band_wealth_min:
        band = "wealth"
    elif aum_avg >= version.band_adopted_min or (age is not None and age >= version.staff_band_max_age):
        band = "adopted"
    else:
        band = "staff"

    result.update(
        asset_metric_value=metric, raw_asset_tier=TIERS[raw], asset_tier=TIERS[rank], grace_months_used=grace,
        profit_score=profit, stability_score=stability, points=pts, negative_rule=negative, negative_rules=fired,
        value_segment=segment,
        maintenance_band=band, corporate_size="", deposit_class="", corporate_class="",
    )
    return result
