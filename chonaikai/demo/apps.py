from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The labelled sample data (`manage.py seed_demo`): the top of the layers (README, Architecture).

    It may use every app; no app imports it (only the tests, the benchmarks and `make demo`)."""

    name = "chonaikai.demo"
    label = "demo"
    verbose_name = _("サンプルデータ")
