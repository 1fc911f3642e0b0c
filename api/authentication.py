"""Token authentication for scripts: `Authorization: Token <key>`, keys hashed at rest.

Browsers use DRF's SessionAuthentication (the site's login, with CSRF checks on writes) beside it.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from chonaikai.accounts import tokens


class ApiTokenAuthentication(BaseAuthentication):
    """request.user is the token's user and request.auth the ApiToken; a bad token is a 401, never anonymous."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # another scheme, or none: let the next authenticator (session) try
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Authorization ヘッダーは「Token <APIトークン>」の形で送ってください。")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("APIトークンに使えない文字が含まれています。")) from None
        try:
            token = tokens.api_token_for_key(key)
        except tokens.TokenExpired:
            raise exceptions.AuthenticationFailed(
                _("APIトークンの有効期限が切れています。新しいトークンを発行してください。")
            ) from None
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("APIトークンが無効です（誤っているか、失効しているか、利用者が無効になっています）。")
            )
        tokens.api_token_touch(token)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to unauthenticated requests, with this challenge.
        return self.keyword
