"""API tokens for scripts: create (the key is shown once), look up by key, revoke, expire.

A user manages their own tokens; a city administrator may create and revoke anyone's (for a
colleague's script, or to cut off a leaked key at once). Keys are stored only as SHA-256 hashes
(see models.ApiToken). Creating and revoking leave a domain event (chonaikai.audit).

Lifecycle:
- a token expires settings.API_TOKEN_LIFETIME_DAYS after its creation (stored on the token as
  `expires_at`; 0 days: no expiry); an expired token is refused (`TokenExpired`, a 401 in the API);
- `api_tokens_revoke_all` ends all of a user's tokens at once: on request (the API's revoke-all)
  and whenever their password changes. Every page and command that sets a password calls it
  explicitly with whoever changed it (accounts.views: the password change and reset pages;
  accounts.admin: the admin's password form; the changepassword command): whoever held a leaked
  token loses it with the password that was changed because of the leak.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.audit.services import audit_record

from . import policy
from .models import ApiToken

# Keys look like "cnk_<43 url-safe characters>": the marker lets secret scanners and people
# recognise a leaked key; 32 random bytes make guessing pointless.
KEY_MARKER = "cnk_"
KEY_BYTES = 32
PREFIX_LENGTH = 12  # "cnk_" and 8 characters: enough to tell a user's tokens apart
# last_used_at is written at most this often per token, so that reads do not each cost a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


class PasswordChange:
    """Why a user's tokens were all revoked (the audit event's `reason`)."""

    CHANGED = "password_changed"  # by the user, on the password change page
    RESET = "password_reset"  # through the emailed reset link
    CHANGED_BY_ADMIN = "password_changed_by_admin"  # on the admin's password form
    COMMAND = "password_changed_by_command"  # manage.py changepassword
    REQUESTED = "requested"  # revoke-all, by the user or a city administrator


class TokenExpired(Exception):
    """The key names a token whose expiry has passed."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def can_manage_api_tokens(actor, owner) -> bool:
    """Create or revoke `owner`'s tokens: the owner themselves (while active) or a city administrator."""
    if actor is None or owner is None or not actor.is_authenticated or not actor.is_active:
        return False
    return actor.pk == owner.pk or policy.is_city_admin(actor)


def api_tokens_visible_to(user) -> QuerySet[ApiToken]:
    """Tokens the user may list: their own; every token for a city administrator."""
    if policy.is_city_admin(user):
        return ApiToken.objects.all()
    if user is None or not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user.pk)


@transaction.atomic
def api_token_create(*, actor, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user` and its key, which is not stored and cannot be shown again.

    `actor` None is the command line (the server's operator).
    """
    if actor is not None and not can_manage_api_tokens(actor, user):
        raise PermissionDenied(_("この利用者のAPIトークンを作成する権限がありません。"))
    if not user.is_active:
        raise ValidationError({"user": [_("無効になっている利用者にはAPIトークンを作成できません。")]})
    name = (name or "").strip()
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": [_("名前は100文字以内にしてください。")]})
    key = KEY_MARKER + secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_key(key),
        prefix=key[:PREFIX_LENGTH],
        created_by=actor,
        expires_at=expiry_from(timezone.now()),
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        subject=token,
        after={
            "user": user.get_username(),
            "name": name,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
        },
    )
    return token, key


def expiry_from(created_at: dt.datetime) -> dt.datetime | None:
    """When a token made at `created_at` expires: settings.API_TOKEN_LIFETIME_DAYS later (0: never)."""
    days = settings.API_TOKEN_LIFETIME_DAYS
    return created_at + dt.timedelta(days=days) if days else None


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token from now on. Revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if actor is not None and not can_manage_api_tokens(actor, token.user):
        raise PermissionDenied(_("このAPIトークンを失効させる権限がありません。"))
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="api_token.revoked",
        subject=token,
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at, "user": token.user.get_username(), "prefix": token.prefix},
    )
    return token


@transaction.atomic
def api_tokens_revoke_all(*, actor, owner, reason: str) -> int:
    """Revoke every active token of `owner`; how many were revoked.

    One audit event on the user (`api_token.revoked_all`, with the number and `reason`, one of
    PasswordChange) besides each token's own. `actor`: who changed the password or asked (the user
    themselves, a city administrator, a superuser in the admin); None for the server's operator.
    Permission is the caller's business: a password change may only be made by those allowed to.
    """
    active = list(
        ApiToken.objects.select_for_update().filter(user=owner, revoked_at__isnull=True).order_by("pk")
    )
    now = timezone.now()
    for token in active:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            subject=token,
            before={"revoked_at": None},
            after={"revoked_at": now, "user": owner.get_username(), "prefix": token.prefix},
            comment=reason,
        )
    audit_record(
        actor=actor,
        action="api_token.revoked_all",
        subject=owner,
        after={"revoked": len(active), "reason": reason},
    )
    return len(active)


def api_token_for_key(key: str) -> ApiToken | None:
    """The usable token with this key, its user loaded; None if unknown, revoked or the user is
    inactive. Raises TokenExpired for a token past its expiry (so that the caller can say so)."""
    if not key.startswith(KEY_MARKER):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.is_expired:
        raise TokenExpired
    return token


def api_token_touch(token: ApiToken) -> None:
    """Record that the token was used, at most once per LAST_USED_RESOLUTION (not audited)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    # A plain UPDATE of one column: no row history is kept for tokens, and a read must not race
    # a revocation by saving the whole row back.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
