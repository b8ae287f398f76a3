from django.urls import path

from . import import_views

app_name = "customers_import"

urlpatterns = [
    path("", import_views.import_index, name="index"),
    path("upload/<str:kind>/", import_views.import_upload, name="upload"),
    path("confirm/", import_views.import_confirm, name="confirm"),
    path("cancel/", import_views.import_cancel, name="cancel"),
    path("template/<str:kind>.xlsx", import_views.import_template, name="template"),
]
