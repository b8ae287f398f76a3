"""Writing service standards: save a draft, publish it, copy it as a new draft (each change logged)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Entitlement,
    SegmentStandard,
    StandardVersion,
    StandardVersionChange,
    TaskRule,
    VisitStandard,
)

CHILD_MODELS = [SegmentStandard, Entitlement, VisitStandard, TaskRule]


def standard_version_errors(version: StandardVersion) -> list[str]:
    """Why a version cannot be saved or published (Chinese); empty when it is valid."""
    errors = []
    if version.effective_month and version.effective_month.day != 1:
        errors.append(_("生效月份必须是某月第一天"))
    if version.book_size_min > version.book_size_max:
        errors.append(_("客户经理管户数下限不能大于上限"))
    return errors


@transaction.atomic
def standard_version_save(*, version: StandardVersion, by=None, note: str = "") -> StandardVersion:
    """Save a draft (numbered after the latest when new) and log it; published versions are read-only."""
    if version.pk and StandardVersion.objects.filter(pk=version.pk, state=StandardVersion.State.PUBLISHED).exists():
        raise ValidationError(_("已发布的服务标准版本不可修改，请复制为新草稿"))
    errors = standard_version_errors(version)
    if errors:
        raise ValidationError(errors)
    created = version.pk is None
    if version.number is None:
        version.number = (StandardVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    if version.author_id is None and by is not None:
        version.author = by
    version.save()
    StandardVersionChange.objects.create(version=version, changed_by=by, action="created" if created else "saved",
                                         detail=note)
    return version


@transaction.atomic
def standard_version_publish(*, version: StandardVersion, by=None) -> StandardVersion:
    """Publish a valid draft: from its effective month the generator and the 360 page use it."""
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(_("该版本已发布"))
    errors = standard_version_errors(version)
    if errors:
        raise ValidationError(errors)
    version.state = StandardVersion.State.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version.save(update_fields=["state", "published_at", "published_by", "updated_at"])
    StandardVersionChange.objects.create(version=version, changed_by=by, action="published")
    return version


@transaction.atomic
def standard_version_copy(*, version: StandardVersion, by=None) -> StandardVersion:
    """A new draft with every item of ``version`` (segment standards, entitlements, visits, task rules)."""
    copy = StandardVersion(
        state=StandardVersion.State.DRAFT, effective_month=version.effective_month, author=by,
        change_note=_("复制自 v%(n)s") % {"n": version.number}, book_size_min=version.book_size_min,
        book_size_max=version.book_size_max, idle_login_days=version.idle_login_days,
        recontact_days=version.recontact_days,
    )
    standard_version_save(version=copy, by=by, note=f"copy of v{version.number}")
    for model in CHILD_MODELS:
        rows = list(model.objects.filter(version=version))
        for row in rows:
            row.pk = None
            row.version = copy
        model.objects.bulk_create(rows)
    return copy
