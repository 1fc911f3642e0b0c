"""JSON bodies with limits: a bounded size and a bounded nesting depth, so that no body is a 500.

Python's json module recurses once per nesting level: a body of 100,000 "[" raises RecursionError
deep inside the decoder (a 500, and a stack's worth of work for a few hundred kilobytes sent). The
depth is therefore counted before decoding, on the brackets outside strings only. The size is
bounded twice: DRF reads a JSON body through request.body, where Django's
DATA_UPLOAD_MAX_MEMORY_SIZE refuses a larger one (RequestDataTooBig, which api.errors answers as
the same 413), and this parser reads no more than API_JSON_MAX_BYTES of any stream it is given.

No API body needs more than a few levels (the deepest, a ward's counts grid, has three).
"""

from __future__ import annotations

import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

DEFAULT_MAX_DEPTH = 32

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class BodyTooLarge(exceptions.APIException):
    """413 in the API's error shape (api.errors answers any APIException with its message)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE

    @classmethod
    def of(cls, limit: int) -> BodyTooLarge:
        return cls(_("本文が大きすぎます（上限 %(limit)s バイト）。") % {"limit": f"{limit:,}"})


def max_depth() -> int:
    return getattr(settings, "API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def max_bytes() -> int:
    return getattr(settings, "API_JSON_MAX_BYTES", None) or settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects in `text` nest deeper than `limit` (brackets inside strings ignored)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) <= limit:  # cannot nest deeper than it has brackets: most bodies stop here
        return False
    # The running depth, in C loops (accumulate, map) rather than a Python loop over the body.
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


class LimitedJSONParser(JSONParser):
    """REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]: DRF's JSON parser with a size and a depth limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)  # as DRF's get_encoding
        limit = max_bytes()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise BodyTooLarge.of(limit)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        depth = max_depth()
        if nesting_exceeds(text, depth):
            raise exceptions.ParseError(
                _("JSONの入れ子が深すぎます（上限 %(depth)d 段）。") % {"depth": depth}
            )
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
