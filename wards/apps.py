from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = _("区・地区")

    def ready(self):
        from chonaikai.cities.texts import use_first_area_code

        from .models import first_ward_code

        use_first_area_code(first_ward_code)
