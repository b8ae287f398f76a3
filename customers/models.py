from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Cast, ExtractMonth, Length, Right
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from crm.models import OrgUnit, TimeStampedModel
from crm.partitions import MonthPartitioned

from .tiers import AssetTier, CorporateClass, CorporateSize, DepositClass, MaintenanceBand, ValueSegment

MONEY = {"max_digits": 18, "decimal_places": 2}


class NameGrams(Func):
    """Unigrams and bigrams of a name (SQL function from migration 0001).

    Chinese names are two or three characters, too short for pg_trgm; a GIN
    index over these grams answers any substring search of one or more characters.
    """

    function = "crm_name_grams"
    template = "%(function)s(%(expressions)s)"

    def __init__(self, expression, **extra):
        from django.contrib.postgres.fields import ArrayField

        super().__init__(expression, output_field=ArrayField(models.TextField()), **extra)


class LookupManager(models.Manager):
    def get_by_natural_key(self, kind: str, code: str) -> Lookup:
        return self.get(kind=kind, code=code)


class Lookup(TimeStampedModel):
    """Admin-defined lists: regions, industries, occupations, customer types."""

    class Kind(models.TextChoices):
        REGION = "region", _("地区")
        INDUSTRY = "industry", _("行业")
        OCCUPATION = "occupation", _("职业")
        CUSTOMER_TYPE = "customer_type", _("客户类型")

    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    # (kind, code) is unique: fixtures/reference/*.json name rows by it, so loading them twice (or into the
    # demo bank, which has the same codes) updates rows instead of adding copies.
    objects = LookupManager()

    class Meta:
        ordering = ["kind", "sort_order", "code"]
        verbose_name = _("代码表")
        verbose_name_plural = _("代码表")
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="lookup_unique_code"),
            models.UniqueConstraint(fields=["kind", "name"], name="lookup_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.kind, self.code)


class Customer(TimeStampedModel):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("个人")
        CORPORATE = "corporate", _("企业")
        INSTITUTION = "institution", pgettext_lazy("customer kind", "机构")

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("居民身份证")
        PASSPORT = "passport", _("护照")
        HK_MACAO_PASS = "hk_macao", _("港澳居民来往内地通行证")
        TAIWAN_PASS = "taiwan", _("台湾居民来往大陆通行证")
        CREDIT_CODE = "credit_code", _("统一社会信用代码")
        OTHER = "other", _("其他")

    class RiskPreference(models.TextChoices):
        CONSERVATIVE = "conservative", _("保守")
        STEADY = "steady", _("稳健")
        BALANCED = "balanced", _("平衡")
        AGGRESSIVE = "aggressive", _("进取")

    class CreditRating(models.TextChoices):
        AAA = "AAA", "AAA"
        AA = "AA", "AA"
        A = "A", "A"
        BBB = "BBB", "BBB"
        BB = "BB", "BB"
        B = "B", "B"
        C = "C", "C"

    class IncomeBand(models.TextChoices):
        LOW = "low", _("10万以下")
        MIDDLE = "middle", _("10万–30万")
        HIGH = "high", _("30万–100万")
        TOP = "top", _("100万以上")

    class AdminLevel(models.TextChoices):
        PROVINCIAL = "provincial", _("省部级")
        MUNICIPAL = "municipal", _("地市区县")
        TOWNSHIP = "township", _("乡镇村")

    customer_no = models.CharField(_("客户号"), max_length=32, unique=True)
    kind = models.CharField(_("客户类型"), max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    customer_type = models.ForeignKey(
        Lookup, verbose_name=_("客户细分类型"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"kind": Lookup.Kind.CUSTOMER_TYPE}, db_index=False,
    )
    name = models.CharField(_("姓名/名称"), max_length=200)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    birth_month = models.GeneratedField(
        expression=ExtractMonth("birth_date"),
        output_field=models.SmallIntegerField(), db_persist=True, verbose_name=_("生日月份"),
    )
    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    mobile = models.CharField(_("手机号"), max_length=20, blank=True)
    mobile_last4 = models.GeneratedField(
        expression=Right("mobile", 4),
        output_field=models.CharField(max_length=4), db_persist=True, verbose_name=_("手机尾号"),
    )
    address = models.CharField(_("地址"), max_length=300, blank=True)
    region = models.ForeignKey(
        Lookup, verbose_name=_("地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": Lookup.Kind.REGION}, db_index=False,
    )
    industry = models.ForeignKey(
        Lookup, verbose_name=_("行业"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": Lookup.Kind.INDUSTRY}, db_index=False,
    )
    occupation = models.ForeignKey(
        Lookup, verbose_name=_("职业"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": Lookup.Kind.OCCUPATION}, db_index=False,
    )
    position = models.CharField(_("职位"), max_length=100, blank=True)
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    income_band = models.CharField(_("收入水平"), max_length=16, choices=IncomeBand.choices, blank=True)
    hobbies = models.CharField(_("爱好"), max_length=200, blank=True)
    risk_preference = models.CharField(_("风险偏好"), max_length=16, choices=RiskPreference.choices, blank=True)
    credit_rating = models.CharField(_("信用等级"), max_length=3, choices=CreditRating.choices, blank=True)
    since = models.DateField(_("建立关系日期"), null=True, blank=True)
    bad_credit_count = models.PositiveSmallIntegerField(_("不良记录次数"), default=0)
    malicious_overdraft = models.BooleanField(_("恶意透支"), default=False)
    notes = models.TextField(_("备注"), blank=True)

    # Corporate and institution profile
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    registered_capital = models.DecimalField(_("注册资本"), null=True, blank=True, **MONEY)
    total_assets = models.DecimalField(_("总资产"), null=True, blank=True, **MONEY)
    credit_customer = models.BooleanField(_("信用客户"), default=False)
    target_credit = models.DecimalField(_("目标授信"), null=True, blank=True, **MONEY)
    admin_level = models.CharField(_("行政级别"), max_length=16, choices=AdminLevel.choices, blank=True)

    # Booking and maintenance
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="customers", db_index=False,
    )
    maintainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("维护人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="maintained_customers", db_index=False,
    )
    origin_maintainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("初始维护人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="originated_customers", db_index=False,
    )
    co_maintainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("协同维护人"), through="CoMaintainer", blank=True,
        related_name="co_maintained_customers",
    )

    # Field-level audit trail (who changed what, when, from → to); generated columns are derived, not audited.
    history = HistoricalRecords(excluded_fields=["birth_month", "mobile_last4"], cascade_delete_history=False)

    class Meta:
        ordering = ["customer_no"]
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        permissions = [("view_sensitive", _("查看完整证件号码和手机号"))]
        # The month close no longer rewrites customer rows (the monthly columns live in CustomerStanding), but
        # keep only indexes a query uses. The foreign keys carry db_index=False where a composite leads with
        # them; the lookup and origin_maintainer keys are only read by the PROTECT check of a rare delete.
        # customer_no's varchar_pattern_ops index is the one Django creates for the unique field.
        indexes = [
            models.Index(fields=["org_unit", "name"], name="customer_org_name"),
            models.Index(fields=["org_unit", "since"], name="customer_org_since"),
            models.Index(fields=["maintainer"], name="customer_maintainer"),
            # Bank-wide sorts of the list (HQ): name and relationship date, ties by pk.
            models.Index(fields=["name", "id"], name="customer_name_sort"),
            models.Index(fields=["since", "id"], name="customer_since_sort"),
            models.Index(F("since").desc(nulls_last=True), "id", name="customer_since_desc_sort"),
            models.Index(fields=["birth_month"], name="customer_birth_month"),
            models.Index(fields=["mobile_last4"], name="customer_mobile_last4"),
            models.Index(fields=["mobile"], name="customer_mobile"),
            models.Index(fields=["id_number"], name="customer_id_number"),
            GinIndex(NameGrams("name"), name="customer_name_grams"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(bad_credit_count__gte=0), name="customer_bad_credit_nonneg"),
            models.CheckConstraint(
                condition=Q(registered_capital__isnull=True) | Q(registered_capital__gte=0),
                name="customer_registered_capital_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(total_assets__isnull=True) | Q(total_assets__gte=0), name="customer_total_assets_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.customer_no}）"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])


class CustomerStanding(models.Model):
    """A customer's current standing: the latest closed month's AUM, tiers and scores, one row per customer.

    Kept out of ``customers_customer`` because the month close rewrites it for nearly every customer: a
    customer row carries a dozen indexes (name grams, mobile, ID, …) and rewriting 1,000,000 of them took
    7 minutes, while this narrow table is rebuilt in seconds (segmentation.standing). It also carries copies
    of ``org_unit``/``maintainer`` so the scoping selector and the list's sorts hit one composite index.

    Rows are created and their copies kept equal by database triggers on ``customers_customer``
    (migrations 0008 and 0016), so every way a customer is written — the ORM, imports by COPY, handover — keeps them.
    """

    customer = models.OneToOneField(
        Customer, verbose_name=_("客户"), primary_key=True, on_delete=models.CASCADE, related_name="standing",
        db_constraint=False,
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属机构"), on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
        db_index=False,
    )
    maintainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("维护人"), null=True, blank=True, on_delete=models.DO_NOTHING,
        related_name="+", db_constraint=False, db_index=False,
    )
    aum = models.DecimalField(_("月日均金融资产"), default=0, db_default=0, **MONEY)
    # The sort key of every list (aum in cents): the six sort indexes are rebuilt by each close, and a sort whose
    # second key is an integer builds in 0.7 s at 1M where a numeric one takes 1.7 s.
    aum_cents = models.GeneratedField(expression=Cast(F("aum") * 100, models.BigIntegerField()),
                                      output_field=models.BigIntegerField(), db_persist=True,
                                      verbose_name=_("月日均金融资产(分)"))
    aum_month = models.DateField(_("资产所属月份"), null=True, blank=True)
    asset_tier = models.CharField(_("资产等级"), max_length=16, choices=AssetTier.choices, blank=True, db_default="")
    value_segment = models.CharField(
        _("价值分群"), max_length=16, choices=ValueSegment.choices, blank=True, db_default="")
    maintenance_band = models.CharField(
        _("维护层级"), max_length=16, choices=MaintenanceBand.choices, blank=True, db_default="")
    profit_score = models.DecimalField(_("盈利性得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    stability_score = models.DecimalField(_("稳定性得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    corporate_size = models.CharField(
        _("企业规模"), max_length=16, choices=CorporateSize.choices, blank=True, db_default="")
    deposit_class = models.CharField(_("存款类别"), max_length=16, choices=DepositClass.choices, blank=True, db_default="")
    corporate_class = models.CharField(
        _("客户分类"), max_length=16, choices=CorporateClass.choices, blank=True, db_default="")
    # The birthday as month × 100 + day (1128 for 28 November), copied from the customer's birth date by the same
    # triggers as org_unit/maintainer (SQL function customers_birth_mmdd, migration 0017): "birthdays this week of
    # my customers" is then a range of one small index instead of reading every customer of the scope.
    birth_mmdd = models.SmallIntegerField(_("生日（月日）"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("客户当前等级")
        verbose_name_plural = _("客户当前等级")
        # The list's sorts by AUM and by tier within a scope (segmentation.standing rebuilds them at close).
        indexes = [
            models.Index(fields=["org_unit", "-aum_cents"], name="standing_org_aum"),
            # customer_id included: "the customers of RM X" is an index-only scan (an RM's 18,000 at 1M in ~2 ms,
            # where reading their standing rows took ~30 ms), e.g. My day's tier changes of their customers.
            models.Index(fields=["maintainer", "-aum_cents"], name="standing_maint_aum", include=["customer"]),
            models.Index(fields=["-aum_cents"], name="standing_aum"),
            models.Index(fields=["org_unit", "asset_tier", "-aum_cents"], name="standing_org_tier"),
            models.Index(fields=["org_unit", "value_segment", "-aum_cents"], name="standing_org_segment"),
            models.Index(fields=["org_unit", "maintenance_band", "-aum_cents"], name="standing_org_band"),
            # The corporate filters: partial, so the close rebuilds them over the few corporate rows only.
            models.Index(fields=["org_unit", "corporate_size", "-aum_cents"], name="standing_org_corp_size",
                         condition=~Q(corporate_size="")),
            models.Index(fields=["org_unit", "deposit_class", "-aum_cents"], name="standing_org_deposit_class",
                         condition=~Q(deposit_class="")),
            models.Index(fields=["org_unit", "corporate_class", "-aum_cents"], name="standing_org_corp_class",
                         condition=~Q(corporate_class="")),
            # My day's birthdays: the week's few month-days first, then either scope column is checked inside
            # the index (an RM's maintainer, a head's units), so one index serves both and no heap row is read
            # for another scope's customer. Partial: corporate customers have no birth date.
            models.Index(fields=["birth_mmdd", "org_unit", "maintainer"], name="standing_birthday",
                         condition=Q(birth_mmdd__isnull=False)),
        ]

    def __str__(self) -> str:
        return str(self.customer_id)


class CoMaintainer(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="co_maintainer_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="co_maintainer_links")

    class Meta:
        verbose_name = _("协同维护人")
        verbose_name_plural = _("协同维护人")
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="comaintainer_unique")]
        indexes = [models.Index(fields=["user", "customer"], name="comaintainer_user")]

    def __str__(self) -> str:
        return f"{self.customer} – {self.user}"


class AccountType(models.TextChoices):
    DEMAND = "demand", _("活期")
    TIME = "time", _("定期")
    WEALTH = "wealth", _("理财")
    FUND = "fund", _("基金")
    INSURANCE = "insurance", _("保险")
    CUSTODY_MARGIN = "custody_margin", _("三方存管")
    LOAN = "loan", _("贷款")
    CREDIT_CARD = "credit_card", _("信用卡")


# AUM counts everything except loans and cards (domain.md §2).
ASSET_ACCOUNT_TYPES = [
    AccountType.DEMAND, AccountType.TIME, AccountType.WEALTH, AccountType.FUND,
    AccountType.INSURANCE, AccountType.CUSTODY_MARGIN,
]
DEPOSIT_ACCOUNT_TYPES = [AccountType.DEMAND, AccountType.TIME]


class Account(TimeStampedModel):
    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="accounts")
    account_no = models.CharField(_("账号"), max_length=40, unique=True)
    account_type = models.CharField(_("账户类型"), max_length=16, choices=AccountType.choices)
    opened_on = models.DateField(_("开户日期"), null=True, blank=True)
    closed_on = models.DateField(_("销户日期"), null=True, blank=True)
    annual_rate = models.DecimalField(_("年利率(%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    balance = models.DecimalField(_("当前余额"), default=0, **MONEY)
    last_txn_date = models.DateField(_("最后交易日"), null=True, blank=True)
    activated = models.BooleanField(_("已激活"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["customer", "account_type", "account_no"]
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        indexes = [models.Index(fields=["customer", "account_type"], name="account_customer_type")]

    def __str__(self) -> str:
        return f"{self.account_no}（{self.get_account_type_display()}）"


class MonthlyBalance(MonthPartitioned):
    """One account's figures for one month, as delivered by core banking.

    The table is partitioned by month (crm/partitions.py): the balances import builds a month's million rows as
    a new table and attaches it (customers/services/balance_write.py) instead of inserting them into the
    indexes of every other month.
    """

    month = models.DateField(_("月份"))  # first day of the month
    # Written a million rows at a time only by the balances import, from a join on the accounts: the keys are
    # enforced by Django (on_delete) but carry no database constraint, whose deferred check per row and key
    # cost ~14 s at commit at 1,000,000 rows. Account lookups use the (account, month) key.
    account = models.ForeignKey(Account, verbose_name=_("账户"), on_delete=models.CASCADE, related_name="monthly",
                                db_constraint=False, db_index=False)
    # Denormalised from the account so facts aggregate without a join.
    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="+",
                                 db_constraint=False)
    account_type = models.CharField(_("账户类型"), max_length=16, choices=AccountType.choices)
    month_end_balance = models.DecimalField(_("月末余额"), **MONEY)
    avg_daily_balance = models.DecimalField(_("月日均余额"), **MONEY)
    annual_rate = models.DecimalField(_("年利率(%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    txn_count = models.PositiveIntegerField(_("交易笔数"), default=0)
    txn_days = models.PositiveSmallIntegerField(_("交易天数"), default=0)
    last_txn_date = models.DateField(_("最后交易日"), null=True, blank=True)
    card_spend = models.DecimalField(_("当月消费额"), default=0, **MONEY)
    activated = models.BooleanField(_("已激活"), null=True, blank=True)
    fee_income = models.DecimalField(_("中间业务收入"), default=0, **MONEY)

    class Meta:
        ordering = ["month", "account"]
        verbose_name = _("月度余额")
        verbose_name_plural = _("月度余额")
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="monthly_balance_unique"),
            models.CheckConstraint(condition=Q(txn_days__lte=31), name="monthly_balance_txn_days"),
        ]
        # No (month, customer) index: within a month's partition the customer key alone serves it, and every
        # index is one more sort when the import attaches a month.

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}"


class CustomerMonth(MonthPartitioned):
    """A customer's facts for one month, built from MonthlyBalance by set-based SQL."""

    month = models.DateField(_("月份"))
    # Written 1,000,000 rows at a time by customer_months_build from MonthlyBalance (whose customer key is
    # enforced): like the segmentation snapshots, Django's on_delete applies but there is no database
    # constraint (a deferred RI check per row at commit) and no single-column index ((customer, month) is unique).
    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="months",
                                 db_constraint=False, db_index=False)
    aum_end = models.DecimalField(_("月末金融资产"), default=0, **MONEY)
    aum_avg = models.DecimalField(_("月日均金融资产"), default=0, **MONEY)
    deposit_end = models.DecimalField(_("月末存款"), default=0, **MONEY)
    deposit_avg = models.DecimalField(_("月日均存款"), default=0, **MONEY)
    loan_end = models.DecimalField(_("月末贷款"), default=0, **MONEY)
    loan_avg = models.DecimalField(_("月日均贷款"), default=0, **MONEY)
    margin_end = models.DecimalField(_("月末三方存管保证金"), default=0, **MONEY)
    margin_avg = models.DecimalField(_("月日均三方存管保证金"), default=0, **MONEY)
    card_balance = models.DecimalField(_("信用卡账户余额"), default=0, **MONEY)
    card_spend = models.DecimalField(_("信用卡消费额"), default=0, **MONEY)
    card_txn_count = models.PositiveIntegerField(_("信用卡交易笔数"), default=0)
    has_card = models.BooleanField(_("持有信用卡"), default=False)
    card_activated = models.BooleanField(_("信用卡已激活"), null=True)
    txn_count = models.PositiveIntegerField(_("交易笔数"), default=0)
    active_days = models.PositiveSmallIntegerField(_("活跃天数"), default=0)
    last_txn_date = models.DateField(_("最后交易日"), null=True, blank=True)
    max_balance = models.DecimalField(_("单账户最高余额"), default=0, **MONEY)
    product_count = models.PositiveSmallIntegerField(_("持有产品种类"), default=0)
    deposit_contribution = models.DecimalField(_("存款贡献度"), default=0, **MONEY)
    loan_contribution = models.DecimalField(_("贷款贡献度"), default=0, **MONEY)
    fee_income = models.DecimalField(_("中间业务收入"), default=0, **MONEY)
    contribution = models.DecimalField(_("客户贡献度"), default=0, **MONEY)
    # The inactive-bank-card rule's inputs (domain.md §3.2): debit (活期) and credit cards alike.
    card_use_count = models.PositiveIntegerField(_("银行卡交易笔数(活期+信用卡)"), default=0)
    holds_card = models.BooleanField(_("持有银行卡(借记卡或信用卡)"), default=False)
    sole_deposit_balance = models.DecimalField(_("唯一存款账户月末余额"), null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["customer", "month"]
        verbose_name = _("客户月度事实")
        verbose_name_plural = _("客户月度事实")
        # A month's rows are a partition of their own: (customer, month) serves every lookup.
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="customer_month_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"


CONTACT_SUMMARY_MAX = 2000  # characters of one contact-log entry (交往内容)


class ContactLog(TimeStampedModel):
    """交往记录: a contact with the customer, logged by staff."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        VISIT = "visit", _("上门拜访")
        BRANCH = "branch", _("网点面谈")
        WECHAT = "wechat", _("微信")
        SMS = "sms", _("短信")
        EMAIL = "email", _("邮件")
        OTHER = "other", _("其他")

    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="contacts")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="contacts"
    )
    contacted_on = models.DateField(_("联系日期"))
    channel = models.CharField(_("联系方式"), max_length=16, choices=Channel.choices)
    summary = models.TextField(_("交往内容"), max_length=CONTACT_SUMMARY_MAX)
    next_step = models.CharField(_("下一步"), max_length=300, blank=True)

    class Meta:
        ordering = ["-contacted_on", "-id"]
        verbose_name = _("交往记录")
        verbose_name_plural = _("交往记录")
        constraints = [
            models.CheckConstraint(condition=LessThanOrEqual(Length("summary"), CONTACT_SUMMARY_MAX),
                                   name="contact_summary_max"),
        ]
        indexes = [
            models.Index(fields=["customer", "-contacted_on"], name="contact_customer_date"),
            models.Index(fields=["staff", "-contacted_on"], name="contact_staff_date"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.contacted_on}"
