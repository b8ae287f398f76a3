from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceTiersConfig(AppConfig):
    name = "service_tiers"
    verbose_name = _("服务维护")
