from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API under /api/v1/. Owns no models: it calls the domain apps' selectors and services."""

    name = "api"
    verbose_name = _("REST API")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        # Registers the OpenAPI extension that describes token authentication.
        from . import schema  # noqa: F401
        from .token_lifecycle import revoke_tokens_on_password_change

        post_save.connect(
            revoke_tokens_on_password_change,
            sender=get_user_model(),
            dispatch_uid="api-revoke-tokens-on-password-change",
        )
