"""The shipped service standards (published version 1, domain.md §4), task rules and call scripts.

Used by the data migration and after every flush (post_migrate), so a test database emptied by a
transactional test gets them back; nothing is written when a version already exists.
"""

import datetime as dt

SEGMENTS = [
    # segment, daily, special, care, birthday, holiday, contact every N months
    ("vip", "专属柜台；随时联系；全方位服务与营销",
     "上门拜访；重点客户服务；及时答疑；量身定制服务；问题处理；危机处理",
     "节日关怀；生日关怀；生病探望；其他关怀", True, True, 1),
    ("potential", "随时联系；全方位服务与营销", "重点客户服务；及时答疑；问题处理；危机处理",
     "节日关怀；生日关怀；其他关怀", True, True, 1),
    ("mass", "大众化服务", "产品推荐；大堂答疑；问题处理；危机处理", "选择性关怀", False, False, 6),
    ("negative", "大众化服务", "问题处理；危机处理", "选择性关怀", False, False, None),
]
BANDS = [
    ("wealth_centre", "财富管理中心理财经理专属服务，分管副行长与网点主任协同维护", "上门拜访；资产配置方案",
     "节日关怀；生日关怀", True, True, 1),
    ("wealth", "网点理财经理维护", "资产配置建议；重点客户服务", "节日关怀；生日关怀", True, True, 1),
    ("adopted", "网点主任与大堂经理领养维护", "产品推荐；问题处理", "节日关怀", False, True, 1),
    ("staff", "网点员工维护", "产品推荐；问题处理", "节日关怀", False, True, 1),
]
ENTITLEMENTS = [
    # name, description, asset tier, segment
    ("贵宾厅服务", "机场/高铁贵宾厅，每年不限次", "diamond", ""),
    ("专属理财经理", "一对一资产配置与财富规划", "diamond", ""),
    ("手续费全免", "跨行转账、账户管理费、年费全免", "diamond", ""),
    ("存款利率优惠", "定期存款利率按上限执行", "diamond", ""),
    ("贵宾厅服务", "机场/高铁贵宾厅，每年6次", "platinum", ""),
    ("手续费减免", "跨行转账手续费、账户管理费减免", "platinum", ""),
    ("VIP柜台", "贵宾窗口优先办理", "platinum", ""),
    ("VIP柜台", "贵宾窗口优先办理", "gold", ""),
    ("年费减免", "借记卡年费、小额账户管理费减免", "gold", ""),
    ("贷款利率优惠", "个人贷款利率优惠审批", "", "vip"),
    ("生日礼遇", "生日关怀与专属客户活动", "", "vip"),
    ("理财产品优先认购", "新发理财产品优先额度", "", "potential"),
]
VISITS = [
    ("class_1", "president", 1), ("class_1", "corporate_head", 2), ("class_1", "rm", 3),
    ("class_2", "outlet_head", 2), ("class_2", "rm", 3),
    ("class_3", "outlet_head", 2), ("class_3", "rm", 3),
]
TASK_RULES = {
    "periodic_contact": 0, "birthday": 7, "holiday": 7, "welcome": 7, "retention": 7, "dormant": 14,
    "card_activation": 7, "handover": 14, "corporate_visit": 0, "recontact": 7,
}
SCRIPTS = [
    ("card_activation", "信用卡激活",
     "$customer_name您好，我是您的客户经理$rm_name。您申领的$product尚未激活，激活后即可享受消费积分和"
     "首刷礼遇。您可以通过手机银行或来网点激活，需要我为您预约吗？"),
    ("birthday", "生日问候", "$customer_name您好，我是$rm_name。今天是您的生日，祝您生日快乐、身体健康！"),
    ("holiday", "节日问候", "$customer_name您好，我是$rm_name。节日将至，祝您和家人节日快乐、万事如意！"),
    ("welcome", "升级欢迎",
     "$customer_name您好，我是$rm_name。恭喜您成为我行$product客户，您可享受的权益有……"),
    ("retention", "降级挽留",
     "$customer_name您好，我是$rm_name。近期您的资产有所变化，我们为您准备了$product，想听听您的需求。"),
    ("dormant", "睡眠户激活",
     "$customer_name您好，我是$rm_name。您在我行的账户已较长时间未使用，我们为您推荐$product。"),
]


def standards_defaults_create(apps) -> None:
    """Create version 1 and the call scripts with the historical or current ``apps``, unless a version exists."""
    StandardVersion = apps.get_model("service_tiers", "StandardVersion")
    if StandardVersion.objects.exists():
        return
    now = dt.datetime.now(dt.UTC)
    version = StandardVersion.objects.create(
        number=1, effective_month=dt.date(2000, 1, 1), state="published", published_at=now,
        change_note="默认服务标准（domain.md 第4节）",
    )
    SegmentStandard = apps.get_model("service_tiers", "SegmentStandard")
    rows = [SegmentStandard(version=version, value_segment=code, maintenance_band="", daily_maintenance=daily,
                            special_maintenance=special, care_items=care, birthday_care=birthday,
                            holiday_care=holiday, contact_interval_months=every)
            for code, daily, special, care, birthday, holiday, every in SEGMENTS]
    rows += [SegmentStandard(version=version, value_segment="", maintenance_band=code, daily_maintenance=daily,
                             special_maintenance=special, care_items=care, birthday_care=birthday,
                             holiday_care=holiday, contact_interval_months=every)
             for code, daily, special, care, birthday, holiday, every in BANDS]
    SegmentStandard.objects.bulk_create(rows)
    Entitlement = apps.get_model("service_tiers", "Entitlement")
    Entitlement.objects.bulk_create([
        Entitlement(version=version, name=name, description=text, asset_tier=tier, value_segment=segment,
                    sort_order=index)
        for index, (name, text, tier, segment) in enumerate(ENTITLEMENTS)
    ])
    VisitStandard = apps.get_model("service_tiers", "VisitStandard")
    VisitStandard.objects.bulk_create([
        VisitStandard(version=version, deposit_class=klass, role=role, visits_per_month=n) for klass, role, n in VISITS
    ])
    TaskRule = apps.get_model("service_tiers", "TaskRule")
    TaskRule.objects.bulk_create([TaskRule(version=version, kind=kind, lead_days=days)
                                  for kind, days in TASK_RULES.items()])
    CallScript = apps.get_model("service_tiers", "CallScript")
    for kind, title, body in SCRIPTS:
        CallScript.objects.get_or_create(kind=kind, defaults={"title": title, "body": body})
    StandardVersionChange = apps.get_model("service_tiers", "StandardVersionChange")
    StandardVersionChange.objects.create(version=version, action="published", detail="默认值")
