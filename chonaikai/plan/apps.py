from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanConfig(AppConfig):
    name = "chonaikai.plan"
    label = "plan"
    verbose_name = _("計画の成果指標")
