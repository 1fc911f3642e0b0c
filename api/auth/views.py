"""API tokens: exchange a password for a token, revoke the current token, manage one's tokens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.accounts import tokens

from ..authentication import ApiTokenAuthentication
from ..errors import ApiError
from ..throttling import AnonThrottle, ClientThrottle, LoginThrottle
from . import schema
from .serializers import (
    ApiTokenSerializer,
    NewTokenSerializer,
    TokenCreateInputSerializer,
    TokenObtainInputSerializer,
    TokenRevokeAllInputSerializer,
    TokenRevokeAllResultSerializer,
)

DEFAULT_TOKEN_NAME = "API"


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

    @schema.OBTAIN
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

    @schema.REVOKE_CURRENT
    def delete(self, request):
        tokens.api_token_revoke(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


@schema.TOKENS
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

    @schema.REVOKE_ALL
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
