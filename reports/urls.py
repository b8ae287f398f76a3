from django.urls import path

from . import views

app_name = "reports"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("archive/<int:pk>/download/", views.download, name="download"),
]
