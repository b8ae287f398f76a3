from django.urls import path

from customers import access_views

app_name = "access"

urlpatterns = [
    path("customers/<int:pk>/reveal/", access_views.customer_reveal_view, name="reveal"),
    path("customers/<int:pk>/grants/", access_views.customer_grant_view, name="grant"),
    path("customers/<int:pk>/grants/<int:user_id>/revoke/", access_views.customer_revoke_view, name="revoke"),
    path("handovers/", access_views.handover_list, name="handover_list"),
    path("handovers/new/", access_views.handover_create, name="handover_create"),
    path("handovers/<int:pk>/", access_views.handover_detail, name="handover_detail"),
    path("audit/", access_views.access_log, name="access_log"),
]
