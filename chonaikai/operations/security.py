"""Helpers for the security settings: the client address used by login throttling (django-axes)."""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str | None:
    """The address of the client that sent `request`, as far as this site can trust it.

    With no proxy in front (TRUSTED_PROXY_COUNT 0) that is REMOTE_ADDR. Behind N proxies (a load
    balancer, a TLS terminator) each proxy appends the address it received from to
    X-Forwarded-For, so the client is the N-th entry from the right: entries further left were
    written by the client itself and could be anything, which is why the header is never read
    without a configured count.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
