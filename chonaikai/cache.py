"""The Redis cache, made to degrade: when Redis does not answer, the site carries on without a cache.

Everything kept in the cache can be computed again (rendered maps, the API's page totals and
throttle counts, import progress), so a Redis outage must not turn pages into errors. Settings
use this backend whenever CACHE_URL is a redis:// address. When a call fails to connect or times
out, the backend behaves like Django's DummyCache (a get misses, a set keeps nothing, an add
reports success) and logs one warning; for the next DOWN_SECONDS it does not try Redis at all,
so a Redis host that has gone silent costs each request nothing rather than a connect timeout
per cache call. The first call after that tries again, and logs when Redis is back.

Short socket timeouts (OPTIONS socket_connect_timeout / socket_timeout in CACHE_URL override
them) bound what one failed call costs.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
# After a failed call, how long (seconds) the backend answers as an empty cache without trying Redis.
DOWN_SECONDS = 5.0
CONNECT_TIMEOUT = 1.0
SOCKET_TIMEOUT = 2.0


class RedisCache(DjangoRedisCache):
    """django.core.cache.backends.redis.RedisCache that misses instead of raising when Redis is down."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        params["OPTIONS"].setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        params["OPTIONS"].setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(server, params)
        self._down_until = 0.0
        self._down = False

    # --- the outage state ---------------------------------------------------------------------

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, operation: str, error: Exception) -> None:
        self._down_until = time.monotonic() + DOWN_SECONDS
        if not self._down:
            self._down = True
            logger.warning(
                "cache: Redis did not answer (%s: %s); carrying on without the cache, retrying every %.0f s",
                operation,
                error,
                DOWN_SECONDS,
            )

    def _call(self, operation: str, fallback, method, *args, **kwargs):
        if not self._available():
            return fallback
        try:
            result = method(*args, **kwargs)
        except UNAVAILABLE as error:
            self._failed(operation, error)
            return fallback
        if self._down:
            self._down = False
            logger.info("cache: Redis answers again")
        return result

    # --- the cache API (the fallbacks are DummyCache's answers) ----------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call("incr", missing, super().incr, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._call("clear", False, super().clear)
