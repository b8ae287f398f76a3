"""Role names. Each role is a Django group created by a data migration."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

RELATIONSHIP_MANAGER = "客户经理"
WEALTH_MANAGER = "理财经理"
BRANCH_HEAD = "网点主任"
HQ_MANAGEMENT = "管理层"
SYSTEM_ADMIN = "系统管理员"
AUDITOR = "审计"

# The group names above are data (stored); these are how they read in the user's language.
ROLE_LABELS = {
    RELATIONSHIP_MANAGER: _("客户经理"),
    WEALTH_MANAGER: _("理财经理"),
    BRANCH_HEAD: _("网点主任"),
    HQ_MANAGEMENT: _("管理层"),
    SYSTEM_ADMIN: _("系统管理员"),
    AUDITOR: _("审计"),
}

ALL_ROLES = [RELATIONSHIP_MANAGER, WEALTH_MANAGER, BRANCH_HEAD, HQ_MANAGEMENT, SYSTEM_ADMIN, AUDITOR]
# Roles whose scope is "the customers I maintain".
MAINTAINER_ROLES = [RELATIONSHIP_MANAGER, WEALTH_MANAGER]
# Roles whose scope is "every customer booked in my org unit's subtree".
ORG_SCOPE_ROLES = [BRANCH_HEAD, HQ_MANAGEMENT, AUDITOR]


def role_label(name: str) -> str:
    """A role (group) name in the active language; an unknown group reads as it is stored."""
    return str(ROLE_LABELS.get(name, name))


def role_names(user) -> set[str]:
    """The user's role (group) names, cached on the user object for the request."""
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._role_names = cached
    return cached


# Model permissions of each role group, as "app_label.codename" patterns (fnmatch; "!" excludes).
# Assigned by the data migration crm.0004 and re-synced after every `migrate` (crm.apps) or by
# `manage.py sync_role_permissions`, so models added later (rule versions, service standards…) are covered.
_CUSTOMER_WORK = [
    "customers.view_customer",
    "customers.change_customer",
    "customers.view_account",
    "customers.view_customermonth",
    "customers.view_monthlybalance",
    "customers.view_contactlog",
    "customers.add_contactlog",
    "customers.view_sensitive",
    "crm.view_orgunit",
    "service_tiers.view_servicetask",
    "service_tiers.change_servicetask",
]
_READ_ONLY_BUSINESS = [
    "customers.view_customer",
    "customers.view_account",
    "customers.view_customermonth",
    "customers.view_monthlybalance",
    "customers.view_contactlog",
    "crm.view_orgunit",
    "crm.view_handover",
    "service_tiers.view_servicetask",
    "service_tiers.view_compliance",
    "segmentation.view_*",
    "reports.view_*",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    RELATIONSHIP_MANAGER: _CUSTOMER_WORK,
    WEALTH_MANAGER: _CUSTOMER_WORK,
    BRANCH_HEAD: [
        *_CUSTOMER_WORK,
        "crm.handover_customers",
        "crm.view_handover",
        "crm.grant_customer_access",
        "crm.view_customeruserobjectpermission",
        "crm.view_user",
        "segmentation.view_*",
        "reports.view_*",
        "service_tiers.view_compliance",
    ],
    HQ_MANAGEMENT: _READ_ONLY_BUSINESS,
    # Configures the system in Django admin; no customer permission at all (never browses PII).
    SYSTEM_ADMIN: [
        "crm.add_orgunit", "crm.change_orgunit", "crm.view_orgunit",
        "crm.add_user", "crm.change_user", "crm.view_user",
        "auth.view_group",
        "customers.add_lookup", "customers.change_lookup", "customers.view_lookup", "customers.delete_lookup",
        # Loads the monthly core-banking files (customers.import_views requires add_customer); loading is
        # not browsing: the import pages echo row numbers and reasons, not customer lists.
        "customers.add_customer",
        "segmentation.*", "!segmentation.*_assignment", "!segmentation.*_tierchange", "!segmentation.*_customer*",
        "service_tiers.*_servicestandard", "service_tiers.*_holiday*", "service_tiers.*_script*",
        "service_tiers.*_standardversion", "service_tiers.view_standardversionchange",
        "service_tiers.*_segmentstandard", "service_tiers.*_entitlement", "service_tiers.*_visitstandard",
        "service_tiers.*_taskrule", "service_tiers.*_unitroleholder", "service_tiers.*_callscript",
        "axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accessfailurelog",
        "axes.view_accesslog",
    ],
    AUDITOR: [*_READ_ONLY_BUSINESS, "crm.view_accesslog", "crm.view_user"],
}


def assign_role_permissions(*, group_model, permission_model) -> dict[str, int]:
    """Give each role group exactly the permissions of ROLE_PERMISSIONS that exist now; returns counts.

    Takes the models as arguments so a data migration can pass its historical models.
    Idempotent; groups are created when missing. Permissions not matching any pattern are removed.
    """
    from fnmatch import fnmatchcase

    every = [
        (f"{app_label}.{codename}", pk)
        for pk, app_label, codename in permission_model.objects.values_list("pk", "content_type__app_label", "codename")
    ]
    counts = {}
    for role, patterns in ROLE_PERMISSIONS.items():
        include = [p for p in patterns if not p.startswith("!")]
        exclude = [p[1:] for p in patterns if p.startswith("!")]
        wanted = {
            pk for name, pk in every
            if any(fnmatchcase(name, p) for p in include) and not any(fnmatchcase(name, p) for p in exclude)
        }
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set(wanted)
        counts[role] = len(wanted)
    return counts
