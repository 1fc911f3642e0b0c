from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssociationsConfig(AppConfig):
    name = "chonaikai.associations"
    label = "associations"
    verbose_name = _("町内会・自治会")

    def ready(self):
        from wards.boundaries import BOUNDARY_AREAS
        from wards.boundaries.common import ASSOCIATION

        from .boundary_areas import association_areas

        BOUNDARY_AREAS[ASSOCIATION].register(association_areas)
