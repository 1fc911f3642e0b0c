"""OpenAPI extras: the token scheme, and the error responses every operation can give.

Errors are added by a post-processing hook rather than by hand on each view, so that no operation
forgets one: every status the API can answer is documented, with the one error shape.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_COMPONENT = "Error"

ERROR_SCHEMA = {
    "type": "object",
    # Lazy: resolved when the schema is generated, in the language of the request.
    "description": _("エラー応答（すべてのエラーで同じ形）"),
    "properties": {
        "message": {"type": "string", "description": _("利用者向けの説明（選んだ言語、既定は日本語）")},
        "extra": {
            "type": "object",
            "additionalProperties": True,
            "description": _(
                "詳細。入力の誤りは fields（項目名→メッセージの一覧）、"
                "取込・登録の拒否は errors / warnings、回数制限は wait（秒）"
            ),
        },
    },
    "required": ["message", "extra"],
    "example": {
        "message": _("入力内容に誤りがあります。"),
        "extra": {"fields": {"survey_date": [_("日付の形式が違います。")]}},
    },
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(
                _(
                    "APIトークン。「Authorization: Token <APIトークン>」の形で送ります。"
                    "POST /api/v1/auth/token/ で発行します（表示は発行時の一度だけ）。"
                )
            ),
        }


def _error(description) -> dict:
    return {
        "description": str(description),
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}},
    }


def add_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS: the shared Error component and the error statuses of every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            has_query = any(p.get("in") == "query" for p in parameters)
            has_body = "requestBody" in operation
            security = operation.get("security", [])
            public_op = not security or {} in security
            wanted = {}
            if has_query or has_body:
                wanted["400"] = _("入力内容に誤りがあります（extra.fields に項目ごとの理由）。")
            # A wrong, revoked or malformed token is refused even where anonymous access is allowed.
            wanted["401"] = _("認証されていないか、APIトークンが無効です。")
            if not public_op or method != "get":
                wanted["403"] = _("権限がありません。")
            # Any URL can name something that is not there, or outside the caller's scope.
            wanted["404"] = _("見つからないか、権限の範囲外です（範囲外も「見つかりません」と答えます）。")
            if has_body:
                wanted["415"] = _("本文の形式（Content-Type）が受け付けられません。")
            wanted["429"] = _("リクエストが多すぎます（extra.wait 秒後に再試行）。")
            for code, description in wanted.items():
                responses.setdefault(code, _error(description))
    return result
