from django.urls import path

from . import compliance_views

app_name = "service_tiers"

urlpatterns: list = [
    path("compliance/", compliance_views.compliance_page, name="compliance"),
]
