"""Whose figures a report shows: the whole bank, an org unit's subtree, or one maintainer's book.

``report_scope_for`` applies the same rules as the customer scoping selector (customers visible to the
reader): RMs and wealth managers see their own book; branch heads, HQ management and auditors their unit's
subtree (HQ: the bank) and may narrow it to a unit below; the system admin sees no customer, so no report.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from crm import roles
from crm.models import OrgUnit, User


class ReportScopeError(Exception):
    """The reader may not see this scope (or it does not exist); the message is for them (Chinese).

    ``status`` is the HTTP answer a page gives: 404 for an unknown unit, 403 otherwise.
    """

    def __init__(self, message: str, *, status: int = 403):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ReportScope:
    """``org_unit`` None and ``maintainer`` None: the whole bank."""

    org_unit: OrgUnit | None = None
    maintainer: User | None = None

    @property
    def label(self) -> str:
        if self.maintainer is not None:
            return _("%(name)s 的客户") % {"name": self.maintainer.display_name}
        if self.org_unit is not None:
            return str(self.org_unit)
        return _("全行")

    @property
    def code(self) -> str:
        """A short identifier for file names and the archive."""
        if self.maintainer is not None:
            return f"rm-{self.maintainer.get_username()}"
        return self.org_unit.code if self.org_unit is not None else "ALL"

    @property
    def list_filters(self) -> dict[str, str]:
        """The customer list's month-snapshot filters selecting this scope's customers."""
        if self.maintainer is not None:
            return {"m_maintainer": str(self.maintainer.pk)}
        if self.org_unit is not None:
            return {"m_org": str(self.org_unit.pk)}
        return {}


def report_units_for(*, user) -> list[OrgUnit]:
    """Units the reader may choose (their own unit and every unit below it); empty for book-only readers."""
    names = roles.role_names(user)
    if not user.is_authenticated or not user.org_unit_id or not names & set(roles.ORG_SCOPE_ROLES):
        return []
    return list(OrgUnit.objects.filter(path__startswith=user.org_unit.path).order_by("path"))


def report_scope_for(*, user, org_code: str | None = None, units: list[OrgUnit] | None = None) -> ReportScope:
    """The reader's report scope, narrowed to ``org_code`` when given; ReportScopeError when not allowed."""
    names = roles.role_names(user)
    if not user.is_authenticated or not user.is_active:
        raise ReportScopeError(_("请先登录"))
    if names & set(roles.ORG_SCOPE_ROLES) and user.org_unit_id:
        units = report_units_for(user=user) if units is None else units
        if not org_code:
            unit = user.org_unit
            unit.__dict__["subtree_ids"] = [u.pk for u in units]  # units are exactly the reader's subtree
            return ReportScope(org_unit=None if unit.parent_id is None else unit)
        chosen = next((unit for unit in units if unit.code == org_code), None)
        if chosen is not None:  # its subtree is among the units already read: no query for subtree_ids
            chosen.__dict__["subtree_ids"] = [u.pk for u in units if u.path.startswith(chosen.path)]
        if chosen is None:
            # (PostgreSQL refuses a NUL in a text parameter: such a code is simply unknown.)
            if "\x00" not in org_code and OrgUnit.objects.filter(code=org_code).exists():
                raise ReportScopeError(_("机构 %(code)s 不在您的查看范围内") % {"code": org_code})
            raise ReportScopeError(_("机构代码不存在：%(code)s") % {"code": org_code}, status=404)
        return ReportScope(org_unit=None if chosen.parent_id is None else chosen)
    if names & set(roles.MAINTAINER_ROLES):
        if org_code:
            raise ReportScopeError(_("客户经理只能查看本人维护的客户，不能选择机构"))
        return ReportScope(maintainer=user)
    raise ReportScopeError(_("您的角色没有客户数据，不能查看报表（系统管理员只做配置）"))
