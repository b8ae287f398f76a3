from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("报表")

    def ready(self) -> None:
        from segmentation import close_steps

        from .aggregates import report_aggregates_build
        from .services import report_packages_for_close

        close_steps.register("report_aggregates", report_aggregates_build)
        close_steps.register("report_packages", report_packages_for_close, after_commit=True)
