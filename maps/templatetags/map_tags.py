"""`{% load map_tags %}` then `{{ map.head|with_nonce:request.csp_nonce }}`.

The pages send a Content-Security-Policy that runs inline <script> and applies inline <style>
only with the request's nonce. folium renders the map's <style> and <script> elements itself (and
the render is cached and shared between requests), so the nonce is added when the page is drawn.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_OPENING_TAG = re.compile(r"<(style|script)(?=[\s>])", re.IGNORECASE)


@register.filter
def with_nonce(trusted_html: str, nonce) -> SafeString:
    """Our own rendered HTML with `nonce` on every <style> and <script> opening tag.

    Only for HTML this project generated (the folium render): the input is marked safe as is.
    """
    # str() first: django-csp's lazy nonce is falsy until something has asked for its value.
    nonce = "" if nonce is None else str(nonce)
    if not nonce:
        return mark_safe(trusted_html)
    return mark_safe(_OPENING_TAG.sub(rf'<\1 nonce="{escape(nonce)}"', trusted_html))


@register.simple_tag
def target_chart(board, city_series) -> SafeString:
    """`{% target_chart board city_series %}`: history, the target line and both projections."""
    from maps import target_chart as chart

    return chart.render(board, city_series)
