"""Auth pages under /accounts/: Django's URL names (login, logout, password_change, password_reset…)."""

from django.urls import include, path

from . import views

urlpatterns = [
    # Before Django's own patterns so that this name and path resolve to our view.
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]
