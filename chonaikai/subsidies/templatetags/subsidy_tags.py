"""Template filters of the subsidy pages.

    {% load subsidy_tags %}
    {{ app.computed_amount|yen }}   → 「70,000円」 (English: ¥70,000)
    {{ g.difference|signed_yen }}   → 「+1,200円」 / 「-1,200円」 / 「0円」

The unit goes through the catalogue with the number (rules.format_yen), so that no template writes
「円」 outside a translation.
"""

from django import template

from chonaikai.subsidies.rules import format_yen

register = template.Library()


@register.filter
def yen(value) -> str:
    """Whole yen with thousands separators and the unit; empty for None."""
    if value is None or value == "":
        return ""
    return format_yen(int(value))


@register.filter
def signed_yen(value) -> str:
    """A difference in yen: a plus sign for an increase."""
    if value is None or value == "":
        return ""
    amount = int(value)
    return f"+{format_yen(amount)}" if amount > 0 else format_yen(amount)
