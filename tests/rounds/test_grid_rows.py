"""The entry grid's rows are written in Python (templatetags/count_grid.py, CountRowForm.field_html)
for speed: the same inputs as Django's own form rendering, in every state a row can be in."""

import re

import pytest
from django.urls import reverse

from chonaikai.associations.counts.forms import CountRowForm, count_row_initial
from chonaikai.associations.counts.services.entry import CONFIRM, HOUSEHOLDS, MEMBERS
from tests.factories import AssociationFactory, HouseholdCountFactory

from .helpers import PREVIOUS, SURVEY, change, save

pytestmark = pytest.mark.django_db

FIELDS = ["households", "member_households", "note", "confirm_members_over", "version"]


def _forms(association):
    aid = association.pk
    described = {HOUSEHOLDS: f"prev-{aid}-households", MEMBERS: f"prev-{aid}-members"}
    counted = HouseholdCountFactory.build(households=1234, member_households=56, note="a<\"&'>", version=3)
    p = f"a{aid}"

    def bound(data, **kwargs):
        return CountRowForm(data, association=association, initial=count_row_initial(counted), **kwargs)

    unbound_empty = CountRowForm(association=association, initial=count_row_initial(None))
    unbound = CountRowForm(association=association, initial=count_row_initial(counted), describedby=described)
    read_only = CountRowForm(
        association=association, initial=count_row_initial(counted), describedby=described
    )
    read_only.make_read_only()
    valid = bound(
        {
            f"{p}-households": "1,300",
            f"{p}-member_households": "60",
            f"{p}-note": "x",
            f"{p}-version": "3",
            f"initial-{p}-households": "1234",
            f"{p}-{CONFIRM}": "on",
        },
        describedby=described,
    )
    valid.is_valid()
    errors = bound(
        {
            f"{p}-households": "abc<",
            f"{p}-member_households": "-1",
            f"{p}-version": "x",
            f"initial-{p}-note": 'old"',
        },
        describedby=described,
    )
    errors.is_valid()
    errors.add_error(CONFIRM, "確認してください")  # i18n: data
    errors.mark_errors()
    errors.describe(HOUSEHOLDS, f"{p}-row-errors")
    # Errors without the grid's own aria-describedby: Django points the inputs at the messages.
    plain_errors = bound({f"{p}-households": "abc", f"{p}-version": ""})
    plain_errors.is_valid()
    return [unbound_empty, unbound, read_only, valid, errors, plain_errors]


def test_field_html_is_the_markup_django_renders_for_every_field_in_every_state(association_a):
    for form in _forms(association_a):
        for name in FIELDS:
            assert form.field_html(name) == str(form[name]), (form.data, name)


GRID = reverse("associations:count_entry", kwargs={"ward_code": "01101", "survey_date": SURVEY.isoformat()})


def test_rows_with_the_same_flag_but_different_figures_or_reasons_keep_their_own_sentences(
    client, ward_staff_chuo, chuo, survey_round
):
    rows = [AssociationFactory(ward=chuo) for _ in range(3)]
    for a, before in zip(rows, (100, 200, 200), strict=True):
        HouseholdCountFactory(association=a, survey_date=PREVIOUS, households=before, member_households=10)
    save(None, "01101", *(change(a, 400, 10, note=f"理由{i}") for i, a in enumerate(rows)))  # i18n: data
    client.force_login(ward_staff_chuo)
    page = client.get(GRID).content.decode()
    titles = re.findall(r'data-flag="large_change"><span title="([^"]*)"', page)
    assert len(titles) == 3
    assert "100→400" in titles[0] and "200→400" in titles[1] and "200→400" in titles[2], titles
    assert [f"理由: 理由{i}" in page for i in range(3)] == [True] * 3  # i18n: data
