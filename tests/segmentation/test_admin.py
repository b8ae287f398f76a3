"""Admin pages: read-only published versions, what-if page, publish refusal, the month-close page."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

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
    data.update({"profit_indicators": form["profit_indicators"].value(),
                 "stability_indicators": form["stability_indicators"].value(),
                 "effective_month": "2024-07-01", "gold_min": "2000000", "RuleVersionChange_changes-TOTAL_FORMS": "0",
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
    assert customer.customer_no in response.content.decode()
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
