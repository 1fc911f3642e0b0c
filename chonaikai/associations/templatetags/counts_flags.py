"""Figures and plausibility flags as the counts pages show them (the preview, the approval view, the grid)."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from ..counts import flags

register = template.Library()


@register.filter
def count_or_dash(value, empty: str = "—"):
    """1,234; `empty` (default "—") for no value — never Python's None."""
    return empty if value is None or value == "" else intcomma(value)


@register.filter
def signed_count(value):
    """+1,234 / −12 / 0; "—" for no value."""
    if value is None or value == "":
        return "—"
    return f"+{intcomma(value)}" if value > 0 else intcomma(value)


@register.filter
def signed_percent(value):
    """+25.0% / −20.0%; "—" for no value (no previous count, or a previous count of 0)."""
    if value is None or value == "":
        return "—"
    return f"{value:+}%"


@register.simple_tag
def change_cells(previous, current, difference, percent, missing: str = "—"):
    """The four cells 前回 / 今回 / 増減 / 前回比 of one figure, as every counts table shows them (the
    import preview, the submission and the approval view). The values are passed one by one: a
    preview's error row has no check, so its 増減 and 前回比 come in empty and show "—".
    `missing`: what 前回 shows when there was no previous count (e.g. 未入力)."""
    return format_html(
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>',
        count_or_dash(previous, missing),
        count_or_dash(current),
        signed_count(difference),
        signed_percent(percent),
    )


@register.filter
def flag_label(code: str) -> str:
    return flags.flag_label(code)


@register.simple_tag
def flag_message(flag, check) -> str:
    return flags.flag_message(flag, check)


@register.simple_tag
def submission_url(survey_date, ward_code) -> str:
    """The ward's submission summary for the survey (「提出へ進む」); the round's overview for a
    city-wide import; "" when no round is open for the date."""
    from django.urls import reverse

    from ..models import SurveyRound

    if survey_date is None or not SurveyRound.objects.filter(survey_date=survey_date).exists():
        return ""
    day = survey_date.isoformat()
    if ward_code:
        return reverse("associations:count_submission", kwargs={"survey_date": day, "ward_code": ward_code})
    return reverse("associations:count_round", kwargs={"survey_date": day})


@register.simple_tag
def count_flags(check) -> str:
    """The flags of one count (a rules.CountCheck, or None) as a list of badges, each with its
    sentence as a tooltip and, when explained, the reason. Written in Python rather than as an
    include: the grid shows it on each of 300 rows, where an include costs ~0.5 ms a row."""
    if check is None or not check.flags:
        return format_html('<span class="visually-hidden">{}</span>', _("なし"))
    items = format_html_join(
        "",
        '<li class="flag flag--{}{}" data-flag="{}"><span title="{}">{}</span>{}</li>',
        (
            (
                flag.severity,
                " flag--explained" if flag.explained else "",
                flag.code,
                flags.flag_message(flag, check),
                flags.flag_label(flag.code),
                format_html(
                    ' <span class="cell-note">{}</span>', _("理由: %(reason)s") % {"reason": check.reason}
                )
                if flag.explained
                else "",
            )
            for flag in check.flags
        ),
    )
    return format_html('<ul class="flag-list plain-list">{}</ul>', items)
