"""Role names. Each role is a Django group created by a data migration."""

from __future__ import annotations

RELATIONSHIP_MANAGER = "客户经理"
WEALTH_MANAGER = "理财经理"
BRANCH_HEAD = "网点主任"
HQ_MANAGEMENT = "管理层"
SYSTEM_ADMIN = "系统管理员"
AUDITOR = "审计"

ALL_ROLES = [RELATIONSHIP_MANAGER, WEALTH_MANAGER, BRANCH_HEAD, HQ_MANAGEMENT, SYSTEM_ADMIN, AUDITOR]
# Roles whose scope is "the customers I maintain".
MAINTAINER_ROLES = [RELATIONSHIP_MANAGER, WEALTH_MANAGER]
# Roles whose scope is "every customer booked in my org unit's subtree".
ORG_SCOPE_ROLES = [BRANCH_HEAD, HQ_MANAGEMENT, AUDITOR]


def role_names(user) -> set[str]:
    """The user's role (group) names, cached on the user object for the request."""
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._role_names = cached
    return cached
