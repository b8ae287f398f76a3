from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def standards_defaults_after_migrate(sender, **kwargs):
    """After a flush (transactional tests) the shipped standards come back, as the role groups do."""
    from .defaults import standards_defaults_create

    standards_defaults_create(apps)


class ServiceTiersConfig(AppConfig):
    name = "service_tiers"
    verbose_name = _("服务维护")

    def ready(self):
        from customers.services.handover import handover_follower_register
        from segmentation import close_steps

        from .generation import handover_tasks_follow, month_tasks_generate

        # After the close commits, in the generator's own transaction: tasks are derived and idempotent, so a
        # failure must not roll back a million assignments (it is logged; generate_tasks catches up), and the
        # close does not hold its locks while a million tasks are written.
        close_steps.register("tasks", month_tasks_generate, after_commit=True)
        handover_follower_register("service_tasks", handover_tasks_follow)
        post_migrate.connect(standards_defaults_after_migrate, sender=self,
                             dispatch_uid="service_tiers.standards_defaults")
