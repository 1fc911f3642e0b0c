"""Choice widgets for long lists of associations (a ward has ~300), which a filter box can narrow.

Each option carries `data-search`: the association's code, name and reading folded by
rules.normalize_for_search (the association list's search uses the same folding), so that
「ｷﾀｲﾁ」, 「きたいち」 and 「キタイチ」 all find 北一条東町内会. The shared field template
(includes/field.html) puts a filter box above a widget whose `filterable` is true, hidden until
static/js/select_filter.js shows it (for a list of 8 choices or more) and narrows the list as the box
is typed in. Without the script the list works as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms

from .rules import normalize_for_search


def association_search_text(association) -> str:
    """What a filter box of associations matches: code, name and reading (the entry grid's too)."""
    return " ".join(filter(None, [association.code, association.name, association.kana]))


class _Searchable:
    filterable = True

    def __init__(self, *args, search_text: Callable[[object], str] = association_search_text, **kwargs):
        self.search_text = search_text
        super().__init__(*args, **kwargs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)  # ModelChoiceIteratorValue; None for the empty choice
        if instance is not None:
            option["attrs"]["data-search"] = normalize_for_search(self.search_text(instance))
        return option


class SearchableSelect(_Searchable, forms.Select):
    """A select of model instances whose options a filter box narrows (see the module)."""


class SearchableCheckboxSelectMultiple(_Searchable, forms.CheckboxSelectMultiple):
    """Check boxes of model instances whose rows a filter box narrows; ticked rows always stay shown."""
