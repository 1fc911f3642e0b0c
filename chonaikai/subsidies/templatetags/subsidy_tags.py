"""Template filters of the subsidy pages.

    {% load subsidy_tags %}
    {{ app.computed_amount|yen }}   → 「70,000円」 (English: ¥70,000)
    {{ g.difference|signed_yen }}   → 「+1,200円」 / 「-1,200円」 / 「0円」

The unit goes through the catalogue with the number (wording.format_yen), so that no template writes
「円」 outside a translation.
"""

from django import template

from chonaikai.subsidies.wording import breakdown_lines as lines_of
from chonaikai.subsidies.wording import format_yen

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


@register.filter
def breakdown_lines(breakdown) -> list[str]:
    """A breakdown's lines in the reader's language (wording.breakdown_lines). {% for line in b|breakdown_lines %}"""
    return lines_of(breakdown)


@register.filter
def reviewer(application) -> str:
    """Who checks the application, in the city's words: 「区役所」 (area_then_city) or the city's
    department in charge (city_only). {{ app|reviewer }}"""
    from chonaikai.subsidies.wording import reviewer as reviewer_of

    return reviewer_of(application)


@register.filter
def reviewer_of_programme(programme) -> str:
    """The same for a programme's guide page, before there is an application."""
    from chonaikai.subsidies.wording import programme_reviewer

    return programme_reviewer(programme)
