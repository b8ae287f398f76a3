from django.urls import path

from crm import job_views

app_name = "jobs"

urlpatterns = [
    path("", job_views.job_list, name="list"),
    path("<int:pk>/", job_views.job_detail, name="detail"),
    path("<int:pk>/progress/", job_views.job_progress_fragment, name="progress"),
    path("<int:pk>/cancel/", job_views.job_cancel_view, name="cancel"),
    path("<int:pk>/retry/", job_views.job_retry_view, name="retry"),
]
