from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from crm.home_views import favicon, home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Own templates (not registration/…): those names would also restyle the admin's password pages.
    path("accounts/password/", auth_views.PasswordChangeView.as_view(
        template_name="crm/password_change_form.html"), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="crm/password_change_done.html"), name="password_change_done"),
    # Pages that do not name their icon (Django admin) make the browser ask for /favicon.ico.
    path("favicon.ico", favicon, name="favicon"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("customers/import/", include("customers.import_urls")),
    path("customers/", include("customers.urls")),
    path("", include("customers.access_urls")),
    path("", include("service_tiers.urls")),
    path("reports/", include("reports.urls")),
    path("jobs/", include("crm.job_urls")),
    path("admin/", admin.site.urls),
]
