"""Auth pages under /accounts/: Django's URL names (login, logout, password_change, password_reset…)."""

from django.urls import include, path

from . import views

urlpatterns = [
    # Before Django's own patterns so that these names and paths resolve to our views.
    path("login/", views.LoginView.as_view(), name="login"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("", include("django.contrib.auth.urls")),
]
