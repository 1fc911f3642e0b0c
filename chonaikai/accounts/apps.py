from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "chonaikai.accounts"
    label = "accounts"
    verbose_name = _("利用者と権限")

    def ready(self):
        from chonaikai.audit.services import ACTOR_NAMER

        from .names import name_to_store

        ACTOR_NAMER.register(name_to_store)
