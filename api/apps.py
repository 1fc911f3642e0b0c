from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API under /api/v1/. Owns no models: it calls the domain apps' selectors and services."""

    name = "api"
    verbose_name = _("REST API")

    def ready(self):
        # Registers the OpenAPI extension that describes token authentication.
        from . import schema  # noqa: F401
