"""One error shape for the whole API: {"message": <Japanese sentence>, "extra": {...}}.

- validation errors: extra = {"fields": {<field>: [<message>, …]}} (non_field_errors for the rest)
- rejected imports and entries: extra = {"errors": [<issue>…], "warnings": […]} (ApiError)
- throttling: extra = {"wait": <seconds>}
- everything else: extra = {} (or {"detail": …} where DRF had something specific to say)

Django's Http404, PermissionDenied and ValidationError raised by selectors and services are turned
into their API equivalents here, so views never translate them by hand. Errors are always JSON,
whatever format the endpoint itself produces (CSV, xlsx, GeoJSON).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from chonaikai.queue import QueueUnavailable

from .parsers import BodyTooLarge


class ApiError(exceptions.APIException):
    """An error with its own message and extra, e.g. an import rejected with the rows to fix."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = gettext_lazy("リクエストを処理できませんでした。")

    def __init__(
        self,
        message=None,
        *,
        extra: dict | None = None,
        status_code: int | None = None,
        wait: int | None = None,
    ):
        super().__init__(detail=message)
        self.message = str(self.detail)
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code
        self.wait = wait  # seconds: DRF's handler turns it into a Retry-After header


def _payload(exc: exceptions.APIException) -> dict:
    if isinstance(exc, ApiError):
        return {"message": exc.message, "extra": exc.extra}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if not isinstance(detail, dict):
            detail = {"non_field_errors": detail if isinstance(detail, list) else [detail]}
        return {"message": _("入力内容に誤りがあります。"), "extra": {"fields": _plain(detail)}}
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait) if exc.wait is not None else None
        message = (
            _("リクエストが多すぎます。%(wait)d秒後にもう一度お試しください。") % {"wait": wait}
            if wait is not None
            else _("リクエストが多すぎます。しばらくしてからもう一度お試しください。")
        )
        return {"message": message, "extra": {"wait": wait}}
    if isinstance(exc, exceptions.NotAuthenticated):
        return {
            "message": _(
                "ログインするか、APIトークンを送ってください（Authorization: Token <APIトークン>）。"
            ),
            "extra": {},
        }
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        return {
            "message": _(
                "CSRFトークンを確認できませんでした。ページを読み込み直してやり直すか、APIトークンを使ってください。"
            ),
            "extra": {"detail": str(exc.detail)},
        }
    if isinstance(exc, exceptions.MethodNotAllowed):
        return {"message": _("このURLではこのメソッドは使えません。"), "extra": {}}
    if isinstance(exc, exceptions.ParseError):
        return {
            "message": _("リクエストの本文を読み取れませんでした。形式を確かめてください。"),
            "extra": {"detail": str(exc.detail)},
        }
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return {
            "message": _("この形式（Content-Type）の本文は受け付けていません。"),
            "extra": {"detail": str(exc.detail)},
        }
    if isinstance(exc, exceptions.NotAcceptable):
        return {"message": _("指定された形式（Accept）では応答できません。"), "extra": {}}
    defaults = {
        exceptions.NotFound: _("見つかりません。"),
        exceptions.PermissionDenied: _("この操作を行う権限がありません。"),
        exceptions.AuthenticationFailed: _("認証に失敗しました。"),
    }
    for cls, message in defaults.items():
        if isinstance(exc, cls):
            custom = str(exc.detail) != str(cls.default_detail)
            return {"message": str(exc.detail) if custom else message, "extra": {}}
    return {"message": str(exc.detail), "extra": {}}


def _plain(detail):
    """ErrorDetail trees → plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {str(key): _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(item) for item in detail]
    return str(detail)


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]. Unknown exceptions propagate (500, logged by Django)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args[:1])
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE: 413, not HTML 400
        exc = BodyTooLarge.of(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    elif isinstance(exc, QueueUnavailable):  # Redis down: 503, nothing was started
        exc = ApiError(exc.message, status_code=exc.status_code)
    # DRF's handler sets WWW-Authenticate and Retry-After and rolls back an atomic request.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _payload(exc)
    request = context.get("request")
    if request is not None:
        # CSV, xlsx and GeoJSON endpoints answer errors in JSON too.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


@csrf_exempt  # a POST to an unknown API URL is a 404 in the API's shape, not Django's CSRF page
def not_found(request, path=""):
    """The API's catch-all: a JSON 404 in the same shape, with a hint when only the final slash is missing."""
    extra = {}
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            extra["hint"] = _("URLの末尾に「/」を付けてください: %(path)s/") % {"path": request.path}
    return JsonResponse(
        {"message": _("このURLのAPIはありません。"), "extra": extra},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
