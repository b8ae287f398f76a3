"""The task generator: the service tasks due by the standards as of one day, one set-based INSERT per kind.

Every kind is ``INSERT … SELECT … ON CONFLICT (customer, kind, dedupe_key) DO NOTHING``: the dedupe key
names the occasion (``birthday:2026``, ``holiday:spring:2026``, ``close:2026-10``, ``periodic:2026-11`` …),
so running the generator again for the same day — or every day — creates nothing twice.

Routing (docs/service_tasks.md): a task goes to the customer's primary maintainer when that account is
active; otherwise to the active branch head (网点主任) of the customer's unit or the nearest unit above it.
Corporate visits go to the holder of the visiting role (UnitRoleHolder) at the customer's unit or above,
the RM's share to the maintainer; a role nobody holds falls back to the branch head. No task is ever
assigned to an inactive user; a customer with nobody to route to gets no task.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zlib
from collections.abc import Callable

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from crm import roles
from crm.models import Handover, HandoverItem, OrgUnit, User
from crm.sql_names import table
from customers.models import Account, AccountType, ContactLog, Customer, CustomerStanding
from customers.tiers import MaintenanceBand, ValueSegment
from segmentation.models import Assignment, MonthClose, TierChange

from .calendar import holiday_dates
from .models import (
    CallScript,
    Holiday,
    SegmentStandard,
    ServiceTask,
    StandardVersion,
    TaskRule,
    UnitRoleHolder,
    VisitRole,
    VisitStandard,
)
from .standards import standard_version_in_force

Kind = ServiceTask.Kind
TASKS = table(ServiceTask)

# The customer, its standing (current tiers), its maintainer's account and the unit's fallback head.
_CUSTOMER_FROM = f"""
    {table(Customer)} c
    JOIN {table(CustomerStanding)} s ON s.customer_id = c.id
    LEFT JOIN {table(User)} mu ON mu.id = c.maintainer_id
    LEFT JOIN st_fallback fb ON fb.unit_id = c.org_unit_id
    LEFT JOIN st_combo k ON k.value_segment = s.value_segment AND k.maintenance_band = s.maintenance_band
"""
_ASSIGNEE = "COALESCE(CASE WHEN mu.is_active THEN c.maintainer_id END, fb.user_id)"


def _insert(cursor, *, kind: str, select: str, params: dict) -> int:
    """Insert the rows of ``select`` (customer_id, org_unit_id, assignee_id, due_date, dedupe_key, title,
    script) as open tasks of ``kind``; rows without an assignee and existing occasions are skipped."""
    # Only this module's SQL fragments are formatted in; every value is a parameter.
    cursor.execute(
        f"""
        INSERT INTO {TASKS} (created_at, updated_at, customer_id, org_unit_id, assignee_id, kind, due_date,
                             status, dedupe_key, title, script, outcome, channel, note, version)
        SELECT %(now)s, %(now)s, x.customer_id, x.org_unit_id, x.assignee_id, %(kind)s, x.due_date,
               'open', x.dedupe_key, x.title, x.script, '', '', '', 1
        FROM ({select}) x
        WHERE x.assignee_id IS NOT NULL
        ON CONFLICT (customer_id, kind, dedupe_key) DO NOTHING
        """,  # noqa: S608
        {**params, "kind": kind, "now": timezone.now()},
    )
    return cursor.rowcount


def _routing_tables(cursor, *, version: StandardVersion, open_tasks: bool = True) -> None:
    """Temporary lookup tables for one run: fallback heads, role holders, and the per-(segment, band)
    standard (care switches, the stricter contact interval). Dropped first: two runs in one transaction."""
    cursor.execute("DROP TABLE IF EXISTS st_fallback, st_holder, st_combo, st_open")
    cursor.execute(
        f"""
        CREATE TEMP TABLE st_fallback ON COMMIT DROP AS
        WITH heads AS (
            SELECT u.org_unit_id, min(u.id) AS user_id
            FROM {table(User)} u JOIN {table(User.groups.through)} ug ON ug.user_id = u.id JOIN {table(Group)} g ON g.id = ug.group_id
            WHERE u.is_active AND g.name = %(head)s AND u.org_unit_id IS NOT NULL
            GROUP BY u.org_unit_id
        )
        SELECT DISTINCT ON (o.id) o.id AS unit_id, h.user_id
        FROM {table(OrgUnit)} o
        JOIN {table(OrgUnit)} a ON o.path LIKE a.path || '%%'
        JOIN heads h ON h.org_unit_id = a.id
        ORDER BY o.id, length(a.path) DESC, h.user_id
        """,  # noqa: S608
        {"head": roles.BRANCH_HEAD},
    )
    cursor.execute("CREATE UNIQUE INDEX ON st_fallback (unit_id)")
    cursor.execute(
        f"""
        CREATE TEMP TABLE st_holder ON COMMIT DROP AS
        SELECT DISTINCT ON (o.id, h.role) o.id AS unit_id, h.role, h.user_id
        FROM {table(OrgUnit)} o
        JOIN {table(OrgUnit)} a ON o.path LIKE a.path || '%%'
        JOIN {table(UnitRoleHolder)} h ON h.org_unit_id = a.id
        JOIN {table(User)} u ON u.id = h.user_id AND u.is_active
        ORDER BY o.id, h.role, length(a.path) DESC, h.user_id
        """  # noqa: S608
    )
    segments = ["", *ValueSegment.values]
    bands = ["", *MaintenanceBand.values]
    cursor.execute(
        f"""
        CREATE TEMP TABLE st_combo ON COMMIT DROP AS
        SELECT seg.v AS value_segment, band.v AS maintenance_band,
               LEAST(rs.contact_interval_months, rb.contact_interval_months) AS interval_months,
               COALESCE(rs.birthday_care, false) OR COALESCE(rb.birthday_care, false) AS birthday_care,
               COALESCE(rs.holiday_care, false) OR COALESCE(rb.holiday_care, false) AS holiday_care
        FROM unnest(%(segments)s::text[]) AS seg(v)
        CROSS JOIN unnest(%(bands)s::text[]) AS band(v)
        LEFT JOIN {table(SegmentStandard)} rs
               ON rs.version_id = %(version)s AND rs.value_segment = seg.v AND rs.maintenance_band = ''
              AND seg.v <> ''
        LEFT JOIN {table(SegmentStandard)} rb
               ON rb.version_id = %(version)s AND rb.maintenance_band = band.v AND rb.value_segment = ''
              AND band.v <> ''
        """,  # noqa: S608
        {"segments": segments, "bands": bands, "version": version.pk},
    )
    # Customers that still have an open task of a kind given one at a time, read once before any insert: an
    # anti-join against the task table inside the INSERT into it would rescan the pages being written.
    cursor.execute(
        f"""
        CREATE TEMP TABLE st_open ON COMMIT DROP AS
        SELECT DISTINCT customer_id, kind FROM {TASKS}
        WHERE status = 'open' AND kind = ANY(%(kinds)s) AND %(wanted)s
        """,  # noqa: S608
        {"kinds": [Kind.PERIODIC_CONTACT.value, Kind.DORMANT.value, Kind.RECONTACT.value], "wanted": open_tasks},
    )
    cursor.execute("CREATE INDEX ON st_open (customer_id, kind)")
    # Temporary tables have no statistics until analysed: without them the planner guesses ~850 rows per
    # join and picks nested loops over the customers.
    cursor.execute("ANALYZE st_fallback, st_holder, st_combo, st_open")


def _script(kind: str) -> str:
    """The active call-script template of a kind (stored on the task; rendered safely when shown)."""
    return CallScript.objects.filter(kind=kind, active=True).values_list("body", flat=True).first() or ""


def _last_closed_month(day: dt.date) -> dt.date | None:
    return (MonthClose.objects.filter(state=MonthClose.State.CLOSED, month__lt=day.replace(day=1))
            .order_by("-month").values_list("month", flat=True).first())


# --- one function per kind: (cursor, day, version, rule) -> rows inserted --------------------------------------


def _periodic(cursor, day, version, rule) -> int:
    """A contact per period of the standard's interval, unless the customer was already contacted in the
    period or still has an open one (an overdue contact is not stacked up month after month); due at the
    period's end. Periods longer than a month are staggered by customer (offset = id mod N months), so an
    RM's half-yearly contacts arrive as a steady sixth each month instead of all in January and July."""
    ym = day.year * 12 + day.month - 1
    return _insert(cursor, kind=Kind.PERIODIC_CONTACT, params={"ym": ym, "day": day, "title": rule.title}, select=f"""
        SELECT c.id AS customer_id, c.org_unit_id, {_ASSIGNEE} AS assignee_id,
               (p.start + make_interval(months => k.interval_months) - interval '1 day')::date AS due_date,
               'periodic:' || to_char(p.start, 'YYYY-MM') AS dedupe_key, %(title)s AS title, '' AS script
        FROM {_CUSTOMER_FROM}
        CROSS JOIN LATERAL (
            SELECT %(ym)s - (%(ym)s - (c.id %% k.interval_months)::int) %% k.interval_months AS ym
        ) q
        CROSS JOIN LATERAL (SELECT make_date(q.ym / 12, q.ym %% 12 + 1, 1) AS start) p
        WHERE k.interval_months IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM st_open o WHERE o.customer_id = c.id AND o.kind = 'periodic_contact')
          AND NOT EXISTS (SELECT 1 FROM {table(ContactLog)} l
                          WHERE l.customer_id = c.id AND l.contacted_on >= p.start AND l.contacted_on <= %(day)s)
    """)  # noqa: S608


def _birthday(cursor, day, version, rule) -> int:
    """A greeting for the next birthday within the lead time, for segments/bands whose care includes it.
    A 29 February birthday is kept on 28 February in common years; no birth date, no task."""
    params = {"y": day.year, "day": day, "lead": rule.lead_days, "title": rule.title, "script": _script(Kind.BIRTHDAY),
              "individual": Customer.Kind.INDIVIDUAL.value, "feb_this": 29 if calendar.isleap(day.year) else 28,
              "feb_next": 29 if calendar.isleap(day.year + 1) else 28}
    return _insert(cursor, kind=Kind.BIRTHDAY, params=params, select=f"""
        SELECT customer_id, org_unit_id, assignee_id, bday AS due_date,
               'birthday:' || extract(year FROM bday)::int AS dedupe_key, %(title)s AS title, %(script)s AS script
        FROM (
            SELECT c.id AS customer_id, c.org_unit_id, {_ASSIGNEE} AS assignee_id,
                   CASE WHEN b.this >= %(day)s THEN b.this ELSE b.next END AS bday
            FROM {_CUSTOMER_FROM}
            CROSS JOIN LATERAL (
                SELECT make_date(%(y)s, extract(month FROM c.birth_date)::int,
                                 CASE WHEN extract(month FROM c.birth_date) = 2 AND extract(day FROM c.birth_date) = 29
                                      THEN %(feb_this)s ELSE extract(day FROM c.birth_date)::int END) AS this,
                       make_date(%(y)s + 1, extract(month FROM c.birth_date)::int,
                                 CASE WHEN extract(month FROM c.birth_date) = 2 AND extract(day FROM c.birth_date) = 29
                                      THEN %(feb_next)s ELSE extract(day FROM c.birth_date)::int END) AS next
            ) b
            WHERE c.birth_date IS NOT NULL AND c.kind = %(individual)s AND k.birthday_care
        ) x
        WHERE x.bday - %(lead)s <= %(day)s
    """)  # noqa: S608


def _holiday(cursor, day, version, rule) -> int:
    """Care before each holiday of the calendar, from its own lead time, for segments/bands with holiday care."""
    holidays = list(Holiday.objects.filter(care=True, date__gte=day, date__lte=day + dt.timedelta(days=60)))
    inserted = 0
    for holiday in holidays:
        if holiday.date - dt.timedelta(days=holiday.lead_days) > day:
            continue
        inserted += _insert(cursor, kind=Kind.HOLIDAY, params={
            "due": holiday.date, "key": f"holiday:{holiday.code}:{holiday.date.year}",
            "title": f"{holiday.name}{rule.title}", "script": _script(Kind.HOLIDAY)}, select=f"""
            SELECT c.id AS customer_id, c.org_unit_id, {_ASSIGNEE} AS assignee_id, %(due)s::date AS due_date,
                   %(key)s AS dedupe_key, %(title)s AS title, %(script)s AS script
            FROM {_CUSTOMER_FROM}
            WHERE k.holiday_care
        """)  # noqa: S608
    return inserted


def _tier_change(direction: str, kind: str):
    def generate(cursor, day, version, rule) -> int:
        """Welcome (upgrade) or retention (downgrade) after the latest close, for asset tier or band changes."""
        month = _last_closed_month(day)
        if month is None:
            return 0
        return _insert(cursor, kind=kind, params={
            "month": month, "direction": direction, "due": day + dt.timedelta(days=rule.lead_days),
            "key": f"close:{month:%Y-%m}", "title": rule.title, "script": _script(kind)}, select=f"""
            SELECT DISTINCT ON (c.id) c.id AS customer_id, c.org_unit_id, {_ASSIGNEE} AS assignee_id,
                   %(due)s::date AS due_date, %(key)s AS dedupe_key, %(title)s AS title, %(script)s AS script
            FROM {_CUSTOMER_FROM}
            JOIN {table(TierChange)} t ON t.customer_id = c.id
            WHERE t.month = %(month)s AND t.direction = %(direction)s
              AND t.field IN ('asset_tier', 'maintenance_band')
            ORDER BY c.id
        """)  # noqa: S608

    return generate


def _dormant(cursor, day, version, rule) -> int:
    """Reactivation for customers the dormant negative rule hit in the latest close, also when a risk rule
    fired first (one open at a time)."""
    month = _last_closed_month(day)
    if month is None:
        return 0
    return _insert(cursor, kind=Kind.DORMANT, params={
        "month": month, "due": day + dt.timedelta(days=rule.lead_days), "key": f"dormant:{month:%Y-%m}",
        "title": rule.title, "script": _script(Kind.DORMANT)}, select=f"""
        SELECT c.id AS customer_id, c.org_unit_id, {_ASSIGNEE} AS assignee_id,
               %(due)s::date AS due_date, %(key)s AS dedupe_key, %(title)s AS title, %(script)s AS script
        FROM {_CUSTOMER_FROM}
        JOIN {table(Assignment)} a ON a.customer_id = c.id
        WHERE a.month = %(month)s AND (a.negative_rule = 'dormant' OR 'dormant' = ANY(a.negative_rules))
          AND NOT EXISTS (SELECT 1 FROM st_open o WHERE o.customer_id = c.id AND o.kind = 'dormant')
    """)  # noqa: S608


def _card_activation(cursor, day, version, rule) -> int:
    """Every open credit card not activated: one task per card, with the call script."""
    return _insert(cursor, kind=Kind.CARD_ACTIVATION, params={
        "card": AccountType.CREDIT_CARD.value, "day": day, "due": day + dt.timedelta(days=rule.lead_days),
        "title": rule.title, "script": _script(Kind.CARD_ACTIVATION)}, select=f"""
        SELECT c.id AS customer_id, c.org_unit_id, {_ASSIGNEE} AS assignee_id, %(due)s::date AS due_date,
               'card:' || ac.id AS dedupe_key, %(title)s || '（尾号' || right(ac.account_no, 4) || '）' AS title,
               %(script)s AS script
        FROM {_CUSTOMER_FROM}
        JOIN {table(Account)} ac ON ac.customer_id = c.id
        WHERE ac.account_type = %(card)s AND ac.activated IS FALSE AND ac.closed_on IS NULL
          AND (ac.opened_on IS NULL OR ac.opened_on <= %(day)s)
    """)  # noqa: S608


HANDOVER_WINDOW_DAYS = 30


def _handover(cursor, day, version, rule, *, handover_id: int | None = None) -> int:
    """A follow-up visit by the new maintainer after each handover of the last 30 days (or one handover)."""
    since = day - dt.timedelta(days=HANDOVER_WINDOW_DAYS)
    only = "AND h.id = %(handover)s" if handover_id else ""
    return _insert(cursor, kind=Kind.HANDOVER, params={
        "since": since, "day": day, "lead": rule.lead_days, "handover": handover_id, "title": rule.title,
        "script": _script(Kind.HANDOVER)}, select=f"""
        SELECT c.id AS customer_id, c.org_unit_id, {_ASSIGNEE} AS assignee_id,
               (h.created_at::date + %(lead)s) AS due_date, 'handover:' || h.id AS dedupe_key,
               %(title)s AS title, %(script)s AS script
        FROM {_CUSTOMER_FROM}
        JOIN {table(HandoverItem)} i ON i.customer_id = c.id
        JOIN {table(Handover)} h ON h.id = i.handover_id
        WHERE h.created_at::date BETWEEN %(since)s AND %(day)s AND c.maintainer_id = h.to_maintainer_id {only}
    """)  # noqa: S608


def _corporate_visit(cursor, day, version, rule) -> int:
    """The month's visits owed to each corporate/institution customer by deposit class and role, spread
    over the month (the i-th of n due on day ⌈i·days/n⌉); to the role's holder at the unit or above."""
    start = day.replace(day=1)
    days = calendar.monthrange(day.year, day.month)[1]
    labels = {value: str(label) for value, label in VisitRole.choices}
    return _insert(cursor, kind=Kind.CORPORATE_VISIT, params={
        "version": version.pk, "start": start, "days": days, "ym": f"{start:%Y-%m}", "rm": VisitRole.RM.value,
        "outlet_head": VisitRole.OUTLET_HEAD.value, "roles": list(labels), "labels": list(labels.values()),
        "title": rule.title, "kinds": [Customer.Kind.CORPORATE.value, Customer.Kind.INSTITUTION.value]}, select=f"""
        SELECT c.id AS customer_id, c.org_unit_id,
               CASE WHEN v.role = %(rm)s THEN {_ASSIGNEE} ELSE COALESCE(rh.user_id, fb.user_id) END AS assignee_id,
               (%(start)s::date + (ceil(n.i * %(days)s::numeric / v.visits_per_month))::int - 1) AS due_date,
               'visit:' || v.role || ':' || %(ym)s || ':' || n.i AS dedupe_key,
               %(title)s || '（' || rl.label || ' ' || n.i || '/' || v.visits_per_month || '）' AS title,
               '' AS script
        FROM {_CUSTOMER_FROM}
        JOIN {table(VisitStandard)} v ON v.version_id = %(version)s AND v.deposit_class = s.deposit_class
        JOIN unnest(%(roles)s::text[], %(labels)s::text[]) AS rl(role, label) ON rl.role = v.role
        CROSS JOIN LATERAL generate_series(1, v.visits_per_month) AS n(i)
        LEFT JOIN st_holder rh ON rh.unit_id = c.org_unit_id AND rh.role = v.role
        WHERE c.kind = ANY(%(kinds)s) AND s.deposit_class <> ''
    """)  # noqa: S608


def _recontact(cursor, day, version, rule) -> int:
    """失联: programme and corporate customers without a logged contact for ``recontact_days`` (counted from
    the relationship start when never contacted); one open re-contact task at a time. Customers whose
    standard already asks for a contact at least every ``recontact_days`` are followed by their periodic
    contact (its overdue task is their red flag), and one open contact task is enough: no second one."""
    periodic = _enabled_rules(version).get(Kind.PERIODIC_CONTACT)
    return _insert(cursor, kind=Kind.RECONTACT, params={
        "periodic_on": periodic is not None, "days": version.recontact_days,
        "cutoff": day - dt.timedelta(days=version.recontact_days), "due": day + dt.timedelta(days=rule.lead_days),
        "title": rule.title, "script": _script(Kind.RECONTACT)}, select=f"""
        SELECT c.id AS customer_id, c.org_unit_id, {_ASSIGNEE} AS assignee_id, %(due)s::date AS due_date,
               'recontact:' || COALESCE(to_char(lc.last_on, 'YYYY-MM-DD'), 'never') AS dedupe_key,
               %(title)s AS title, %(script)s AS script
        FROM {_CUSTOMER_FROM}
        LEFT JOIN (SELECT customer_id, max(contacted_on) AS last_on FROM {table(ContactLog)} GROUP BY customer_id) lc
               ON lc.customer_id = c.id
        WHERE (s.maintenance_band <> '' OR s.deposit_class <> '')
          AND COALESCE(lc.last_on, c.since, c.created_at::date) < %(cutoff)s
          AND NOT EXISTS (SELECT 1 FROM st_open o WHERE o.customer_id = c.id
                          AND o.kind IN ('recontact', 'periodic_contact'))
          AND NOT (%(periodic_on)s AND k.interval_months IS NOT NULL AND k.interval_months * 30 <= %(days)s)
    """)  # noqa: S608


GENERATORS: dict[str, Callable[..., int]] = {
    Kind.PERIODIC_CONTACT: _periodic,
    Kind.BIRTHDAY: _birthday,
    Kind.HOLIDAY: _holiday,
    Kind.WELCOME: _tier_change("up", Kind.WELCOME),
    Kind.RETENTION: _tier_change("down", Kind.RETENTION),
    Kind.DORMANT: _dormant,
    Kind.CARD_ACTIVATION: _card_activation,
    Kind.HANDOVER: _handover,
    Kind.CORPORATE_VISIT: _corporate_visit,
    Kind.RECONTACT: _recontact,
}


def _enabled_rules(version: StandardVersion) -> dict[str, TaskRule]:
    rules = {rule.kind: rule for rule in version.task_rules.all() if rule.enabled}
    labels = dict(Kind.choices)
    for rule in rules.values():
        rule.title = str(labels[rule.kind])
    return rules


def holiday_calendar_fill(*, years: list[int]) -> int:
    """Add the library's holidays of the given years that the calendar lacks (admin edits are never
    overwritten; a holiday an admin moved keeps its date). Returns rows added."""
    have = set(Holiday.objects.filter(date__year__in=years).values_list("code", "date__year"))
    rows = [Holiday(code=code, name=name, date=date, lead_days=14 if code == "spring" else 7)
            for year in years for code, name, date in holiday_dates(year) if (code, year) not in have]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def tasks_generate(*, day: dt.date, kinds: list[str] | None = None) -> dict[str, int]:
    """Create every task due by the standards in force on ``day``; {kind: tasks created}. Idempotent.

    One transaction; concurrent runs serialise on one advisory lock per day (the unique key would
    keep them correct anyway, the lock keeps them from doing the work twice).
    """
    version = standard_version_in_force(day=day)
    if version is None:
        return {}
    holiday_calendar_fill(years=[day.year, day.year + 1])
    rules = _enabled_rules(version)
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [zlib.crc32(b"generate_tasks") >> 1, day.toordinal()])
        _routing_tables(cursor, version=version)
        for kind, generate in GENERATORS.items():
            if kinds is not None and kind not in kinds:
                continue
            rule = rules.get(kind)
            counts[kind] = generate(cursor, day, version, rule) if rule is not None else 0
    return counts


def handover_tasks_follow(*, handover) -> int:
    """Called by the handover service inside its transaction: the moved customers' open tasks go to the new
    maintainer (done and cancelled ones stay with whoever did them) and the follow-up task is created.
    Returns how many open tasks moved."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {TASKS} t SET assignee_id = %s, updated_at = %s, version = t.version + 1
            FROM {table(HandoverItem)} i
            WHERE i.handover_id = %s AND t.customer_id = i.customer_id AND t.status = 'open'
              AND t.assignee_id <> %s
            """,  # noqa: S608
            [handover.to_maintainer_id, timezone.now(), handover.pk, handover.to_maintainer_id],
        )
        moved = cursor.rowcount
        day = timezone.localdate()
        version = standard_version_in_force(day=day)
        rule = _enabled_rules(version).get(Kind.HANDOVER) if version else None
        if rule is not None:
            _routing_tables(cursor, version=version, open_tasks=False)
            _handover(cursor, day, version, rule, handover_id=handover.pk)
    return moved


CLOSE_KINDS = [Kind.WELCOME, Kind.RETENTION, Kind.DORMANT]
HISTORICAL_CLOSE_DAYS = 45


def month_tasks_generate(*, month: dt.date, version=None) -> dict[str, int]:
    """The month close's "tasks" step: generate as of the first day after the closed month (the day the close
    logically happens), so the welcome/retention/dormant tasks of that close and the new month's periodic
    contacts and corporate visits exist when the month is closed. Closing an old month (loading history,
    a correction) creates only that close's welcome/retention/dormant tasks: nobody is handed a year of
    birthdays and periodic contacts that were due long ago."""
    next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    historical = next_month < timezone.localdate() - dt.timedelta(days=HISTORICAL_CLOSE_DAYS)
    return tasks_generate(day=next_month, kinds=CLOSE_KINDS if historical else None)
