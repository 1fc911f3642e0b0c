"""Ending a user's API tokens at once: on request (revoke-all), and when their password changes.

A password change or reset revokes the user's API tokens.

Whoever had a token, leaked with or without the password, loses it with the password that was
changed because of the leak. Every way a password is set goes through User.save() after
set_password() (the password change and reset pages, the admin, the account services), and
AbstractBaseUser keeps the new raw password in `_password` until its post-save bookkeeping, so the
receiver sees exactly the saves that set a password; other saves (an e-mail change) keep the tokens.
"""

from __future__ import annotations

from chonaikai.accounts import tokens


def revoke_all_tokens(*, actor, owner) -> int:
    """Revoke every active token of `owner` (each with its audit row); how many were revoked.

    (A service that belongs beside api_token_revoke in chonaikai.accounts.tokens; here because the
    API owns this change.)
    """
    active = list(tokens.api_tokens_visible_to(owner).filter(user=owner, revoked_at__isnull=True))
    for token in active:
        tokens.api_token_revoke(actor=actor, token=token)
    return len(active)


def revoke_tokens_on_password_change(sender, instance, created, **kwargs):
    """post_save of the user model: a new password revokes every active token of that user."""
    if created or getattr(instance, "_password", None) is None:
        return
    revoke_all_tokens(actor=None, owner=instance)  # None: no signed-in actor is known here
