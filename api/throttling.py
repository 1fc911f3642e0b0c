"""Rate limits for anonymous clients, signed-in clients (per token or per user) and password exchange.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (settings, from the environment) and are
read on every request rather than once at import as DRF's classes do, so that a changed setting
(tests use override_settings) takes effect. A rate of None switches a limit off.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class _RateFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    """Anonymous clients, per IP address."""

    scope = "anon"


class ClientThrottle(_RateFromSettings, SimpleRateThrottle):
    """Signed-in clients: per token for scripts (each key has its own budget), else per user."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # AnonThrottle's business
        token = getattr(request.auth, "pk", None)
        ident = f"token-{token}" if token is not None else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginThrottle(_RateFromSettings, SimpleRateThrottle):
    """Exchanging a password for a token, per IP address: slows down password guessing."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
