from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentationConfig(AppConfig):
    name = "segmentation"
    verbose_name = _("客户分层")

    def ready(self) -> None:
        from customers.closed_months import closed_month_check_register

        from .models import MonthClose

        # The balances import (customers) refuses a closed month; closing is ours.
        closed_month_check_register(
            lambda month: MonthClose.objects.filter(month=month, state=MonthClose.State.CLOSED).exists())
