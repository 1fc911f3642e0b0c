"""WSGI entry point (gunicorn chonaikai.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chonaikai.settings")
application = get_wsgi_application()
