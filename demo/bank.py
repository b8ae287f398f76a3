"""The demo bank behind ``seed_demo``: org tree, staff, lookups, customers, accounts and monthly balances.

Everything is drawn from one ``random.Random(DEMO_SEED)``, so the same arguments give the same
bank. Re-seeding first deletes the previous demo customers (customer numbers starting with
``DEMO_PREFIX``) and everything that hangs off them; org units, staff and lookups are upserted.
Amounts are generated as integer cents (exact) and written as two-decimal numerics.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from crm import roles
from crm.models import OrgUnit, User
from crm.months import month_days
from crm.partitions import month_partition_ensure
from customers.models import (
    Account,
    AccountType,
    CoMaintainer,
    Customer,
    Lookup,
    MonthlyBalance,
)
from demo import identity, names
from demo.pgcopy import copy_rows
from segmentation.models import MonthClose
from segmentation.services import month_close

DEMO_SEED = 20_240_601
DEMO_PREFIX = "DM"
DEMO_PASSWORD = "demo12345"

# code, name, level, parent code
ORG_TREE = [
    ("HQ", "总行", OrgUnit.Level.HQ, None),
    ("BR1", "东城分行", OrgUnit.Level.BRANCH, "HQ"),
    ("BR2", "西城分行", OrgUnit.Level.BRANCH, "HQ"),
    ("OUT-A", "人民路网点", OrgUnit.Level.OUTLET, "BR1"),
    ("OUT-C", "解放路网点", OrgUnit.Level.OUTLET, "BR1"),
    ("OUT-B", "滨江路网点", OrgUnit.Level.OUTLET, "BR2"),
    ("OUT-D", "高新区网点", OrgUnit.Level.OUTLET, "BR2"),
]
OUTLET_WEIGHTS = {"OUT-A": 35, "OUT-B": 25, "OUT-C": 20, "OUT-D": 20}

# username, last name, first name, role, org code, title
DEMO_USERS = [
    ("admin", "赵", "建华", roles.SYSTEM_ADMIN, "HQ", "系统管理员"),
    ("hq", "钱", "志强", roles.HQ_MANAGEMENT, "HQ", "总行零售部总经理"),
    ("head_a", "孙", "丽华", roles.BRANCH_HEAD, "OUT-A", "网点主任"),
    ("head_b", "李", "国庆", roles.BRANCH_HEAD, "OUT-B", "网点主任"),
    ("rm_a1", "周", "晓明", roles.RELATIONSHIP_MANAGER, "OUT-A", "客户经理"),
    ("rm_a2", "吴", "婷婷", roles.RELATIONSHIP_MANAGER, "OUT-A", "客户经理"),
    ("rm_b1", "郑", "凯", roles.RELATIONSHIP_MANAGER, "OUT-B", "客户经理"),
    ("wm_a", "王", "欣怡", roles.WEALTH_MANAGER, "OUT-A", "理财经理"),
    ("rm_c1", "冯", "海涛", roles.RELATIONSHIP_MANAGER, "OUT-C", "客户经理"),
    ("rm_d1", "陈", "静", roles.RELATIONSHIP_MANAGER, "OUT-D", "客户经理"),
]
# Who maintains an outlet's customers; wealth managers take the individuals from 100万 up.
OUTLET_RMS = {"OUT-A": ["rm_a1", "rm_a2"], "OUT-B": ["rm_b1"], "OUT-C": ["rm_c1"], "OUT-D": ["rm_d1"]}
OUTLET_WMS = {"OUT-A": "wm_a"}

REGIONS = ["上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区"]
# 国民经济行业分类 (GB/T 4754-2017), the 20 sections.
INDUSTRIES = [
    ("A", "农、林、牧、渔业"), ("B", "采矿业"), ("C", "制造业"), ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"), ("F", "批发和零售业"), ("G", "交通运输、仓储和邮政业"), ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"), ("J", "金融业"), ("K", "房地产业"), ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"), ("N", "水利、环境和公共设施管理业"), ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"), ("Q", "卫生和社会工作"), ("R", "文化、体育和娱乐业"), ("S", "公共管理、社会保障和社会组织"),
    ("T", "国际组织"),
]
OCCUPATIONS = ["公务员", "企业管理人员", "专业技术人员", "教师", "医务人员", "个体工商户", "办事人员",
               "商业服务人员", "生产运输工人", "农民", "军人", "自由职业者", "退休人员", "学生"]
CUSTOMER_TYPES = ["普通个人客户", "代发工资客户", "个体工商户", "私营企业主", "退休人员",
                  "民营企业", "国有企业", "外资企业", "党政机关", "事业单位", "社会团体"]
POSITIONS = ["职员", "经理", "主任", "工程师", "教师", "医生", "总监", "会计", "销售", "个体经营者", "技术员"]
HOBBIES = ["旅游", "摄影", "高尔夫", "钓鱼", "书法", "茶艺", "跑步", "读书", "音乐", "美食", "收藏", "瑜伽"]
ROADS = ["人民路", "解放路", "中山路", "建设路", "文化路", "延安路", "滨江大道", "学院路", "湖滨路"]

ACCOUNT_PREFIX = {
    AccountType.DEMAND: "6217", AccountType.TIME: "6218", AccountType.WEALTH: "WM", AccountType.FUND: "FD",
    AccountType.INSURANCE: "IN", AccountType.CUSTODY_MARGIN: "CM", AccountType.LOAN: "LN",
    AccountType.CREDIT_CARD: "6259",
}
WAN = 10_000 * 100  # one 万 in cents


@dataclass
class AccountPlan:
    account_type: str
    account_no: str
    opened_on: date
    annual_rate: str | None
    weight: float = 0.0  # share of the customer's AUM for asset accounts
    # one tuple per month: (end cents, avg cents, txn_count, txn_days, last_txn, spend cents, activated, fee cents)
    months: list[tuple] = field(default_factory=list)


@dataclass
class CustomerPlan:
    values: dict
    accounts: list[AccountPlan]
    co_maintainer: str | None = None


def month_range(*, until: date, count: int) -> list[date]:
    """``count`` first-of-month dates ending with ``until``."""
    months = []
    year, month = until.year, until.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _cents_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _random_date(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def final_aum_cents(rng: random.Random) -> tuple[int, bool]:
    """An individual's 月日均 AUM in the last month, by the demo tier mix; True when dormant.

    60% 普通 (8% of them dormant, 30% in the 5万–10万 staff band), 28% 金卡 (10万–20万 adopted,
    20万–100万 wealth), 10% 白金 (half from 200万: wealth centre), 2% 钻石.
    """
    u = rng.random()
    if u < 0.60:
        v = rng.random()
        if v < 0.08:
            return rng.randrange(0, 300 * 100), True
        if v < 0.70:
            return int(_log_uniform(rng, 500, 49_000) * 100), False
        return int(rng.uniform(5, 9.8) * WAN), False
    if u < 0.88:
        if rng.random() < 0.40:
            return int(rng.uniform(10.2, 19.5) * WAN), False
        return int(_log_uniform(rng, 20.5, 98) * WAN), False
    if u < 0.98:
        if rng.random() < 0.5:
            return int(rng.uniform(102, 198) * WAN), False
        return int(_log_uniform(rng, 205, 490) * WAN), False
    return int(_log_uniform(rng, 510, 3000) * WAN), False


def _path(rng: random.Random, final: int, count: int, *, vol: float) -> list[int]:
    """A month-by-month path that ends at ``final``, walked backwards; some customers jump."""
    trend = rng.gauss(0.006, 0.02)
    jump_at = rng.randrange(1, count) if count > 1 and rng.random() < 0.06 else None
    jump = rng.choice([2.5, 0.4, 3.0, 0.5])
    values = [final]
    current = float(final)
    for i in range(count - 1, 0, -1):
        factor = math.exp(trend + rng.gauss(0, vol))
        if i == jump_at:
            factor *= jump
        current = current / factor
        values.append(max(int(current), 0))
    return values[::-1]


class DemoBankBuilder:
    """Builds and writes the demo bank. ``log`` receives progress lines."""

    def __init__(self, *, customers: int, months: list[date], log: Callable[[str], None] = print):
        self.count = customers
        self.months = months
        self.log = log
        self.rng = random.Random(DEMO_SEED)
        self.account_counter = 0
        self.first_month = months[0]

    # -- reference data -------------------------------------------------------------------
    def org_units(self) -> dict[str, OrgUnit]:
        units: dict[str, OrgUnit] = {}
        for code, name, level, parent in ORG_TREE:
            unit = OrgUnit.objects.filter(code=code).first() or OrgUnit(code=code)
            unit.name, unit.level, unit.parent = name, level, units.get(parent) if parent else None
            unit.save()
            units[code] = unit
        return units

    def users(self, units: dict[str, OrgUnit]) -> dict[str, User]:
        hashed = make_password(DEMO_PASSWORD)  # one hash for all: demo accounts, same public password
        groups = {g.name: g for g in Group.objects.filter(name__in=roles.ALL_ROLES)}
        out: dict[str, User] = {}
        for i, (username, last, first, role, org, title) in enumerate(DEMO_USERS, start=1):
            user = User.objects.filter(username=username).first() or User(username=username)
            user.last_name, user.first_name, user.title = last, first, title
            user.org_unit = units[org]
            user.employee_no = f"E{i:05d}"
            user.password = hashed
            user.is_active = True
            user.is_superuser = user.is_staff = username == "admin"
            user.email = f"{username}@demo.bank.example"
            user.save()
            user.groups.set([groups[role]])
            out[username] = user
        return out

    def lookups(self) -> dict[str, list[Lookup]]:
        wanted = (
            [(Lookup.Kind.REGION, f"R{i + 1:02d}", name) for i, name in enumerate(REGIONS)]
            + [(Lookup.Kind.INDUSTRY, code, name) for code, name in INDUSTRIES]
            + [(Lookup.Kind.OCCUPATION, f"O{i + 1:02d}", name) for i, name in enumerate(OCCUPATIONS)]
            + [(Lookup.Kind.CUSTOMER_TYPE, f"T{i + 1:02d}", name) for i, name in enumerate(CUSTOMER_TYPES)]
        )
        Lookup.objects.bulk_create(
            [Lookup(kind=k, code=c, name=n, sort_order=i) for i, (k, c, n) in enumerate(wanted)], ignore_conflicts=True
        )
        found = {(lk.kind, lk.name): lk for lk in Lookup.objects.filter(kind__in=[k for k, _, _ in wanted])}
        out: dict[str, list[Lookup]] = {}
        for kind, _code, name in wanted:
            if (kind, name) in found:
                out.setdefault(kind, []).append(found[(kind, name)])
        return out

    # -- customers --------------------------------------------------------------------------
    def _account(self, account_type: str, opened_on: date, rate: str | None, weight: float = 0.0) -> AccountPlan:
        self.account_counter += 1
        number = f"{ACCOUNT_PREFIX[account_type]}{880_000_000_000 + self.account_counter:012d}"
        return AccountPlan(account_type, number, opened_on, rate, weight)

    def _kind(self, index: int) -> str:
        # Position-based so every kind appears even in a tiny bank: 2% institutions, 8% corporates.
        slot = index % 50
        if slot == 25:
            return Customer.Kind.INSTITUTION
        if slot in (5, 17, 31, 44):
            return Customer.Kind.CORPORATE
        return Customer.Kind.INDIVIDUAL

    def plan_customers(self, lookups: dict[str, list[Lookup]]) -> list[CustomerPlan]:
        rng = self.rng
        outlets = list(OUTLET_WEIGHTS)
        weights = list(OUTLET_WEIGHTS.values())
        types = {lk.name: lk for lk in lookups.get(Lookup.Kind.CUSTOMER_TYPE, [])}
        industries = lookups.get(Lookup.Kind.INDUSTRY, [])
        plans = []
        for index in range(self.count):
            kind = self._kind(index)
            outlet = rng.choices(outlets, weights=weights)[0]
            values = {
                "customer_no": f"{DEMO_PREFIX}{index + 1:08d}",
                "kind": kind,
                "outlet": outlet,
                "region": rng.choice(lookups[Lookup.Kind.REGION]) if lookups.get(Lookup.Kind.REGION) else None,
                "credit_rating": rng.choices(["AAA", "AA", "A", "BBB", "BB", "B", "C"], [10, 20, 30, 20, 10, 7, 3])[0],
                "address": f"杭州市{rng.choice(REGIONS)}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            }
            if kind == Customer.Kind.INDIVIDUAL:
                plan = self._plan_individual(values, lookups, types)
            else:
                plan = self._plan_organisation(values, kind, industries, types)
            rms = OUTLET_RMS[outlet]
            origin = rng.choice(rms)
            wealth_manager = OUTLET_WMS.get(outlet)
            big = values.get("aum_cents", 0) >= 100 * WAN and kind == Customer.Kind.INDIVIDUAL
            values["origin_maintainer"] = origin
            values["maintainer"] = wealth_manager if big and wealth_manager else origin
            if outlet == "OUT-A" and rng.random() < 0.04:
                plan.co_maintainer = "rm_a2" if values["maintainer"] != "rm_a2" else "rm_a1"
            plans.append(plan)
        return plans

    def _plan_individual(self, values: dict, lookups: dict, types: dict) -> CustomerPlan:
        rng = self.rng
        last_month = self.months[-1]
        male = rng.random() < 0.5
        age = int(min(max(rng.gauss(45, 14), 19), 88))
        birth = _random_date(rng, date(last_month.year - age - 1, last_month.month, 1),
                             date(last_month.year - age, last_month.month, 1) - timedelta(days=1))
        since = _random_date(rng, max(date(birth.year + 18, 1, 1), date(2003, 1, 1)), self.first_month - timedelta(days=31))
        # Newcomers (about one in eight): a young relationship, a middling credit rating and little activity
        # yet — the wealthy ones among them are the bank's 潜力 (potential) customers.
        newcomer = rng.random() < 0.12
        if newcomer:
            since = _random_date(rng, self.first_month - timedelta(days=150), self.first_month - timedelta(days=31))
            values["credit_rating"] = rng.choice(["BB", "B"])
        final, dormant = final_aum_cents(rng)
        occupation = "退休人员" if age >= 60 else rng.choice([o for o in OCCUPATIONS if o != "退休人员"])
        occupations = {lk.name: lk for lk in lookups.get(Lookup.Kind.OCCUPATION, [])}
        bad = rng.random()
        if final >= 100 * WAN:
            income_band = rng.choice(["high", "top", "top"])
        elif final >= 10 * WAN:
            income_band = rng.choice(["middle", "high"])
        else:
            income_band = rng.choice(["low", "low", "middle"])
        type_name = ("退休人员" if age >= 60 else
                     rng.choices(["普通个人客户", "代发工资客户", "个体工商户", "私营企业主"], [55, 30, 10, 5])[0])
        values.update(
            name=names.person_name(rng, male=male),
            gender=Customer.Gender.MALE if male else Customer.Gender.FEMALE,
            birth_date=birth,
            id_type=Customer.IdType.RESIDENT_ID,
            id_number=identity.resident_id(rng, birth_date=birth, male=male),
            mobile=identity.mobile(rng),
            since=since,
            occupation=occupations.get(occupation),
            industry=rng.choice(lookups[Lookup.Kind.INDUSTRY][:18]) if lookups.get(Lookup.Kind.INDUSTRY) else None,
            customer_type=types.get(type_name),
            position=rng.choice(POSITIONS),
            employer=names.company_name(rng),
            income_band=income_band,
            hobbies="、".join(rng.sample(HOBBIES, rng.randint(1, 3))),
            risk_preference=rng.choice(["conservative", "steady", "balanced", "aggressive"]),
            bad_credit_count=2 + rng.randrange(3) if bad < 0.03 else (1 if bad < 0.08 else 0),
            malicious_overdraft=rng.random() < 0.01,
            aum_cents=final,
            newcomer=newcomer,
        )
        accounts = self._individual_accounts(values, final, dormant)
        return CustomerPlan(values, accounts)

    def _individual_accounts(self, values: dict, final: int, dormant: bool) -> list[AccountPlan]:
        rng = self.rng
        months = self.months
        opened = _random_date(rng, values["since"], self.first_month - timedelta(days=1))
        if dormant:
            demand = self._account(AccountType.DEMAND, opened, "0.2000", 1.0)
            last_txn = _random_date(rng, self.first_month - timedelta(days=700), self.first_month - timedelta(days=200))
            for _ in months:
                demand.months.append((final, final, 0, 0, last_txn, 0, None, 0))
            return [demand]
        path = _path(rng, final, len(months), vol=0.05)
        yuan = final / 100
        assets = [self._account(AccountType.DEMAND, opened, "0.2000", rng.uniform(0.3, 1.0) if yuan < 5e4 else 0.25)]
        offers = [
            (AccountType.TIME, 2e4, 0.7, lambda: f"{rng.uniform(1.3, 2.15):.4f}"),
            (AccountType.WEALTH, 5e4, 0.6, lambda: f"{rng.uniform(2.4, 3.6):.4f}"),
            (AccountType.FUND, 1e5, 0.45, lambda: None),
            (AccountType.INSURANCE, 1e5, 0.3, lambda: None),
            (AccountType.CUSTODY_MARGIN, 3e4, 0.15, lambda: "0.2000"),
        ]
        for account_type, floor, chance, rate in offers:
            if yuan >= floor and rng.random() < chance:
                assets.append(self._account(account_type, _random_date(rng, opened, self.first_month), rate(),
                                            rng.uniform(0.2, 1.0)))
        total_weight = sum(a.weight for a in assets)
        for a in assets:
            a.weight /= total_weight
        for i, month in enumerate(months):
            days = month_days(month)
            shares = [a.weight * rng.uniform(0.85, 1.15) for a in assets]
            total = sum(shares)
            remaining = path[i]
            for j, account in enumerate(assets):
                avg = remaining if j == len(assets) - 1 else int(path[i] * shares[j] / total)
                remaining -= avg if j < len(assets) - 1 else 0
                end = max(int(avg * rng.uniform(0.9, 1.1)), 0)
                if account.account_type == AccountType.DEMAND:
                    count = rng.randint(3, 40)
                else:
                    count = rng.choice([0, 0, 1, 2])
                txn_days = min(count, rng.randint(1, 2 if values["newcomer"] else 20), days)
                last = month.replace(day=rng.randint(max(days - 12, 1), days)) if count else (
                    account.months[-1][4] if account.months else account.opened_on)
                fee = int(avg * rng.uniform(0.0003, 0.001)) if account.account_type in (
                    AccountType.WEALTH, AccountType.FUND, AccountType.INSURANCE) else 0
                account.months.append((end, avg, count, txn_days, last, 0, None, fee))
        extra = []
        if rng.random() < 0.15:
            extra.append(self._loan(opened, int(_log_uniform(rng, 10, 250) * WAN), f"{rng.uniform(3.45, 4.9):.4f}"))
        if rng.random() < 0.45:
            extra.append(self._card(opened, final))
        return assets + extra

    def _loan(self, opened: date, principal: int, rate: str) -> AccountPlan:
        rng = self.rng
        loan = self._account(AccountType.LOAN, opened, rate)
        step = principal // rng.randint(60, 360)
        balance = principal
        for month in self.months:
            days = month_days(month)
            avg = balance
            balance = max(balance - step, 0)
            loan.months.append((balance, avg, 1, 1, month.replace(day=min(20, days)), 0, None, 0))
        return loan

    def _card(self, opened: date, aum: int) -> AccountPlan:
        """A credit card: most are used; some were never activated, some lie unused (inactive-card rule)."""
        rng = self.rng
        card = self._account(AccountType.CREDIT_CARD, opened, None)
        u = rng.random()
        activated = u >= 0.12
        idle = 0.12 <= u < 0.27
        scale = min(max(aum / 100 / 20, 800), 40_000)
        for month in self.months:
            days = month_days(month)
            if not activated:
                row = (0, 0, 0, 0, None, 0, False, 0)
            elif idle:
                count = rng.choice([0, 0, 1])
                spend = rng.randrange(0, 79 * 100) if count else 0
                row = (spend, spend // 2, count, count, month.replace(day=days) if count else None, spend, True, 0)
            else:
                count = rng.randint(3, 45)
                spend = int(scale * rng.uniform(0.3, 1.6) * 100)
                row = (int(spend * rng.uniform(0.4, 1.0)), int(spend * 0.5), count, min(count, rng.randint(2, 25), days),
                       month.replace(day=rng.randint(max(days - 8, 1), days)), spend, True,
                       0 if month.month != card.opened_on.month else 20_000)
            if row[4] is None and card.months:
                row = row[:4] + (card.months[-1][4],) + row[5:]
            card.months.append(row)
        return card

    def _plan_organisation(self, values: dict, kind: str, industries: list[Lookup], types: dict) -> CustomerPlan:
        rng = self.rng
        corporate = kind == Customer.Kind.CORPORATE
        since = _random_date(rng, date(2005, 1, 1), self.first_month - timedelta(days=31))
        if corporate:
            capital = int(_log_uniform(rng, 30, 800_000) * WAN)  # 30万 – 80亿
            credit = rng.random() < 0.45
            assets_total = int(capital / 100 * rng.uniform(1.2, 12)) * 100
            values.update(
                name=names.company_name(rng),
                credit_code=identity.credit_code(rng),
                legal_representative=names.person_name(rng, male=rng.random() < 0.7),
                registered_capital=_cents_text(capital),
                total_assets=_cents_text(assets_total),
                credit_customer=credit,
                target_credit=_cents_text(int(_log_uniform(rng, 100, 30_000) * WAN)) if credit else None,
                industry=rng.choice(industries[:18]) if industries else None,
                customer_type=types.get(rng.choices(["民营企业", "国有企业", "外资企业"], [75, 18, 7])[0]),
            )
            deposits = int(_log_uniform(rng, 20, 40_000) * WAN)  # 20万 – 4亿: all three deposit classes
        else:
            credit = False
            level = rng.choices(["provincial", "municipal", "township"], [10, 60, 30])[0]
            values.update(
                name=names.institution_name(rng),
                credit_code=identity.credit_code(rng),
                admin_level=level,
                industry=next((i for i in industries if i.code == "S"), None),
                customer_type=types.get(rng.choice(["党政机关", "事业单位", "社会团体"])),
            )
            deposits = int(_log_uniform(rng, 100, 60_000) * WAN)
        values.update(id_type=Customer.IdType.CREDIT_CODE, id_number=values["credit_code"], since=since,
                      bad_credit_count=1 if rng.random() < 0.03 else 0, aum_cents=deposits)
        path = _path(rng, deposits, len(self.months), vol=0.08)
        opened = _random_date(rng, since, self.first_month - timedelta(days=1))
        demand = self._account(AccountType.DEMAND, opened, "0.2500", 0.6)
        accounts = [demand]
        if rng.random() < 0.6:
            accounts.append(self._account(AccountType.TIME, opened, f"{rng.uniform(1.5, 2.3):.4f}", 0.3))
        if corporate and rng.random() < 0.25:
            accounts.append(self._account(AccountType.WEALTH, opened, f"{rng.uniform(2.4, 3.4):.4f}", 0.2))
        total = sum(a.weight for a in accounts)
        for i, month in enumerate(self.months):
            days = month_days(month)
            remaining = path[i]
            for j, account in enumerate(accounts):
                avg = remaining if j == len(accounts) - 1 else int(path[i] * account.weight / total)
                if j < len(accounts) - 1:
                    remaining -= avg
                count = rng.randint(20, 400) if account.account_type == AccountType.DEMAND else rng.choice([0, 1])
                last = month.replace(day=rng.randint(max(days - 5, 1), days)) if count else (
                    account.months[-1][4] if account.months else account.opened_on)
                account.months.append((max(int(avg * rng.uniform(0.85, 1.15)), 0), avg, count,
                                       min(count, rng.randint(5, 22), days), last, 0, None, 0))
        if credit and rng.random() < 0.7:
            accounts.append(self._loan(opened, int(_log_uniform(rng, 200, 50_000) * WAN),
                                       f"{rng.uniform(3.2, 5.5):.4f}"))
        return CustomerPlan(values, accounts)

    # -- writing ----------------------------------------------------------------------------
    def delete_previous(self) -> int:
        """Remove the previous demo customers and everything that hangs off them."""
        demo = Customer.objects.filter(customer_no__startswith=DEMO_PREFIX)
        # Resetting demo data is not a business change: keep it out of the field history.
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            MonthlyBalance.objects.filter(customer__in=demo).delete()
            Account.objects.filter(customer__in=demo).delete()
            deleted, _ = demo.delete()
        # The demo months are closed again from scratch, so their close records go too.
        MonthClose.objects.filter(month__in=self.months).delete()
        return deleted

    def write(self, plans: list[CustomerPlan], units: dict[str, OrgUnit], users: dict[str, User]) -> dict[str, int]:
        customers = []
        for plan in plans:
            v = plan.values
            fields = {k: v[k] for k in (
                "customer_no", "kind", "name", "gender", "birth_date", "id_type", "id_number", "mobile", "address",
                "region", "industry", "occupation", "customer_type", "position", "employer", "income_band", "hobbies",
                "risk_preference", "credit_rating", "since", "bad_credit_count", "malicious_overdraft", "credit_code",
                "legal_representative", "registered_capital", "total_assets", "credit_customer", "target_credit",
                "admin_level") if v.get(k) is not None}
            customers.append(Customer(
                **fields, org_unit=units[v["outlet"]], maintainer=users[v["maintainer"]],
                origin_maintainer=users[v["origin_maintainer"]],
            ))
        Customer.objects.bulk_create(customers, batch_size=2000)
        self.log(f"  客户 {len(customers)} 户已写入")
        accounts = []
        for plan, customer in zip(plans, customers, strict=True):
            for a in plan.accounts:
                last = a.months[-1]
                accounts.append(Account(
                    customer=customer, account_no=a.account_no, account_type=a.account_type, opened_on=a.opened_on,
                    annual_rate=a.annual_rate, balance=_cents_text(last[0]), last_txn_date=last[4], activated=last[6],
                ))
        Account.objects.bulk_create(accounts, batch_size=5000)
        CoMaintainer.objects.bulk_create([
            CoMaintainer(customer=c, user=users[p.co_maintainer]) for p, c in zip(plans, customers, strict=True)
            if p.co_maintainer
        ])
        self.log(f"  账户 {len(accounts)} 个已写入")

        def balance_rows():
            k = 0
            for plan, customer in zip(plans, customers, strict=True):
                for a in plan.accounts:
                    account = accounts[k]
                    k += 1
                    for month, (end, avg, count, days, last, spend, activated, fee) in zip(
                            self.months, a.months, strict=True):
                        yield (month, account.pk, customer.pk, a.account_type, _cents_text(end), _cents_text(avg),
                               a.annual_rate, count, days, last, _cents_text(spend), activated, _cents_text(fee))

        for month in self.months:  # COPY into the partitioned table finds each month's partition
            month_partition_ensure(MonthlyBalance, month)
        written = copy_rows(MonthlyBalance, [
            "month", "account_id", "customer_id", "account_type", "month_end_balance", "avg_daily_balance",
            "annual_rate", "txn_count", "txn_days", "last_txn_date", "card_spend", "activated", "fee_income",
        ], balance_rows())
        self.log(f"  月度余额 {written} 行已写入（{len(self.months)} 个月）")
        return {"customers": len(customers), "accounts": len(accounts), "balances": written}

    def build(self) -> dict[str, int]:
        """Write the whole demo bank in one transaction (all or nothing)."""
        with transaction.atomic():
            units = self.org_units()
            users = self.users(units)
            self.log(f"机构 {len(units)} 个、演示用户 {len(users)} 个已就绪")
            lookups = self.lookups()
            deleted = self.delete_previous()
            if deleted:
                self.log(f"已删除上次生成的演示数据（{deleted} 行）")
            plans = self.plan_customers(lookups)
            self.log(f"生成 {len(plans)} 户客户的 {len(self.months)} 个月数据…")
            counts = self.write(plans, units, users)
            counts["closed_months"] = self.close_months()
        return counts

    def close_months(self) -> int:
        """Close every demo month in order: facts, tiers, tier changes and service tasks, as in production."""
        start = timezone.now()
        for month in self.months:
            month_close(month=month)
            self.log(f"  {month:%Y-%m} 已月结（事实、分层、任务）")
        self.log(f"  月结用时 {(timezone.now() - start).total_seconds():.1f} 秒")
        return len(self.months)
