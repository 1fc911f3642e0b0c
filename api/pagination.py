"""Page-number pagination with a bounded, strictly checked page size."""

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 200
# Lists longer than this keep their total in the cache for COUNT_CACHE_SECONDS (see CountCachingPaginator).
EXACT_COUNT_MAX = 10_000
COUNT_CACHE_SECONDS = 60


class CountCachingPaginator(Paginator):
    """Django's paginator, with the total of a long list counted once a minute rather than per page.

    COUNT(*) over 300,000 associations takes 20–25 ms on PostgreSQL: half the 50 ms a page may take
    (the page itself, 50 rows with their latest counts, takes 2 ms; bench/README.md), and it grows
    with the table. So a total above EXACT_COUNT_MAX is kept in the cache under its query, for
    COUNT_CACHE_SECONDS: such a total may be up to that long out of date after an association is
    added, which nobody paging through tens of thousands of rows can tell. Shorter lists — a ward's,
    a search's — are counted on every request and always exact.
    """

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        try:
            sql = str(query)
        except EmptyResultSet:  # queryset.none(), e.g. a role that sees nothing: no query to key by
            return super().count
        key = "api:count:" + hashlib.sha256(sql.encode()).hexdigest()
        total = cache.get(key)
        if total is None:
            total = super().count
            if total > EXACT_COUNT_MAX:
                cache.set(key, total, COUNT_CACHE_SECONDS)
        return total


class Pagination(PageNumberPagination):
    django_paginator_class = CountCachingPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_page_message = _("ページ「{page_number}」はありません。")

    def get_page_size(self, request):
        # DRF silently falls back to the default for a bad page_size; a script that asked for 500
        # rows and got 200 would not notice, so say so instead.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("1以上%(max)d以下の整数で指定してください。") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_page_number(self, request, paginator):
        # DRF reads "page=" (empty) as page 1 and "page=abc" as a missing page; both are input errors.
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return raw
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError(
                {self.page_query_param: [_("ページ番号は1以上の整数で指定してください。")]}
            )
        return raw

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = str(_("ページ番号（1から）"))
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
                parameter["description"] = str(_("1ページの件数（既定 %(default)d、最大 %(max)d）")) % {
                    "default": self.page_size,
                    "max": self.max_page_size,
                }
        return parameters
