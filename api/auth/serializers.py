"""API tokens: the password exchange, management of one's tokens, revocation."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chonaikai.accounts.models import ApiToken

from ..fields import StrictCharField


class TokenObtainInputSerializer(serializers.Serializer):
    username = StrictCharField(help_text=_("ユーザー名"))
    password = StrictCharField(style={"input_type": "password"}, trim_whitespace=False)
    name = StrictCharField(
        required=False, allow_blank=True, max_length=100, help_text=_("トークンの名前（用途）")
    )


class TokenCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(required=False, allow_blank=True, max_length=100)
    user = StrictCharField(
        required=False, help_text=_("発行先のユーザー名（市の管理者のみ。省略すると自分）")
    )


class TokenRevokeAllInputSerializer(serializers.Serializer):
    user = StrictCharField(
        required=False,
        help_text=_("トークンを失効させる利用者のユーザー名（市の管理者のみ。省略すると自分）"),
    )


class TokenRevokeAllResultSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text=_("失効させたトークンの数"))


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "user",
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
            "expires_at",
            "is_active",
        ]
        read_only_fields = fields


class NewTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text=_("APIトークン。表示はこの一度だけです"))

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields
