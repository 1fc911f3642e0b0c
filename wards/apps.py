from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from chonaikai.cities.texts import labelled


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = labelled(_("%(area)s・地区"))

    def ready(self):
        from chonaikai.cities.texts import use_first_area_code

        from .models import first_ward_code

        use_first_area_code(first_ward_code)
