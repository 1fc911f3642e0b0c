from django.apps import AppConfig


class AuthCommandsConfig(AppConfig):
    """Django's auth commands as this project runs them: `changepassword` also revokes the user's API
    tokens. A separate app only because a command overrides Django's when its app comes before
    django.contrib.auth in INSTALLED_APPS, and chonaikai.accounts cannot (its admin replaces the
    User admin that django.contrib.auth registers first)."""

    name = "chonaikai.accounts.auth_commands"
    label = "accounts_auth_commands"
