from django.urls import path

from . import compliance_views, views

app_name = "service_tiers"

urlpatterns: list = [
    path("compliance/", compliance_views.compliance_page, name="compliance"),
    path("my-day/", views.my_day, name="my_day"),
    path("tasks/<int:pk>/<slug:action>/", views.task_action, name="task_action"),
    path("team/tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
    path("team/tasks/", views.team_tasks, name="team_tasks"),
    path("my-tasks/", views.my_tasks, name="my_tasks"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/bulk/", views.customer_bulk, name="customer_bulk"),
]
