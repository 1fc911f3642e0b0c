from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "maps"
    verbose_name = _("地図")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from chonaikai.associations.models import Association, HouseholdCount, Target
        from chonaikai.associations.stats.services import counts_changed
        from wards.models import District, Ward, WardBoundary

        from .cache import bump_data_version, bump_sections_version

        # Signals only invalidate cached maps (STYLE.md: side effects such as cache invalidation).
        # Counts (one saved or deleted, or any number through services.summaries: imports, the
        # entry grid, the demo data) make the map pages stale but no rendered map: a map's key holds
        # a fingerprint of the figures it draws, so only maps whose figures changed are drawn again.
        # Names, an association's district, the plan's targets and the ward boundaries are drawn
        # too and make every map stale. District and association boundaries need no signal: their
        # version is part of the cache keys (cache.boundaries_version).
        counts_changed.connect(bump_sections_version, dispatch_uid="maps-invalidate-counts-changed")
        for model in (HouseholdCount,):
            uid = f"maps-invalidate-{model._meta.label_lower}"
            post_save.connect(bump_sections_version, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(bump_sections_version, sender=model, dispatch_uid=f"{uid}-delete")
        for model in (WardBoundary, Association, District, Ward, Target):
            uid = f"maps-invalidate-{model._meta.label_lower}"
            post_save.connect(bump_data_version, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(bump_data_version, sender=model, dispatch_uid=f"{uid}-delete")
        checks.register(check_shared_cache, checks.Tags.caches)


def check_shared_cache(app_configs=None, **kwargs):
    """With a real Celery worker, maps are rendered in another process: the cache must be shared."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True) and backend.endswith(
        ("LocMemCache", "DummyCache")
    ):
        return [
            checks.Warning(
                "Maps are rendered by the Celery worker but CACHES is local to each process, so pages "
                "never see the rendered maps.",
                hint="Set CACHE_URL to a shared cache (e.g. redis://…) when CELERY_BROKER_URL is set.",
                id="maps.W001",
            )
        ]
    return []
