from django.urls import path

from . import package_views, views

app_name = "reports"

urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("", package_views.index, name="index"),
    path("generate/", package_views.generate, name="generate"),
    path("archive/<int:pk>/download/", package_views.download, name="download"),
]
