from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssociationsConfig(AppConfig):
    name = "chonaikai.associations"
    label = "associations"
    verbose_name = _("町内会・自治会")
