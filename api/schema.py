"""OpenAPI extras: the token scheme, the error responses every operation can give, and what makes
the schema usable by strict validators and generated clients; the tags and helpers that the
domains' schema modules (api/<domain>/schema.py) build their operations with.

Post-processing hooks rather than decorators on each view, so that no operation forgets them:
- every status the API can answer is documented, with the one error shape;
- tags are ASCII slugs (generated clients make module names of them), and the Japanese (or chosen
  language's) names become the tags' descriptions;
- a nullable reference (drf-spectacular's `allOf: [$ref]` + `nullable: true`, which OpenAPI 3.0.3
  does not let be null: `nullable` only widens a `type` in the same object) becomes
  `oneOf: [$ref, <null only>]`, which any 3.0.3 validator admits null for.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.negotiation import DefaultContentNegotiation

from chonaikai.cities.texts import labelled

from .serializers import ErrorSerializer

# The operations' tags (translated when the schema is generated), one per domain package.
AUTH_TAG = _("認証")
# The geography tag names the loaded city's levels (区・地区・連合町内会 in a city with wards).
AREA_TAG = labelled(_("%(area)s・地区・%(federation)s"))
ASSOCIATIONS_TAG = _("町内会")
COUNTS_TAG = _("世帯数")
ROUNDS_TAG = _("調査（提出状況）")
STATS_TAG = _("統計")
OPENDATA_TAG = _("オープンデータ")
PROGRAMMES_TAG = _("補助金（制度）")
APPLICATIONS_TAG = _("補助金（申請）")
# Tag → its ASCII slug.
TAG_SLUGS = (
    (AUTH_TAG, "auth"),
    (AREA_TAG, "geography"),
    (ASSOCIATIONS_TAG, "associations"),
    (COUNTS_TAG, "counts"),
    (ROUNDS_TAG, "rounds"),
    (STATS_TAG, "stats"),
    (OPENDATA_TAG, "opendata"),
    (PROGRAMMES_TAG, "subsidy-programmes"),
    (APPLICATIONS_TAG, "subsidy-applications"),
)
# Only null: `nullable` widens the type to null, and the enum leaves null alone.
NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}

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


def tagged(tag):
    """`extend_schema` with the domain's tag filled in: each domain's schema module makes its own."""

    def operation(**kwargs):
        return extend_schema(tags=[tag], **kwargs)

    return operation


def conflict(description) -> OpenApiResponse:
    """A 409 in the one error shape, with what the conflict is."""
    return OpenApiResponse(ErrorSerializer, description=description)


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
            if has_body:
                wanted["413"] = _("本文が大きすぎるか、入れ子が深すぎます。")
            for code, description in wanted.items():
                responses.setdefault(code, _error(description))
    return result


def _operations(result):
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield operation


def slug_tags(result, generator, request, public):
    """POSTPROCESSING_HOOKS: ASCII tag slugs on operations; the names become the tags' descriptions.

    A tag without a slug here (a new view's) gets the first segment of its operation ids, so the
    schema stays ASCII; tests/api/test_contract.py asks for a slug for every tag.
    """
    slugs = {str(name): slug for name, slug in TAG_SLUGS}
    described = {}
    for operation in _operations(result):
        tags = []
        for tag in operation.get("tags", []):
            slug = slugs.get(str(tag)) or str(operation.get("operationId", "api")).split("_")[0]
            described.setdefault(slug, str(tag))
            tags.append(slug)
        operation["tags"] = tags
    order = [slug for _name, slug in TAG_SLUGS]
    result["tags"] = [
        {"name": slug, "description": described[slug]}
        for slug in sorted(described, key=lambda s: (order.index(s) if s in order else len(order), s))
    ]
    return result


def unescape_paths(result, generator, request, public):
    """POSTPROCESSING_HOOKS: a regex route's escaped dot (`entry-sheet\\.xlsx`) is a plain dot in the URL."""
    result["paths"] = {path.replace("\\.", "."): item for path, item in result.get("paths", {}).items()}
    return result


def _nullable_refs(node):
    if isinstance(node, dict):
        all_of = node.get("allOf")
        if node.get("nullable") and isinstance(all_of, list) and len(all_of) == 1 and "type" not in node:
            del node["allOf"], node["nullable"]
            node["oneOf"] = [all_of[0], dict(NULL_ONLY)]
        for value in node.values():
            _nullable_refs(value)
    elif isinstance(node, list):
        for item in node:
            _nullable_refs(item)


def nullable_refs(result, generator, request, public):
    """POSTPROCESSING_HOOKS: `allOf: [$ref]` + `nullable` → `oneOf: [$ref, null]` (OpenAPI 3.0.3)."""
    _nullable_refs(result)
    return result


def _ascii_titles(node):
    if isinstance(node, dict):
        title = node.get("title")
        if isinstance(title, str) and not title.isascii():
            node.pop("title")
            node.setdefault("description", title)
        for key, value in node.items():
            if key not in ("example", "examples"):  # values, not schemas
                _ascii_titles(value)
    elif isinstance(node, list):
        for item in node:
            _ascii_titles(item)


def ascii_titles(result, generator, request, public):
    """POSTPROCESSING_HOOKS: a schema's Japanese `title` (a filter's label) becomes its description.

    Generated clients make class names of titles (openapi-python-client turned the status filter's
    「状態」 into `AssociationsList状態`); the label stays readable as the description.
    """
    _ascii_titles(result.get("paths", {}))
    _ascii_titles(result.get("components", {}).get("schemas", {}))
    return result


class FormatNegotiation(DefaultContentNegotiation):
    """`?format=json` / `?format=yaml` choose the schema's form (the API itself has no ?format=)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return super().select_renderer(
            request, renderers, format_suffix or request.query_params.get("format")
        )


class SchemaView(SpectacularAPIView):
    """The schema, as YAML by default; JSON for `?format=json` or `Accept: application/json`."""

    content_negotiation_class = FormatNegotiation
