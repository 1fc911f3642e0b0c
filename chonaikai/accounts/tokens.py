"""API tokens for scripts: create (the key is shown once), look up by key, revoke.

A user manages their own tokens; a city administrator may create and revoke anyone's (for a
colleague's script, or to cut off a leaked key at once). Keys are stored only as SHA-256 hashes
(see models.ApiToken). Creating and revoking leave a domain event (chonaikai.audit).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

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
        user=user, name=name, key_hash=hash_key(key), prefix=key[:PREFIX_LENGTH], created_by=actor
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        subject=token,
        after={"user": user.get_username(), "name": name, "prefix": token.prefix},
    )
    return token, key


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


def api_token_for_key(key: str) -> ApiToken | None:
    """The active token with this key, its user loaded; None if unknown, revoked or the user is inactive."""
    if not key.startswith(KEY_MARKER):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
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
