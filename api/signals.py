"""A password change or reset revokes the user's API tokens.

Whoever had a token, leaked with or without the password, loses it with the password that was
changed because of the leak. Every way a password is set goes through User.save() after
set_password() (the password change and reset pages, the admin, the account services), and
AbstractBaseUser keeps the new raw password in `_password` until its post-save bookkeeping, so the
receiver sees exactly the saves that set a password; other saves (an e-mail change) keep the tokens.
"""

from __future__ import annotations

from chonaikai.accounts import tokens


def revoke_tokens_on_password_change(sender, instance, created, **kwargs):
    """post_save of the user model: a new password revokes every active token of that user."""
    if created or getattr(instance, "_password", None) is None:
        return
    for token in tokens.api_tokens_visible_to(instance).filter(user=instance, revoked_at__isnull=True):
        tokens.api_token_revoke(actor=None, token=token)
