"""Who sees which customers: the one door every customer query goes through.

Rules (issue 3):

* 客户经理 / 理财经理 — customers they maintain (primary maintainer or co-maintainer);
* 网点主任 / 管理层 — every customer booked in their org unit's subtree (HQ: the whole bank);
* 审计 — read-only, the subtree of their own unit (an auditor at HQ reviews the whole bank); what they
  may *do* is limited by their model permissions (view only), not by this scope;
* 系统管理员 (and a superuser with no business role) — no customers at all: they configure, they do
  not browse personal data. Give them a business role as well if they must;
* plus the exceptions carried by django-guardian: one customer shared with a colleague by a branch
  head (view or change), read here from the direct-FK tables so it stays one SQL query.

Every branch is a condition on an indexed column so the planner never scans the whole customer
table for an RM or an outlet head. The conditions are written on the customer's *standing* row
(``customers.CustomerStanding``: one per customer, its org unit and maintainer kept equal to the
customer's by database triggers): the list's default sorts (AUM, tiers) are indexes of that table
led by org unit or maintainer, so "my customers by AUM" is one index range, not a sort of the scope.

``customer_scope(user=…)`` returns the same scope as an object whose ``on(path)`` is the condition on the
standing row reached by ``path``: rows of a customer (tasks) check it on the standing row they join anyway,
and a page with several queries looks the grants up once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from crm import roles
from crm.models import CustomerGroupObjectPermission, CustomerUserObjectPermission
from customers.models import CoMaintainer, Customer, CustomerStanding

VIEW_CODENAMES = ("view_customer", "change_customer")


def _granted_ids(*, user, codenames):
    """Ids of customers shared with the user (or one of their groups) through an object grant."""
    by_user = (
        CustomerUserObjectPermission.objects.filter(
            user=user, permission__codename__in=codenames, permission__content_type__app_label="customers"
        )
        .order_by()
        .values_list("content_object_id", flat=True)
    )
    by_group = (
        CustomerGroupObjectPermission.objects.filter(
            group__user=user, permission__codename__in=codenames, permission__content_type__app_label="customers"
        )
        .order_by()
        .values_list("content_object_id", flat=True)
    )
    return by_user.union(by_group)


@dataclass(frozen=True)
class Scope:
    """A user's scope, fetched once, as a condition on a customer's standing row reached by any path.

    ``on("")`` filters standing rows, ``on("standing__")`` customers, ``on("customer__standing__")`` rows that
    belong to a customer (tasks, tier changes). A query that joins the standing row anyway (My day's tasks, for
    the badges) then checks the scope on that joined row, instead of a semi-join over every customer of the
    scope (an RM's 18,000 at 1M, read before the first task). One ``Scope`` serves several queries of a page
    with one grant lookup.
    """

    extra_ids: tuple[int, ...] = ()
    org_unit_ids: tuple[int, ...] = ()
    maintainer_id: int | None = None
    nothing: bool = False

    def on(self, via: str = "") -> Q:
        """The WHERE clause, shaped so each role's common case uses an index.

        Co-maintained and granted customers are few, so their ids were fetched first (one small query) and are
        inlined as a literal list: ``maintainer_id = X OR id IN (…)`` is a BitmapOr of two indexes, whereas
        ORing a subquery would make PostgreSQL scan the whole customer table.
        """
        if self.nothing:
            return Q(pk__in=[])
        condition = Q(**{f"{via}customer_id__in": self.extra_ids})
        if self.org_unit_ids:
            condition |= Q(**{f"{via}org_unit__in": self.org_unit_ids})
        if self.maintainer_id is not None:
            condition |= Q(**{f"{via}maintainer": self.maintainer_id})
        return condition


def _scope_of(*, user, names: set[str], codenames) -> Scope:
    extra_ids = _granted_ids(user=user, codenames=codenames)
    if names & set(roles.MAINTAINER_ROLES):
        extra_ids = extra_ids.union(
            CoMaintainer.objects.filter(user=user).order_by().values_list("customer_id", flat=True)
        )
    org_unit_ids: tuple[int, ...] = ()
    if user.org_unit_id and names & set(roles.ORG_SCOPE_ROLES):
        org_unit_ids = tuple(user.org_unit.subtree_ids)
    return Scope(extra_ids=tuple(extra_ids), org_unit_ids=org_unit_ids,
                 maintainer_id=user.pk if names & set(roles.MAINTAINER_ROLES) else None)


def customer_scope(*, user) -> Scope:
    """The scope of ``visible_customers`` for queries on other paths (see ``Scope``)."""
    if not user.is_authenticated or not user.is_active:
        return Scope(nothing=True)
    # No business role (system admin, a superuser for setup): only explicit grants, never the whole bank.
    return _scope_of(user=user, names=roles.role_names(user), codenames=VIEW_CODENAMES)


def visible_customers(*, user) -> QuerySet:
    """Customers the user may see (and open); anything else must answer 404."""
    return Customer.objects.filter(customer_scope(user=user).on("standing__"))


def visible_standings(*, user) -> QuerySet:
    """The standing rows of exactly the customers ``visible_customers`` returns (counting without the join)."""
    return CustomerStanding.objects.filter(customer_scope(user=user).on(""))


def editable_customers(*, user) -> QuerySet:
    """Customers the user may change: their scope if their role may change customers, plus "change" grants.

    A "view" grant never lets anybody edit; HQ management and auditors (no change permission) edit nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    names = roles.role_names(user)
    if not user.has_perm("customers.change_customer"):
        names = set()  # the role may not change customers: only "change" grants remain
    return Customer.objects.filter(_scope_of(user=user, names=names, codenames=("change_customer",)).on("standing__"))


def org_subtree_customers(*, user) -> QuerySet:
    """Customers booked in the user's own org subtree and visible to them (what a branch head may hand over)."""
    if not user.is_authenticated or not user.org_unit_id:
        return Customer.objects.none()
    return visible_customers(user=user).filter(org_unit__path__startswith=user.org_unit.path)


def month_snapshot_scope(*, user, unit: str = "assignments__org_unit", maintainer: str = "assignments__maintainer",
                         origin: str | None = "origin_maintainer", month=None, staff_filter: str | None = None
                         ) -> Q | None:
    """The reader's scope over a closed month's *snapshot*: the rows a month drill-down may list.

    A month's figures count the unit and maintainer recorded at that close (the report scope of
    ``reports.scope``), so its drill-down lists must read the same snapshot, not today's books, or a handover
    out of the unit since the close would make the list shorter than the figure. The rule (docs/reports.md):

    * 网点主任 / 管理层 / 审计 — rows whose recorded unit is in their subtree (HQ: every row);
    * 客户经理 / 理财经理 — rows they were recorded as maintaining, plus (``origin``) the customers whose
      business is credited to them (初始维护人), wherever booked;
    * anybody else — nothing (``None``).

    ``unit``/``maintainer`` name the snapshot's columns as seen from the queried model (the customer list
    joins ``assignments``; the task list passes ``org_unit``/``assignee``). Apply the result in the *same*
    ``filter()`` as the month's condition, so it reads the month's row and adds no join. Customers listed
    this way but outside the reader's current scope are shown without a 360 link (``visible_ids_among``).

    With ``month`` (the customer list), an RM's scope is the literal ids of their customers of that month
    (one small query first): ``maintainer = X OR origin = X`` across the assignment and the customer made
    PostgreSQL join every customer to every assignment of the month (the ``_scope`` trick above, again).
    ``staff_filter``: the list's own maintainer or credit filter (``m_maintainer``/``m_credit``); when it is
    the RM themselves, every row it selects is already theirs, so nothing is added (an RM's dashboard links).
    """
    if not user.is_authenticated or not user.is_active:
        return None
    names = roles.role_names(user)
    if user.org_unit_id and names & set(roles.ORG_SCOPE_ROLES):
        if user.org_unit.parent_id is None:
            return Q()
        return Q(**{f"{unit}__in": user.org_unit.subtree_ids})
    if names & set(roles.MAINTAINER_ROLES):
        if staff_filter is not None and staff_filter == str(user.pk):
            return Q()
        if month is not None and origin is not None:
            maintained = Customer.objects.filter(assignments__month=month, assignments__maintainer=user)
            credited = Customer.objects.filter(origin_maintainer=user)
            ids = maintained.order_by().values_list("pk", flat=True).union(
                credited.order_by().values_list("pk", flat=True))
            return Q(pk__in=list(ids))
        scope = Q(**{maintainer: user})
        if origin is not None:
            scope |= Q(**{origin: user})
        return scope
    return None


def visible_ids_among(*, user, ids) -> set[int]:
    """Which of ``ids`` the user may open today (a month drill-down also lists customers since moved away)."""
    return set(visible_customers(user=user).filter(pk__in=list(ids)).values_list("pk", flat=True))
