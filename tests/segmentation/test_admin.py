"""Admin pages: read-only published versions, what-if page, publish refusal, the month-close page."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from crm.months import add_months
from segmentation import services
from segmentation.models import MonthClose, RuleVersion
from tests.segmentation.factories import MONTH, fact, individual


def test_published_version_form_is_read_only_and_cannot_be_deleted(admin_client):
    v1 = RuleVersion.objects.get(number=1)
    response = admin_client.get(reverse("admin:segmentation_ruleversion_change", args=[v1.pk]))
    assert response.status_code == 200
    assert b'name="gold_min"' not in response.content
    assert admin_client.get(reverse("admin:segmentation_ruleversion_delete", args=[v1.pk])).status_code == 403


def test_admin_edit_of_draft_validates_and_logs(admin_client):
    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    url = reverse("admin:segmentation_ruleversion_change", args=[draft.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"effective_month": "2024-07-01", "gold_min": "2000000", "RuleVersionChange_changes-TOTAL_FORMS": "0",
                 "changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0"})
    for key in ["dormant_enabled", "inactive_card_enabled", "bad_credit_enabled", "overdraft_enabled",
                "entry_gold_card"]:
        data[key] = "on"
    data = {k: v for k, v in data.items() if not isinstance(v, bool)} | {k: "on" for k, v in data.items() if v is True}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "严格递增" in response.content.decode()
    data["gold_min"] = "120000"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.gold_min == Decimal("120000.00")
    assert draft.changes.filter(field="gold_min", old_value="100000.00", new_value="120000.00").exists()


def test_whatif_page_and_publish_buttons(admin_client, org_tree):
    customer = individual(org_unit=org_tree["OUT-A"])
    fact(customer, aum_avg="60000", max_balance="60000")
    services.month_close(month=MONTH, build_facts=False)
    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    draft.gold_min = Decimal("50000.00")
    services.rule_version_save(version=draft)
    url = reverse("admin:segmentation_ruleversion_whatif", args=[draft.pk])
    response = admin_client.get(url, {"month": "2024-06", "customers": "1"})
    assert response.status_code == 200
    assert response.context["preview"].asset_matrix == {("regular", "gold"): 1}
    # a bare superuser sees the counts but no customer (issue 10, item 4) …
    assert customer.customer_no not in response.content.decode()
    assert "没有您有权查看的受影响客户" in response.content.decode()
    # … a superuser who also holds a business role sees the customers of that role's scope
    from django.contrib.auth.models import Group

    from crm import roles

    response.wsgi_request.user.groups.add(Group.objects.get(name=roles.HQ_MANAGEMENT))
    response.wsgi_request.user.org_unit = org_tree["HQ"]
    response.wsgi_request.user.save(update_fields=["org_unit"])
    assert customer.customer_no in admin_client.get(url, {"month": "2024-06", "customers": "1"}).content.decode()
    assert admin_client.get(url, {"month": "2023-01"}).status_code == 200  # not closed: message, no 500
    # a bad draft is refused with the reason
    draft.platinum_min = Decimal("1.00")
    draft.save()
    response = admin_client.post(reverse("admin:segmentation_ruleversion_publish", args=[draft.pk]), follow=True)
    assert "不能发布" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_month_close_page_closes_and_reopens(admin_client, org_tree, run_jobs):
    customer = individual(org_unit=org_tree["OUT-A"])
    fact(customer, aum_avg="60000", max_balance="60000")
    url = reverse("admin:segmentation_monthclose_run")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"month": "2024-06", "close": "1"})
    (job,) = run_jobs()
    assert response.url == f"/jobs/{job.pk}/"
    assert job.state == "succeeded" and job.kind == "month_close" and job.result["customers"] == 1
    assert MonthClose.objects.get(month=MONTH).state == "closed"
    response = admin_client.post(url, {"month": "2024-06", "close": "1"})
    assert "已月结" in response.content.decode()
    response = admin_client.post(url, {"month": "2024-06", "reopen": "1", "reason": ""})
    assert "原因" in response.content.decode()
    admin_client.post(url, {"month": "2024-06", "reopen": "1", "reason": "更正"})
    (job,) = run_jobs()
    assert job.state == "succeeded" and job.kind == "month_reopen"
    assert MonthClose.objects.get(month=MONTH).state == "open"


def test_whatif_runs_as_a_background_job_and_the_page_shows_its_result(admin_client, org_tree, run_jobs):
    customer = individual(org_unit=org_tree["OUT-A"])
    fact(customer, aum_avg="60000", max_balance="60000")
    services.month_close(month=MONTH)
    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    url = reverse("admin:segmentation_ruleversion_whatif", args=[draft.pk])

    response = admin_client.post(url, {"month": "2024-06", "background": "1"})
    (job,) = run_jobs()
    page = admin_client.get(f"{url}?job={job.pk}").content.decode()
    job_page = admin_client.get(response.url).content.decode()

    assert response.url == f"/jobs/{job.pk}/" and job.kind == "whatif" and job.state == "succeeded"
    assert job.result["customers"] == 1 and "name" not in str(job.result["asset_matrix"])
    assert f"结果来自后台作业 #{job.pk}" in page and "2024-06" in page
    assert f"?job={job.pk}" in job_page and "查看模拟结果" in job_page


def draft_form_data(admin_client, draft) -> dict:
    """The change form's POST data as the page offers it (every field at its initial value)."""
    form = admin_client.get(reverse("admin:segmentation_ruleversion_change", args=[draft.pk])).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    data.update({"effective_month": "2024-07-01", "changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0"})
    return data


def test_indicators_are_edited_as_labelled_rows_with_per_field_validation(admin_client):
    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    url = reverse("admin:segmentation_ruleversion_change", args=[draft.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="profit_indicators"' not in page and "评分指标" in page  # rows, not a JSON text area
    assert 'name="profit_contribution_weight"' in page and "月贡献度(元)" in page
    assert 'name="stability_credit_rating_full_value"' in page
    data = draft_form_data(admin_client, draft)
    assert data["profit_contribution_weight"] == "50" and data["profit_contribution_group"] == "current"

    bad = dict(data, profit_contribution_weight="abc", profit_fee_income_full_value="")
    response = admin_client.post(url, bad)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["profit_contribution_weight"] == ["权重应为数字"]
    assert errors["profit_fee_income_full_value"] == ["填写了权重的指标须填写大于0的满分值"]

    # the weights of a group must still add up to 100 %: the service's message
    response = admin_client.post(url, dict(data, profit_contribution_weight="40"))
    assert "权重合计应为100%" in response.content.decode()

    # move 10 % from contribution to fee income and drop bad_credit_count from stability onto tenure
    good = dict(data, profit_contribution_weight="40", profit_fee_income_weight="30",
                stability_bad_credit_count_weight="", stability_tenure_months_weight="35")
    response = admin_client.post(url, good)
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    weights = {i["code"]: (i.get("group"), i["weight"], i["full_value"]) for i in draft.profit_indicators}
    assert weights["contribution"] == ("current", "40", "2000") and weights["fee_income"] == ("current", "30", "500")
    assert [i["code"] for i in draft.stability_indicators if i["code"] == "bad_credit_count"] == []
    assert {i["code"]: i["weight"] for i in draft.stability_indicators}["tenure_months"] == "35"


def test_published_version_has_no_save_buttons_and_shows_its_indicators(admin_client):
    v1 = RuleVersion.objects.get(number=1)
    page = admin_client.get(reverse("admin:segmentation_ruleversion_change", args=[v1.pk])).content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page and 'name="_addanother"' not in page
    assert "月贡献度(元)" in page and "当前价值" in page  # the indicators, read-only, labelled
    draft = services.rule_version_copy(version=v1)
    page = admin_client.get(reverse("admin:segmentation_ruleversion_change", args=[draft.pk])).content.decode()
    assert 'name="_save"' in page


def test_change_log_shows_labels_not_codes(admin_client):
    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    draft.asset_metric = RuleVersion.AssetMetric.AVG3
    draft.dormant_enabled = False
    services.rule_version_save(version=draft)
    services.rule_version_publish(version=draft)
    page = admin_client.get(reverse("admin:segmentation_ruleversion_change", args=[draft.pk])).content.decode()
    log = page[page.index("规则修改记录"):]
    assert "已发布" in log and "草稿" in log and ">published<" not in log and ">draft<" not in log
    assert "资产等级口径" in log and "近3个月日均金融资产" in log and ">avg3<" not in log
    assert "启用睡眠户规则" in log and ">False<" not in log
    assert services.rule_change_value_label("profit_indicators", str(draft.profit_indicators)).startswith(
        "当前价值·月贡献度(元) 权重50% 满分2000")


def test_whatif_affected_list_shows_labels(admin_client, org_tree):
    customer = individual(org_unit=org_tree["OUT-A"])
    fact(customer, aum_avg="60000", max_balance="60000")
    services.month_close(month=MONTH, build_facts=False)
    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    draft.gold_min = Decimal("50000.00")
    services.rule_version_save(version=draft)
    url = reverse("admin:segmentation_ruleversion_whatif", args=[draft.pk])
    # the names are listed for a reader who may see them (issue 10): the admin also holds 管理层 at HQ
    from django.contrib.auth.models import Group

    from crm import roles

    admin = admin_client.get(url).wsgi_request.user
    admin.groups.add(Group.objects.get(name=roles.HQ_MANAGEMENT))
    admin.org_unit = org_tree["HQ"]
    admin.save(update_fields=["org_unit"])
    page = admin_client.get(url, {"month": "2024-06", "customers": "1"}).content.decode()
    assert "普通 → 金卡" in page and "regular → gold" not in page


def test_copy_proposes_the_next_open_month(org_tree):
    v1 = RuleVersion.objects.get(number=1)
    customer = individual(org_unit=org_tree["OUT-A"])
    fact(customer, aum_avg="60000", max_balance="60000")
    services.month_close(month=MONTH, build_facts=False)
    assert services.rule_version_copy(version=v1).effective_month == add_months(MONTH, 1)


def test_copy_as_draft_action_needs_the_copy_right_not_only_the_list(client, admin_client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user(username="viewer", password="x-9fj2k-LONG", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_ruleversion"))
    published = RuleVersion.objects.get(state=RuleVersion.State.PUBLISHED)
    before = RuleVersion.objects.count()
    url = reverse("admin:segmentation_ruleversion_changelist")
    form = {"action": "copy_as_draft", "_selected_action": [published.pk]}
    client.force_login(viewer)
    assert client.post(url, form).status_code == 403
    assert RuleVersion.objects.count() == before
    admin_client.post(url, form)
    assert RuleVersion.objects.count() == before + 1
