"""Words for the plausibility flags of rules.check_count, the same on every screen that shows them.

The grid, the import preview, the API and the city's approval view all describe a flag with
`flag_label` (a short badge) and `flag_message` (a sentence), so that one count gets the same
words wherever it is looked at.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from .. import rules
from ..rules import CountCheck, Figure, Flag

_LABELS = {
    rules.NO_COUNT: gettext_lazy("未入力"),
    rules.INCOMPLETE: gettext_lazy("片方だけ入力"),
    rules.MEMBERS_OVER: gettext_lazy("加入世帯数が区域内世帯数を超過"),
    rules.LARGE_CHANGE_CODE: gettext_lazy("前回から20%超の増減"),
    rules.ZERO: gettext_lazy("0世帯"),
}


def flag_label(code: str) -> str:
    """A flag's short name (for badges and filters)."""
    return str(_LABELS.get(code, code))


def field_label(field: str) -> str:
    return _("区域内世帯数") if field == rules.HOUSEHOLDS else _("加入世帯数")


def change_text(figure: Figure) -> str:
    """「93→930、+900.0%」; from 0 only the two figures."""
    previous, new = figure.previous, figure.current
    if figure.percent is None:
        return f"{previous:,}→{new:,}"
    return _("%(previous)s→%(new)s、%(percent)s") % {
        "previous": f"{previous:,}",
        "new": f"{new:,}",
        "percent": f"{figure.percent:+}%",
    }


def join_sentences(*sentences: str) -> str:
    """Sentences one after another as the language writes them: run together in Japanese
    (「…。理由を…。」), with a space in English ("… . Enter the reason …")."""
    text = ""
    for sentence in sentences:
        if not text:
            text = sentence
        elif sentence:
            text = pgettext("two sentences in a row", "%(first)s%(second)s") % {
                "first": text,
                "second": sentence,
            }
    return text


def flag_message(flag: Flag, check: CountCheck) -> str:
    """What the flag says about this count, in a sentence (without what to do about it)."""
    if flag.code == rules.NO_COUNT:
        return _("世帯数が入力されていません。")
    if flag.code == rules.INCOMPLETE:
        return _("%(field)sが空欄です。区域内世帯数と加入世帯数は両方入力してください。") % {
            "field": pgettext("list separator", "、").join(field_label(f) for f in flag.fields)
        }
    if flag.code == rules.MEMBERS_OVER:
        return _(
            "加入世帯数（%(members)s）が区域内世帯数（%(households)s）を上回っています。"
            "加入世帯数は区域内世帯数以下にしてください。"
        ) % {"members": f"{check.members.current:,}", "households": f"{check.households.current:,}"}
    if flag.code == rules.LARGE_CHANGE_CODE:
        figures = {rules.HOUSEHOLDS: check.households, rules.MEMBERS: check.members}
        changes = pgettext("list separator", "、").join(
            _("%(field)s（%(change)s）") % {"field": field_label(f), "change": change_text(figures[f])}
            for f in flag.fields
        )
        return _("前回調査から%(percent)s%%を超えて変わっています: %(changes)s。") % {
            "percent": int(rules.LARGE_CHANGE * 100),
            "changes": changes,
        }
    if flag.code == rules.ZERO:
        return _("%(field)sが0です。誤りでないか確かめてください。") % {
            "field": pgettext("list separator", "、").join(field_label(f) for f in flag.fields)
        }
    return flag_label(flag.code)
