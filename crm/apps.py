from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def sync_role_permissions_after_migrate(sender, using="default", **kwargs):
    """Re-assign role permissions once per `migrate`, after the last app has created its permissions."""
    # post_migrate is sent once per app that has a models module; act on the last one only.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if not with_models or sender is not with_models[-1]:
        return
    from django.contrib.auth.models import Group, Permission

    from crm.roles import assign_role_permissions

    assign_role_permissions(group_model=Group, permission_model=Permission)


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("机构与人员")

    def ready(self):
        from crm import signals  # noqa: F401  (login/logout audit)

        post_migrate.connect(sync_role_permissions_after_migrate, dispatch_uid="crm.sync_role_permissions")
