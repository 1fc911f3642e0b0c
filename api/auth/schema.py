"""OpenAPI documentation of the API tokens' endpoints."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_view

from ..schema import AUTH_TAG, tagged
from .serializers import (
    NewTokenSerializer,
    TokenCreateInputSerializer,
    TokenObtainInputSerializer,
    TokenRevokeAllInputSerializer,
    TokenRevokeAllResultSerializer,
)

operation = tagged(AUTH_TAG)

NEW_TOKEN_EXAMPLE = OpenApiExample(  # i18n: data (sample values)
    gettext_lazy("発行"),
    value={
        "token": "cnk_3q2Z…（発行時に一度だけ表示）",
        "id": 12,
        "user": "kita_staff",
        "name": "集計スクリプト",
        "prefix": "cnk_3q2Zr8Xa",
        "created_at": "2025-01-10T09:00:00+09:00",
        "last_used_at": None,
        "revoked_at": None,
        "expires_at": "2025-04-10T09:00:00+09:00",
        "is_active": True,
    },
    response_only=True,
)

OBTAIN = operation(
    summary=gettext_lazy("APIトークンの発行（ユーザー名とパスワード）"),
    operation_id="auth_token_obtain",
    description=gettext_lazy(
        "ユーザー名とパスワードを送ると、新しいAPIトークンを返します。トークンはこの応答で一度だけ"
        "表示され、サーバーにはハッシュしか残りません。以後のリクエストに"
        "「Authorization: Token <APIトークン>」を付けてください。パスワードの総当たりを防ぐため、"
        "回数の制限が厳しくなっています。トークンは expires_at（発行から API_TOKEN_LIFETIME_DAYS 日、"
        "null は無期限）を過ぎると 401 になり、パスワードを変更・再設定するとすべて失効します。"
    ),
    request=TokenObtainInputSerializer,
    responses={201: NewTokenSerializer},
    auth=[],
    examples=[
        OpenApiExample(
            gettext_lazy("発行"),
            value={"username": "kita_staff", "password": "…", "name": "集計スクリプト"},  # i18n: data
            request_only=True,
        ),
        NEW_TOKEN_EXAMPLE,
    ],
)

REVOKE_CURRENT = operation(
    summary=gettext_lazy("使用中のAPIトークンを失効"),
    operation_id="auth_token_revoke_current",
    description=gettext_lazy(
        "このリクエストの Authorization ヘッダーのトークンを失効させます。以後そのトークンは 401 になります。"
    ),
    request=None,
    responses={204: OpenApiResponse(description=gettext_lazy("失効しました"))},
)

TOKENS = extend_schema_view(
    list=operation(
        summary=gettext_lazy("APIトークンの一覧"),
        description=gettext_lazy(
            "自分のトークン（市の管理者はすべての利用者のトークン）。キーそのものは返しません。"
        ),
    ),
    create=operation(
        summary=gettext_lazy("APIトークンの発行（ログイン中の利用者）"),
        description=gettext_lazy(
            "ログイン中（セッション）の利用者に新しいトークンを発行します。APIトークンでの認証では発行できません"
            "（403）。市の管理者は user にユーザー名を指定して、ほかの利用者のトークンを発行できます。"
            "トークンは一度だけ表示されます。"
        ),
        request=TokenCreateInputSerializer,
        responses={201: NewTokenSerializer},
        examples=[NEW_TOKEN_EXAMPLE],
    ),
    destroy=operation(
        summary=gettext_lazy("APIトークンを失効"),
        description=gettext_lazy(
            "自分のトークン（市の管理者はどのトークンでも）を失効させます。ほかの人のトークンは 404 です。"
        ),
        responses={204: OpenApiResponse(description=gettext_lazy("失効しました"))},
    ),
)

REVOKE_ALL = operation(
    summary=gettext_lazy("APIトークンをすべて失効"),
    description=gettext_lazy(
        "自分の有効なトークンをすべて（このリクエストのトークンも）失効させます。市の管理者は user に"
        "ユーザー名を指定して、ほかの利用者のトークンをすべて失効させられます（ほかの人は 404）。"
    ),
    request=TokenRevokeAllInputSerializer,
    responses={200: TokenRevokeAllResultSerializer},
)
