"""Writes of the segmentation app: rule versions (save, publish, copy) and the month close."""

from __future__ import annotations

import ast
import datetime as dt
import logging
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.model_fields import concrete_field, field_label
from crm.month_lock import MonthBusy, month_lock
from crm.months import add_months
from customers.models import CustomerMonth, MonthlyBalance
from customers.tiers import IndicatorLabel, ProfitGroup
from segmentation import facts

from . import close_steps, completeness, engine, standing
from .models import (
    MonthClose,
    MonthReopen,
    RuleVersion,
    RuleVersionChange,
    rule_parameter_fields,
)

logger = logging.getLogger(__name__)


class MonthCloseError(Exception):
    """A month cannot be closed or reopened; the message is for the operator (Chinese)."""


class MonthIncompleteError(MonthCloseError):
    """The month's balance file fails the completeness gate; ``coverage`` has the units and their counts."""

    def __init__(self, coverage: completeness.Coverage):
        super().__init__(coverage.message())
        self.coverage = coverage


# ---------------------------------------------------------------- validation

def _increasing(version: RuleVersion, fields: list[str], label: str) -> list[str]:
    values = [getattr(version, f) for f in fields]
    if any(v is None for v in values):
        return [_("%(label)s：阈值不能为空") % {"label": label}]
    if any(v < 0 for v in values):
        return [_("%(label)s：阈值不能为负数") % {"label": label}]
    for i in range(len(fields) - 1):
        f1, f2, a, b = fields[i], fields[i + 1], values[i], values[i + 1]
        if not a < b:
            name1 = field_label(RuleVersion, f1)
            name2 = field_label(RuleVersion, f2)
            return [_("%(label)s：阈值必须严格递增（%(a)s %(va)s 应小于 %(b)s %(vb)s）")
                    % {"label": label, "a": name1, "va": a, "b": name2, "vb": b}]
    return []


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _indicator_errors(items, *, label: str, grouped: bool) -> list[str]:
    errors: list[str] = []
    if not isinstance(items, list) or not items:
        return [_("%(label)s：应为非空的指标列表") % {"label": label}]
    seen = set()
    sums: dict[str, Decimal] = {}
    for n, item in enumerate(items, start=1):
        where = _("%(label)s第%(n)d项") % {"label": label, "n": n}
        if not isinstance(item, dict):
            errors.append(_("%(where)s：格式错误") % {"where": where})
            continue
        code = item.get("code")
        if code not in engine.INDICATORS:
            errors.append(_("%(where)s：未知指标代码 %(code)s（可用：%(codes)s）")
                          % {"where": where, "code": code, "codes": "、".join(engine.INDICATORS)})
            continue
        if code in seen:
            errors.append(_("%(where)s：指标 %(code)s 重复") % {"where": where, "code": code})
        seen.add(code)
        weight, full = _decimal(item.get("weight")), _decimal(item.get("full_value"))
        if weight is None or weight < 0 or weight > 100:
            errors.append(_("%(where)s：权重应为0–100之间的数字") % {"where": where})
            weight = Decimal(0)
        if full is None or full <= 0:
            errors.append(_("%(where)s：满分值应为大于0的数字") % {"where": where})
        group = item.get("group", "") if grouped else ""
        if grouped and group not in engine.PROFIT_GROUPS:
            errors.append(_("%(where)s：分组应为 current（当前价值）或 potential（潜在价值）") % {"where": where})
        sums[group] = sums.get(group, Decimal(0)) + weight
    for group, total in sums.items():
        if total != 100:
            name = engine.PROFIT_GROUPS.get(group, "")
            errors.append(_("%(label)s%(group)s：权重合计应为100%%，当前为%(total)s%%")
                          % {"label": label, "group": name, "total": total})
    return errors


def rule_version_errors(version: RuleVersion) -> list[str]:
    """Every reason this version cannot be used, in Chinese; empty when it is valid."""
    errors: list[str] = []
    if version.effective_month is None or version.effective_month.day != 1:
        errors.append(_("生效月份必须是某月的第一天"))
    errors += _increasing(version, ["gold_min", "platinum_min", "diamond_min"], _("资产等级"))
    errors += _increasing(
        version, ["band_adopted_min", "band_wealth_min", "band_wealth_centre_min"], _("维护层级"))
    errors += _increasing(
        version, ["assets_small_min", "assets_medium_min", "assets_large_min", "assets_extra_large_min"],
        _("企业规模（总资产）"))
    errors += _increasing(
        version, ["capital_small_min", "capital_medium_min", "capital_large_min", "capital_extra_large_min"],
        _("企业规模（注册资本）"))
    errors += _increasing(version, ["class2_deposit_min", "class1_deposit_min"], _("存款类别"))
    errors += _increasing(
        version, ["nurture_min_contribution", "effective_min_contribution", "premium_min_contribution",
                  "strategic_min_contribution"], _("客户分类（月贡献度）"))
    products = [version.nurture_min_products, version.effective_min_products, version.premium_min_products,
                version.strategic_min_products]
    if any(a > b for a, b in zip(products, products[1:], strict=False)):
        errors.append(_("客户分类（产品种类）：下限应自培育型至战略基础不递减"))
    for field in ["profit_cutoff", "stability_cutoff", "profit_current_weight", "profit_potential_weight"]:
        value = getattr(version, field)
        if value is None or not Decimal(0) <= value <= Decimal(100):
            errors.append(_("%(name)s 应在0–100之间") % {"name": field_label(RuleVersion, field)})
    if (version.profit_current_weight or 0) + (version.profit_potential_weight or 0) != 100:
        errors.append(_("盈利性：当前价值权重与潜在价值权重合计应为100%"))
    errors += _indicator_errors(version.profit_indicators, label=_("盈利性指标"), grouped=True)
    errors += _indicator_errors(version.stability_indicators, label=_("稳定性指标"), grouped=False)
    for field in ["deposit_ftp_rate", "loan_ftp_rate"]:
        value = getattr(version, field)
        if value is None or not Decimal(0) <= value <= Decimal(100):
            errors.append(_("%(name)s 应在0–100之间") % {"name": field_label(RuleVersion, field)})
    if version.dormant_months < 1:
        errors.append(_("睡眠户无交易月数至少为1"))
    return errors


# ---------------------------------------------------------------- rule versions

def _as_text(value, field=None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal) and getattr(field, "decimal_places", None) is not None:
        return str(value.quantize(Decimal(1).scaleb(-field.decimal_places)))
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def rule_version_stale_error(*, version: RuleVersion, opened_at: dt.datetime | None) -> str | None:
    """Lock the stored draft and say (Chinese) why a form opened at ``opened_at`` may not overwrite it, or None.

    Call inside a transaction: the row stays locked until it ends, so a concurrent publish waits.
    """
    stored = RuleVersion.objects.select_for_update().filter(pk=version.pk).first()
    if stored is None:
        return None
    if stored.is_published:
        return _("该规则版本已发布，不可修改，请复制为新草稿")
    if opened_at is not None and stored.updated_at != opened_at:
        return _("该草稿在您打开后已被他人修改（%(at)s）：请重新打开后再修改，以免覆盖对方的修改")% {
            "at": timezone.localtime(stored.updated_at).strftime("%Y-%m-%d %H:%M:%S")}
    return None
def rule_change_field_label(name: str) -> str:
    """A change-log field name as the admin reads it (its verbose name), e.g. state → 状态."""
    try:
        return field_label(RuleVersion, name)
    except (FieldDoesNotExist, LookupError):
        return name


def _indicators_text(items) -> str:
    labels = dict(IndicatorLabel.choices)
    groups = dict(ProfitGroup.choices)
    parts = []
    for item in items if isinstance(items, list) else []:
        group = f"{groups.get(item.get('group'), '')}·" if item.get("group") else ""
        parts.append(_("%(group)s%(label)s 权重%(weight)s%% 满分%(full)s")
                     % {"group": group, "label": labels.get(item.get("code"), item.get("code")),
                        "weight": item.get("weight"), "full": item.get("full_value")})
    return "；".join(parts)


def rule_change_value_label(name: str, value: str) -> str:
    """A logged value as the admin reads it: choices by their label (published → 已发布), yes/no, indicators."""
    if value in ("", None):
        return "—"
    try:
        field = concrete_field(RuleVersion, name)
    except (FieldDoesNotExist, LookupError):
        return value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, BooleanField):
        return _("是") if value == "True" else _("否")
    if name in ("profit_indicators", "stability_indicators"):
        try:
            return _indicators_text(ast.literal_eval(value))
        except (ValueError, SyntaxError):
            return value
    return value


def rule_version_indicator_rows(*, version: RuleVersion) -> dict[str, list[dict]]:
    """A version's indicators with their labels, for the read-only view of a published version."""
    labels = dict(IndicatorLabel.choices)
    groups = dict(ProfitGroup.choices)
    return {score: [{"label": labels.get(i.get("code"), i.get("code")), "group": groups.get(i.get("group"), ""),
                     "weight": i.get("weight"), "full_value": i.get("full_value")} for i in items or []]
            for score, items in (("profit", version.profit_indicators), ("stability", version.stability_indicators))}


@transaction.atomic
def rule_version_save(*, version: RuleVersion, by=None, opened_at: dt.datetime | None = None) -> RuleVersion:
    """Save a draft and log each changed field (from → to). Published versions are read-only.

    The stored row is locked first (a concurrent publish or save waits, then is seen); with ``opened_at``
    (the draft's ``updated_at`` when the form was opened) a save over a newer draft is refused.
    """
    old = None
    if version.pk:
        error = rule_version_stale_error(version=version, opened_at=opened_at)
        if error:
            raise ValidationError(error)
        old = RuleVersion.objects.get(pk=version.pk)
    if version.number is None:
        version.number = (RuleVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    if version.author_id is None and by is not None:
        version.author = by
    version.save()
    fields = [f for f in rule_parameter_fields()] + [concrete_field(RuleVersion, "change_note")]
    changes = []
    for field in fields:
        before = _as_text(field.value_from_object(old), field) if old is not None else ""
        after = _as_text(field.value_from_object(version), field)
        if old is None or before != after:
            changes.append(RuleVersionChange(version=version, changed_by=by, field=field.name,
                                             old_value=before, new_value=after))
    if old is None:
        changes = [RuleVersionChange(version=version, changed_by=by, field="state", old_value="",
                                     new_value=version.state)]
    RuleVersionChange.objects.bulk_create(changes)
    return version


@transaction.atomic
def rule_version_publish(*, version: RuleVersion, by=None) -> RuleVersion:
    """Publish a valid draft; refused with the reasons when it is not valid. Closed months are not rewritten."""
    version = RuleVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(_("该版本已发布"))
    errors = rule_version_errors(version)
    if errors:
        raise ValidationError(errors)
    version.state = RuleVersion.State.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version.save(update_fields=["state", "published_at", "published_by", "updated_at"])
    RuleVersionChange.objects.create(version=version, changed_by=by, field="state", old_value="draft",
                                     new_value="published")
    return version


@transaction.atomic
def rule_version_copy(*, version: RuleVersion, by=None) -> RuleVersion:
    """A new draft with the same parameters, numbered after the latest version."""
    copy = RuleVersion(state=RuleVersion.State.DRAFT, author=by,
                       change_note=_("复制自 v%(n)s") % {"n": version.number})
    for field in rule_parameter_fields():
        setattr(copy, field.attname, getattr(version, field.attname))
    # A copy is for the months to come: it proposes the first month not yet closed (never an earlier one).
    copy.effective_month = max(next_open_month(), version.effective_month)
    return rule_version_save(version=copy, by=by)


def next_open_month() -> dt.date:
    """The month after the latest closed one; the current month when none is closed."""
    last = (MonthClose.objects.filter(state=MonthClose.State.CLOSED).order_by("-month")
            .values_list("month", flat=True).first())
    return add_months(last, 1) if last else timezone.localdate().replace(day=1)


def rule_version_in_force(*, month: dt.date) -> RuleVersion | None:
    """The latest published version whose effective month is on or before ``month``."""
    return (RuleVersion.objects.filter(state=RuleVersion.State.PUBLISHED, effective_month__lte=month)
            .order_by("-effective_month", "-number").first())


# ---------------------------------------------------------------- month close

def _facts_build(*, month: dt.date, version: RuleVersion) -> int:
    """The facts step: the month's CustomerMonth partition from its balances, with the version's FTP rates."""
    count = facts.customer_months_build(month=month, deposit_ftp=version.deposit_ftp_rate,
                                        loan_ftp=version.loan_ftp_rate)
    engine.history_stale_drop(month=month)
    return count


def _month_lock(*, month: dt.date, action: str) -> None:
    """The month's lock (crm.month_lock), refused as a MonthCloseError the commands and admin already show."""
    try:
        month_lock(month=month, action=action)
    except MonthBusy as exc:
        raise MonthCloseError(str(exc)) from None
# What a progress bar says once each step of the close is done.
CLOSE_STEP_LABELS = {
    "completeness": gettext_lazy("数据完整性检查已通过"), "facts": gettext_lazy("客户月度事实已生成"), "assignments": gettext_lazy("分层结果已计算"),
    "tier_changes": gettext_lazy("等级变动已记录"), "standing": gettext_lazy("客户当前等级已更新"),
    "commit": gettext_lazy("月结已提交"), "vacuum": gettext_lazy("统计信息已更新"),
}


def month_close(*, month: dt.date, by=None, build_facts: bool = True, accept_incomplete: bool = False,
                reason: str = "", progress: Callable[..., None] | None = None) -> MonthClose:
    """Close a month in ONE transaction: completeness gate → facts → assignments → tier changes → standing →
    registered steps (``close_steps``: service tasks, report aggregates) → closed; then the after-commit steps.

    A month whose balance rows fall short of the previous closed month's (``completeness``) is refused with
    MonthIncompleteError unless ``accept_incomplete`` with a ``reason``, which the close record keeps.

    The customers' standing (list sorts, current tiers) follows the latest closed month: closing an
    older month (a correction) leaves it alone.

    The returned row carries ``timings`` ({step: seconds}) for the benchmark and the log. ``progress`` (a job's
    or a terminal's) is called after each step as ``progress(done=, total=, step=, cancellable=)``; raising
    from it before the commit rolls the whole close back (a cancelled job).
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    steps_total = (7 if build_facts else 6) + len(close_steps.registered(after_commit=False)) \
        + len(close_steps.registered(after_commit=True))

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = round(now - clock, 3)
        clock = now
        if progress is not None:
            progress(done=len(timings), total=steps_total, step=str(CLOSE_STEP_LABELS.get(step, step)),
                     cancellable="commit" not in timings)

    if progress is not None:
        progress(done=0, total=steps_total, step=_("正在检查数据完整性……"))

    label = {"month": f"{month:%Y-%m}"}
    reason = (reason or "").strip()
    if accept_incomplete and not reason:
        raise MonthCloseError(_("接受数据不完整月结必须填写原因"))
    if month >= timezone.localdate().replace(day=1):
        raise MonthCloseError(_("%(month)s 尚未结束，不能月结") % label)
    if not (MonthlyBalance.objects.filter(month=month).exists() or CustomerMonth.objects.filter(month=month).exists()):
        # Closing an empty month would mark every customer 普通 and block later closes from
        # refreshing the current tiers: refuse it.
        raise MonthCloseError(_("%(month)s 没有导入任何账户余额，不能月结；请先导入该月余额") % label)
    with transaction.atomic():
        _month_lock(month=month, action=_("月结"))
        month_close_row, _created = MonthClose.objects.select_for_update().get_or_create(month=month)
        if month_close_row.state == MonthClose.State.CLOSED:
            raise MonthCloseError(_("%(month)s 已月结，不能重复月结；如需重算，请由管理员先重新打开该月")
                                  % {"month": f"{month:%Y-%m}"})
        version = rule_version_in_force(month=month)
        if version is None:
            raise MonthCloseError(_("%(month)s 没有已发布且已生效的规则版本") % {"month": f"{month:%Y-%m}"})
        coverage = completeness.month_coverage(month=month, version=version)
        lap("completeness")
        if not coverage.complete and not accept_incomplete:
            raise MonthIncompleteError(coverage)
        record = coverage.as_record()
        if not coverage.complete:
            record["accepted_by"] = getattr(by, "username", "") or ""
            logger.warning("month_close %s: incomplete balances accepted (%s): %s", label["month"], reason,
                           coverage.message())
        if build_facts:
            _facts_build(month=month, version=version)  # analyzes the month's new partition
            lap("facts")
        # Each step replaces the month's partition: a re-close starts from nothing.
        count = engine.assignments_insert(version=version, month=month)
        lap("assignments")
        engine.tier_changes_insert(month=month)
        lap("tier_changes")
        if not MonthClose.objects.filter(month__gt=month, state=MonthClose.State.CLOSED).exists():
            standing.standing_rebuild(month=month)
        lap("standing")
        for step in close_steps.registered(after_commit=False):
            step.run(month=month, version=version)
            lap(step.name)
        month_close_row.state = MonthClose.State.CLOSED
        month_close_row.rule_version = version
        month_close_row.closed_at = timezone.now()
        month_close_row.closed_by = by
        month_close_row.customer_count = count
        month_close_row.coverage = record
        month_close_row.incomplete_reason = reason if not coverage.complete else ""
        month_close_row.save(update_fields=["state", "rule_version", "closed_at", "closed_by", "customer_count",
                                            "coverage", "incomplete_reason", "updated_at"])
    lap("commit")
    standing.standing_vacuum()
    lap("vacuum")
    for step in close_steps.registered(after_commit=True):
        try:
            step.run(month=month, version=version)
        except Exception:  # the month is closed; a failed follow-up (e.g. a report package) is re-run by hand
            logger.exception("month_close %s: step %s failed after commit", f"{month:%Y-%m}", step.name)
        lap(step.name)
    month_close_row.timings = timings
    logger.info("month_close %s: %s customers, %s", f"{month:%Y-%m}", count, timings)
    return month_close_row


@transaction.atomic
def month_reopen(*, month: dt.date, reason: str, by=None) -> MonthClose:
    """Reopen a closed month (logged with the reason); its results stay until it is closed again."""
    if not reason or not reason.strip():
        raise MonthCloseError(_("重新打开月份必须填写原因"))
    _month_lock(month=month, action=_("重新打开"))
    row = MonthClose.objects.select_for_update().filter(month=month).first()
    if row is None or row.state != MonthClose.State.CLOSED:
        raise MonthCloseError(_("%(month)s 尚未月结，无需重新打开") % {"month": f"{month:%Y-%m}"})
    row.state = MonthClose.State.OPEN
    row.save(update_fields=["state", "updated_at"])
    MonthReopen.objects.create(month_close=row, reopened_by=by, reason=reason.strip())
    return row
