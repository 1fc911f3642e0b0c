"""services.counts_grid_save: checks, optimistic locking, scope, history and audit."""

import datetime as dt

import pytest
from django.http import Http404

from chonaikai.associations import services
from chonaikai.associations.models import HouseholdCount
from chonaikai.associations.rules import is_large_change
from chonaikai.audit.models import AuditEvent
from tests.factories import HouseholdCountFactory

from .helpers import SURVEY, change, save

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("new", "previous", "large"),
    [
        (120, 100, False),  # exactly 20%: not more than 20%
        (121, 100, True),
        (80, 100, False),
        (79, 100, True),
        (0, 0, False),
        (1, 0, True),  # any change from nothing
        (5, None, False),  # no previous survey: nothing to compare
    ],
)
def test_large_change_is_more_than_a_fifth_of_the_previous_figure(new, previous, large):
    assert is_large_change(new, previous) is large


def _issues(excinfo):
    return [(i.association_id, i.field, i.code) for i in excinfo.value.issues]


def test_saves_new_counts_with_version_history_and_one_audit_event(
    ward_staff_chuo, counted_a, counted_b, survey_round
):
    result = save(
        ward_staff_chuo, "01101", change(counted_a, 101, 71), change(counted_b, 199, 150, note="班長交代")
    )
    assert (result.created, result.updated) == (2, 0)
    count = HouseholdCount.objects.get(association=counted_b, survey_date=SURVEY)
    assert (count.households, count.member_households, count.note, count.version) == (199, 150, "班長交代", 1)
    assert count.source == HouseholdCount.Source.ENTRY and count.entered_by == ward_staff_chuo
    assert count.history.get().history_user == ward_staff_chuo
    (event,) = AuditEvent.objects.filter(action="counts.entered")
    assert event.subject_repr == "中央区"
    assert event.after["created"] == 2 and event.after["associations"] == sorted(
        [counted_a.code, counted_b.code]
    )


def test_each_update_moves_the_version_on_and_keeps_every_revision(ward_staff_chuo, counted_a, survey_round):
    save(ward_staff_chuo, "01101", change(counted_a, 100, 70))
    save(ward_staff_chuo, "01101", change(counted_a, 101, 70, version=1))
    save(ward_staff_chuo, "01101", change(counted_a, 102, 70, version=2))
    count = HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY)
    assert count.version == 3
    assert [(h.households, h.version) for h in count.history.order_by("history_id")] == [
        (100, 1),
        (101, 2),
        (102, 3),
    ]


def test_members_above_households_is_refused_even_when_confirmed(ward_staff_chuo, counted_b, survey_round):
    # 200/150 last year: 170/171 is within 20% on both, so only members > households is refused.
    for confirm in (False, True):
        with pytest.raises(services.CountsEntryRejected) as rejected:
            save(ward_staff_chuo, "01101", change(counted_b, 170, 171, confirm=confirm))
        assert _issues(rejected) == [(counted_b.pk, "member_households", "members_over")]
        assert "上回っています" in rejected.value.issues[0].message
    assert not HouseholdCount.objects.filter(association=counted_b, survey_date=SURVEY).exists()


def test_an_explained_change_is_not_asked_again_when_only_the_note_changes(
    ward_staff_chuo, counted_a, survey_round
):
    save(ward_staff_chuo, "01101", change(counted_a, 130, 70, note="マンション新築"))
    save(ward_staff_chuo, "01101", change(counted_a, 130, 70, note="", version=1))
    assert HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY).note == ""


def test_change_of_more_than_20_percent_needs_a_comment(ward_staff_chuo, counted_a, survey_round):
    with pytest.raises(services.CountsEntryRejected) as rejected:
        save(ward_staff_chuo, "01101", change(counted_a, 130, 70))
    assert _issues(rejected) == [(counted_a.pk, "note", "large_change")]
    assert "区域内世帯数（100→130、+30.0%）" in rejected.value.issues[0].message
    save(ward_staff_chuo, "01101", change(counted_a, 130, 70, note="マンション新築"))
    assert HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY).households == 130


def test_a_large_drop_in_members_also_needs_a_comment(ward_staff_chuo, counted_a, survey_round):
    with pytest.raises(services.CountsEntryRejected) as rejected:
        save(ward_staff_chuo, "01101", change(counted_a, 100, 50))
    assert "加入世帯数（70→50、-28.6%）" in rejected.value.issues[0].message


def test_only_one_of_the_two_numbers_is_refused(ward_staff_chuo, counted_a, survey_round):
    with pytest.raises(services.CountsEntryRejected) as rejected:
        save(ward_staff_chuo, "01101", change(counted_a, 100, None))
    assert _issues(rejected) == [(counted_a.pk, "member_households", "incomplete")]


def test_one_bad_row_saves_nothing(ward_staff_chuo, counted_a, counted_b, survey_round):
    with pytest.raises(services.CountsEntryRejected):
        save(ward_staff_chuo, "01101", change(counted_a, 100, 70), change(counted_b, 10, 150))
    assert not HouseholdCount.objects.filter(survey_date=SURVEY).exists()
    assert not AuditEvent.objects.filter(action="counts.entered").exists()


def test_an_association_of_another_ward_is_refused(ward_staff_chuo, city_admin, counted_kita, survey_round):
    with pytest.raises(services.CountsEntryRejected) as rejected:
        save(city_admin, "01101", change(counted_kita, 50, 40))
    assert _issues(rejected) == [(counted_kita.pk, "", "not_in_ward")]


@pytest.mark.parametrize("persona", ["ward_staff_kita", "leader_a", "viewer", "anonymous"])
def test_grid_save_outside_ones_wards_is_not_found(persona, counted_a, survey_round, request):
    with pytest.raises(Http404):
        save(request.getfixturevalue(persona), "01101", change(counted_a, 100, 70))
    assert not HouseholdCount.objects.filter(survey_date=SURVEY).exists()


def test_grid_save_needs_a_round(ward_staff_chuo, counted_a, survey_round):
    with pytest.raises(Http404):
        save(ward_staff_chuo, "01101", change(counted_a, 100, 70), survey_date=dt.date(2026, 1, 1))


# ---------------------------------------------------------------------------------------------
# Optimistic locking
# ---------------------------------------------------------------------------------------------


def test_a_save_based_on_an_older_version_is_refused_with_the_newer_value(
    city_admin, ward_staff_chuo, counted_a, survey_round
):
    save(ward_staff_chuo, "01101", change(counted_a, 100, 70))
    # Both load version 1; the city admin saves first.
    save(city_admin, "01101", change(counted_a, 110, 75, version=1))
    with pytest.raises(services.CountsEntryRejected) as rejected:
        save(ward_staff_chuo, "01101", change(counted_a, 105, 72, version=1))
    (issue,) = rejected.value.issues
    assert issue.code == "stale"
    assert issue.newer.households == 110 and issue.newer.version == 2
    assert "市民自治推進室 さん" in issue.message and "区域内世帯数 110、加入世帯数 75" in issue.message
    count = HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY)
    assert (count.households, count.version) == (110, 2)
    # Having seen the newer value, saving on top of it (version 2) is accepted.
    save(ward_staff_chuo, "01101", change(counted_a, 105, 72, version=2))
    assert HouseholdCount.objects.get(pk=count.pk).households == 105


def test_two_people_entering_a_first_count_the_second_is_refused(
    city_admin, ward_staff_chuo, counted_a, survey_round
):
    save(city_admin, "01101", change(counted_a, 110, 75))
    with pytest.raises(services.CountsEntryRejected) as rejected:
        save(ward_staff_chuo, "01101", change(counted_a, 105, 72, version=0))
    assert rejected.value.issues[0].code == "stale"


def test_an_import_moves_the_version_on_so_a_grid_based_on_the_old_one_is_refused(
    city_admin, ward_staff_chuo, counted_a, survey_round
):
    from chonaikai.associations.imports import importer

    save(ward_staff_chuo, "01101", change(counted_a, 100, 70))
    services.counts_import_commit(
        actor=city_admin,
        survey_date=SURVEY,
        rows=[
            importer.ParsedRow(code=counted_a.code, name=counted_a.name, households=90, member_households=60)
        ],
    )
    assert HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY).version == 2
    with pytest.raises(services.CountsEntryRejected):
        save(ward_staff_chuo, "01101", change(counted_a, 101, 70, version=1))


def test_counts_created_elsewhere_start_at_version_1(counted_a):
    assert HouseholdCountFactory(association=counted_a, survey_date=SURVEY).version == 1
