from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("客户")

    def ready(self):
        # Staff deactivation (a foundation service) must respect the customers' rules: no orphans.
        from crm.services import staff
        from customers.services.handover import co_maintainer_links_remove, maintainer_deactivation_guard

        staff.deactivation_guard_register(maintainer_deactivation_guard)
        staff.deactivation_cleanup_register(co_maintainer_links_remove)
