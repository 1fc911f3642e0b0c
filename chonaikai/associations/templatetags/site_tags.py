"""Tags base.html needs on every page, including pages of other apps (maps) that extend it."""

from django import template
from django.conf import settings
from django.utils.html import format_html

from chonaikai.accounts import names

register = template.Library()


@register.filter
def display_name(user) -> str:
    """A person as pages name them (「〇〇区役所 山田」), never their login name: accounts.names."""
    return names.display_name(user)


@register.simple_tag
def site_title() -> str:
    return str(settings.SITE_TITLE)


@register.simple_tag(takes_context=True)
def nav_current(context, prefix: str, exact: bool = False) -> str:
    """`aria-current="page"` on the navigation link of the section being shown."""
    request = context.get("request")
    path = getattr(request, "path", "")
    current = path == prefix if exact else path.startswith(prefix)
    return format_html('aria-current="{}"', "page") if current else ""


@register.simple_tag
def city_labels():
    """The words for the loaded city's levels, for templates rendered without a request (e-mails):
    `{% city_labels as labels %}` (pages get `labels` from the context processor)."""
    from chonaikai.cities.current import labels

    return labels()
