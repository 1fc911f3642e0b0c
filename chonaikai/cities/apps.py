from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesConfig(AppConfig):
    name = "chonaikai.cities"
    label = "cities"
    verbose_name = _("市町村のプロファイル")

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from chonaikai.cities import current, texts
        from chonaikai.cities.models import City

        texts.label_models_with_city_words()

        post_save.connect(current.forget, sender=City, dispatch_uid="cities.forget_on_save")
        post_delete.connect(current.forget, sender=City, dispatch_uid="cities.forget_on_delete")
        # After forget: the names are written with the city just saved.
        post_save.connect(
            texts.name_permissions_with_city_words, sender=City, dispatch_uid="cities.name_permissions"
        )
        post_migrate.connect(texts.name_permissions_with_city_words, dispatch_uid="cities.name_permissions")
