from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from chonaikai.cities.texts import labelled


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = labelled(_("%(area)s・地区"))

    def ready(self):
        from chonaikai.cities.texts import FIRST_AREA_CODE

        from .models import first_ward_code

        FIRST_AREA_CODE.register(first_ward_code)
