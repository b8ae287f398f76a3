from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from crm.home_views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("customers/import/", include("customers.import_urls")),
    path("customers/", include("customers.urls")),
    path("", include("customers.access_urls")),
    path("", include("service_tiers.urls")),
    path("reports/", include("reports.urls")),
    path("jobs/", include("crm.job_urls")),
    path("admin/", admin.site.urls),
]
