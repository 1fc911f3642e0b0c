"""API tokens: exchange a password for a token, revoke the current token, manage one's tokens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.accounts import tokens

from ..authentication import ApiTokenAuthentication
from ..errors import ApiError
from ..serializers import (
    ApiTokenSerializer,
    NewTokenSerializer,
    TokenCreateInputSerializer,
    TokenObtainInputSerializer,
    TokenRevokeAllInputSerializer,
    TokenRevokeAllResultSerializer,
)
from ..throttling import AnonThrottle, ClientThrottle, LoginThrottle

TAGS = [gettext_lazy("認証")]
DEFAULT_TOKEN_NAME = "API"

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


class TokenView(APIView):
    """POST: the password for a new token (no session, so no CSRF). DELETE: revoke the token in use."""

    def initialize_request(self, request, *args, **kwargs):
        self._method = request.method
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        if getattr(self, "_method", None) == "POST":
            return []
        return [ApiTokenAuthentication()]

    def get_permissions(self):
        if getattr(self, "_method", None) == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        if getattr(self, "_method", None) == "POST":
            return [LoginThrottle(), AnonThrottle()]
        return [ClientThrottle()]

    @extend_schema(
        summary=gettext_lazy("APIトークンの発行（ユーザー名とパスワード）"),
        operation_id="auth_token_obtain",
        description=gettext_lazy(
            "ユーザー名とパスワードを送ると、新しいAPIトークンを返します。トークンはこの応答で一度だけ"
            "表示され、サーバーにはハッシュしか残りません。以後のリクエストに"
            "「Authorization: Token <APIトークン>」を付けてください。パスワードの総当たりを防ぐため、"
            "回数の制限が厳しくなっています。トークンは expires_at（発行から API_TOKEN_LIFETIME_DAYS 日、"
            "null は無期限）を過ぎると 401 になり、パスワードを変更・再設定するとすべて失効します。"
        ),
        tags=TAGS,
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
    def post(self, request):
        data = TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = authenticate(request._request, username=values["username"], password=values["password"])
        if getattr(request._request, "axes_locked_out", False):
            # django-axes refused a locked-out username and address. Its middleware would replace
            # any response with the HTML lockout page; an API client gets the JSON error instead.
            request._request.axes_locked_out = False
            wait = int(getattr(settings, "AXES_COOLOFF_TIME", dt.timedelta(minutes=30)).total_seconds())
            raise ApiError(
                getattr(settings, "AXES_COOLOFF_MESSAGE", None)
                or _(
                    "ログインに続けて失敗したため、一時的に停止しています。しばらくしてからお試しください。"
                ),
                extra={"wait": wait},
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                wait=wait,
            )
        if user is None:
            raise ApiError(_("ユーザー名またはパスワードが正しくありません（または利用者が無効です）。"))
        token, key = tokens.api_token_create(
            actor=user, user=user, name=values.get("name") or DEFAULT_TOKEN_NAME
        )
        token.token = key
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("使用中のAPIトークンを失効"),
        operation_id="auth_token_revoke_current",
        description=gettext_lazy(
            "このリクエストの Authorization ヘッダーのトークンを失効させます。以後そのトークンは 401 になります。"
        ),
        tags=TAGS,
        request=None,
        responses={204: OpenApiResponse(description=gettext_lazy("失効しました"))},
    )
    def delete(self, request):
        tokens.api_token_revoke(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("APIトークンの一覧"),
        description=gettext_lazy(
            "自分のトークン（市の管理者はすべての利用者のトークン）。キーそのものは返しません。"
        ),
        tags=TAGS,
    ),
    create=extend_schema(
        summary=gettext_lazy("APIトークンの発行（ログイン中の利用者）"),
        description=gettext_lazy(
            "ログイン中（セッション）の利用者に新しいトークンを発行します。APIトークンでの認証では発行できません"
            "（403）。市の管理者は user にユーザー名を指定して、ほかの利用者のトークンを発行できます。"
            "トークンは一度だけ表示されます。"
        ),
        tags=TAGS,
        request=TokenCreateInputSerializer,
        responses={201: NewTokenSerializer},
        examples=[NEW_TOKEN_EXAMPLE],
    ),
    destroy=extend_schema(
        summary=gettext_lazy("APIトークンを失効"),
        description=gettext_lazy(
            "自分のトークン（市の管理者はどのトークンでも）を失効させます。ほかの人のトークンは 404 です。"
        ),
        tags=TAGS,
        responses={204: OpenApiResponse(description=gettext_lazy("失効しました"))},
    ),
)
class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_queryset(self):
        return tokens.api_tokens_visible_to(self.request.user).select_related("user")

    def create(self, request):
        if isinstance(request.successful_authenticator, ApiTokenAuthentication):
            # A leaked token must not outlive its revocation by minting another: a password or a session.
            raise ApiError(
                _(
                    "APIトークンでは新しいトークンを発行できません。ログインした画面から、"
                    "またはパスワードで（POST /api/v1/auth/token/）発行してください。"
                ),
                status_code=status.HTTP_403_FORBIDDEN,
            )
        data = TokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        owner = request.user
        if values.get("user"):
            User = get_user_model()
            owner = get_object_or_404(User._default_manager, **{User.USERNAME_FIELD: values["user"]})
            if not tokens.can_manage_api_tokens(request.user, owner):
                raise ApiError(_("見つかりません。"), status_code=404)  # as for a missing user
        token, key = tokens.api_token_create(
            actor=request.user, user=owner, name=values.get("name") or DEFAULT_TOKEN_NAME
        )
        token.token = key
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("APIトークンをすべて失効"),
        description=gettext_lazy(
            "自分の有効なトークンをすべて（このリクエストのトークンも）失効させます。市の管理者は user に"
            "ユーザー名を指定して、ほかの利用者のトークンをすべて失効させられます（ほかの人は 404）。"
        ),
        tags=TAGS,
        request=TokenRevokeAllInputSerializer,
        responses={200: TokenRevokeAllResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="revoke-all")
    def revoke_all(self, request):
        data = TokenRevokeAllInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = request.user
        if data.validated_data.get("user"):
            User = get_user_model()
            owner = get_object_or_404(
                User._default_manager, **{User.USERNAME_FIELD: data.validated_data["user"]}
            )
            if not tokens.can_manage_api_tokens(request.user, owner):
                raise ApiError(_("見つかりません。"), status_code=404)  # as for a missing user
        revoked = tokens.api_tokens_revoke_all(
            actor=request.user, owner=owner, reason=tokens.PasswordChange.REQUESTED
        )
        return Response(TokenRevokeAllResultSerializer({"revoked": revoked}).data)

    def destroy(self, request, pk=None):
        token = self.get_object()  # 404 for other people's tokens
        tokens.api_token_revoke(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
