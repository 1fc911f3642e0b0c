"""The Celery application.

Without CELERY_BROKER_URL, settings make every task run eagerly in the calling process, so the
demo and the test suite need no broker. With it (Redis in production and CI), a real worker runs them.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chonaikai.settings")

app = Celery("chonaikai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
