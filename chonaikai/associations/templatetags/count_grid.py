"""The entry grid's rows (counts/entry.html): `{% count_grid_rows lines %}`.

Written in Python rather than as the template's loop: a large area's grid shows 300 rows and more,
each with about 40 template variables and eight inputs, and through the template engine the rows
were most of the page's time (313 rows: ~150 ms of CPU for the page; written here, less than half
of that). The markup is the one the template wrote (the page was compared before and after in
13 states); tests/rounds/test_grid_rows.py holds the inputs to Django's own rendering, and the
grid's page tests (test_entry_page, test_grid_states) hold its labels and error markup. What is
the same for every row (the labels, the badges of checks that read the same) is worked out once.

The common parts (a row without errors) are written with the standard library's escape; the rare
ones (a row refused on saving: its messages, the confirmation checkbox) go through Django's own
rendering (BoundField, ErrorList), as in any form.
"""

from __future__ import annotations

from html import escape

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..counts import flags
from ..counts.services.entry import CONFIRM, HOUSEHOLDS, MEMBERS, NOTE
from .counts_flags import count_flags

register = template.Library()


class _RowWriter:
    """Writes the grid's rows; one per grid (what it caches holds for one language)."""

    def __init__(self):
        self.previous_label = escape(_("前回"))
        self.field_labels = {
            HOUSEHOLDS: escape(_("区域内世帯数")),
            MEMBERS: escape(_("加入世帯数")),
            NOTE: escape(_("備考")),
        }
        self.sample_mark = f'<span class="sample-mark">{escape(_("（サンプル）"))}</span>'
        self.flags: dict = {}  # what a check's badges say → their markup: most rows say the same

    def flag_list(self, check) -> str:
        """count_flags(check), worked out once for the checks that read the same (e.g. 「未入力」 on
        every row of a new round: their figures differ, their badges do not)."""
        key = (check.flags, check.reason, tuple(flags.flag_message(flag, check) for flag in check.flags))
        html = self.flags.get(key)
        if html is None:
            html = self.flags[key] = str(count_flags(check))
        return html

    def previous_cell(self, association_id, kind: str, value) -> str:
        if value is None:
            return f'<td class="num" id="prev-{association_id}-{kind}">—</td>'
        return (
            f'<td class="num" id="prev-{association_id}-{kind}">'
            f'<span class="visually-hidden">{self.previous_label} </span>{escape(intcomma(value))}</td>'
        )

    def row(self, line) -> str:
        form = line.form
        association = line.association
        aid = association.pk
        prefix = form.prefix
        name = escape(association.name)
        check = line.check
        flagged = line.flagged
        previous = line.data.previous
        bound_errors = flagged and form.is_bound  # a refused save: the form's own messages, if any

        out = [
            f'<tr class="count-grid__row{" count-grid__row--error" if flagged else ""}" data-row="{prefix}"'
            f' data-association="{escape(association.code)}" data-search="{escape(line.search_text)}"'
            f' data-federation="{escape(line.federation_name)}"{" data-flagged" if flagged else ""}>',
            f'<td class="code">{escape(association.code)}</td>',
            '<th scope="row">',
            f'<span class="count-grid__name" title="{name}">{name}'
            f"{self.sample_mark if line.sample_mark else ''}</span>",
            self.flag_list(check),
        ]
        if flagged:
            if line.row_errors:
                items = "".join(f"<li>{conditional_escape(message)}</li>" for message in line.row_errors)
                out.append(
                    f'<div class="form-field__errors" id="{line.row_error_id}">\n<ul>{items}</ul>\n</div>'
                )
            if line.newer:
                out.append(f'<p class="newer-value">{self.newer_value(line.newer)}</p>')
            if bound_errors:
                out.append(
                    "".join(
                        f'<div class="form-field__errors">{conditional_escape(error)}</div>'
                        for error in form.non_field_errors()
                    )
                )
        out += [
            "</th>",
            self.previous_cell(aid, "households", previous.households if previous else None),
            self.previous_cell(aid, "members", previous.member_households if previous else None),
        ]
        # 区域内世帯数, with the version the row's values came from
        out += [
            "<td>",
            self.label(prefix, HOUSEHOLDS, name),
            form.field_html(HOUSEHOLDS) + form.field_html("version"),
        ]
        if bound_errors:
            out.append(self.errors(form, HOUSEHOLDS))
            if form["version"].errors:
                out.append(
                    f'<div class="form-field__errors">{_("画面を開き直してから入力してください。")}</div>'
                )
        out += ["</td>", "<td>", self.label(prefix, MEMBERS, name), form.field_html(MEMBERS)]
        if bound_errors:
            out.append(self.errors(form, MEMBERS))
        if line.show_confirm:
            confirm = form[CONFIRM]
            out.append(
                f'<div class="confirm-field">\n{confirm}\n'
                f'<label for="{confirm.id_for_label}">{conditional_escape(confirm.label)}</label>\n'
                f"{self.errors(form, CONFIRM)}\n</div>"
            )
        out += ["</td>", "<td>", self.label(prefix, NOTE, name), form.field_html(NOTE)]
        if bound_errors:
            out.append(self.errors(form, NOTE))
        out += ["</td>", "</tr>"]
        return "\n".join(part for part in out if part)

    def label(self, prefix: str, field: str, name: str) -> str:
        return f'<label class="visually-hidden" for="id_{prefix}-{field}">{name} {self.field_labels[field]}</label>'

    @staticmethod
    def errors(form, field: str) -> str:
        """The field's messages, as the form renders them, in the element its input points at."""
        bound_field = form[field]
        if not bound_field.errors:
            return ""
        return f'<div class="form-field__errors" id="{bound_field.auto_id}-errors">{bound_field.errors}</div>'

    @staticmethod
    def newer_value(newer) -> str:
        """最新の値: the count someone else saved meanwhile (translated texts, escaped values)."""
        text = _("最新の値: 区域内世帯数 %(h)s、加入世帯数 %(m)s") % {
            "h": escape(intcomma(newer.households)),
            "m": escape(intcomma(newer.member_households)),
        }
        if newer.note:
            text += _("、備考「%(note)s」") % {"note": conditional_escape(newer.note)}
        return text


@register.simple_tag
def count_grid_rows(lines) -> str:
    """The grid's rows (views_counts.GridLine), one <tr> each."""
    writer = _RowWriter()
    return mark_safe("\n".join(writer.row(line) for line in lines))  # every value above is escaped
