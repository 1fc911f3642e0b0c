"""Login, logout and password pages are Django's auth views; this adjusts only the reset request."""

from django.conf import settings
from django.contrib.auth import views as auth_views

from .forms import PasswordResetForm


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    @property
    def extra_email_context(self):
        return {"site_title": settings.SITE_TITLE, "city_name": settings.CITY_NAME}
