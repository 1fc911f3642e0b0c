"""住民組織助成金: computed from approved member households, recomputed with the difference."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from chonaikai.associations.models import HouseholdCount, SurveyRound, WardProgress
from chonaikai.audit.models import AuditEvent
from chonaikai.subsidies import selectors, services
from chonaikai.subsidies.errors import SubsidyError
from chonaikai.subsidies.models import GrantComputation
from tests.factories import AssociationFactory, FederationFactory, ward

pytestmark = pytest.mark.django_db

SURVEY = dt.date(2026, 1, 1)


@pytest.fixture
def survey():
    """A round with 中央区 approved and 北区 still submitted; three associations, one federation."""
    survey_round = SurveyRound.objects.create(survey_date=SURVEY, deadline=dt.date(2026, 2, 28))
    for code, status in (("01101", "approved"), ("01102", "submitted")):
        WardProgress.objects.create(survey_round=survey_round, ward=ward(code), status=status)
    federation = FederationFactory(ward=ward("01101"))
    chuo_1 = AssociationFactory(ward=ward("01101"), federation=federation)
    chuo_2 = AssociationFactory(ward=ward("01101"), federation=federation)
    alone = AssociationFactory(ward=ward("01101"))
    kita = AssociationFactory(ward=ward("01102"))
    counts = {chuo_1: 1_234, chuo_2: 500, alone: 80, kita: 999}
    for association, members in counts.items():
        HouseholdCount.objects.create(
            association=association, survey_date=SURVEY, households=members * 2, member_households=members
        )
    return {"federation": federation, "chuo_1": chuo_1, "chuo_2": chuo_2, "alone": alone, "kita": kita}


def current(programme):
    rows = GrantComputation.objects.current().filter(programme=programme)
    return {(row.association or row.federation).code: row for row in rows}


def test_every_active_association_and_federation_of_approved_wards_gets_its_grant(
    city_admin, survey, resident_grant
):
    run = services.resident_grant_compute(actor=city_admin, programme_id=resident_grant.pk)
    rows = current(resident_grant)
    assert {code: row.amount for code, row in rows.items()} == {
        survey["chuo_1"].code: 1_234 * 260,
        survey["chuo_2"].code: 500 * 260,
        survey["alone"].code: 80 * 260,
        survey["federation"].code: (1_234 + 500) * 120,
    }
    federation_row = rows[survey["federation"].code]
    assert (federation_row.member_households, federation_row.associations_counted) == (1_734, 2)
    assert federation_row.breakdown["lines"][0] == "加入世帯数 1,734世帯 × 120円 = 208,080円"
    assert survey["kita"].code not in rows  # 北区's counts are not approved yet
    assert run.pending_wards == ("01102",)
    assert (run.created, run.changed, run.unchanged) == (4, 0, 0)
    assert run.total_amount == sum(row.amount for row in rows.values())
    assert all(row.difference == row.amount and row.previous is None for row in rows.values())
    assert AuditEvent.objects.get(action="resident_grant.computed").after["created"] == 4


def test_a_count_corrected_after_approval_shows_up_as_a_recomputation_with_the_difference(
    city_admin, survey, resident_grant
):
    services.resident_grant_compute(actor=city_admin, programme_id=resident_grant.pk)
    first = current(resident_grant)[survey["chuo_1"].code]
    HouseholdCount.objects.filter(association=survey["chuo_1"], survey_date=SURVEY).update(
        member_households=1_230
    )

    run = services.resident_grant_compute(actor=city_admin, programme_id=resident_grant.pk)

    rows = current(resident_grant)
    row = rows[survey["chuo_1"].code]
    assert (row.member_households, row.amount) == (1_230, 319_800)
    assert row.previous == first and row.difference == 319_800 - 320_840 == -1_040
    federation_row = rows[survey["federation"].code]
    assert federation_row.difference == -4 * 120
    assert (run.created, run.changed, run.unchanged) == (0, 2, 2)
    assert run.difference_total == -1_040 - 480
    first.refresh_from_db()
    assert not first.is_current  # kept, no longer current
    history = selectors.resident_grant_history(
        user=city_admin, programme=resident_grant, association=survey["chuo_1"]
    )
    assert [(r.amount, r.difference) for r in history] == [(319_800, -1_040), (320_840, 320_840)]


def test_running_again_without_changes_writes_nothing(city_admin, survey, resident_grant):
    services.resident_grant_compute(actor=city_admin, programme_id=resident_grant.pk)
    run = services.resident_grant_compute(actor=city_admin, programme_id=resident_grant.pk)
    assert (run.created, run.changed, run.unchanged) == (0, 0, 4)
    assert GrantComputation.objects.count() == 4


def test_a_ward_approved_later_is_added_by_the_next_run(city_admin, survey, resident_grant):
    services.resident_grant_compute(actor=city_admin, programme_id=resident_grant.pk)
    WardProgress.objects.filter(ward=ward("01102")).update(status="approved")
    run = services.resident_grant_compute(actor=city_admin, programme_id=resident_grant.pk)
    assert (run.created, run.changed, run.unchanged, run.pending_wards) == (1, 0, 4, ())
    assert current(resident_grant)[survey["kita"].code].amount == 999 * 260


def test_only_city_admins_compute(ward_staff_chuo, survey, resident_grant):
    with pytest.raises(PermissionDenied):
        services.resident_grant_compute(actor=ward_staff_chuo, programme_id=resident_grant.pk)


def test_without_a_survey_round_there_is_nothing_to_compute_from(city_admin, resident_grant):
    with pytest.raises(SubsidyError, match="調査がありません"):
        services.resident_grant_compute(actor=city_admin, programme_id=resident_grant.pk)


def test_the_command_computes_and_reports_pending_wards(survey, resident_grant, capsys):
    call_command("compute_resident_grants", "--fiscal-year", "2026")
    out, err = capsys.readouterr()
    assert "新規 4 / 再算定 0 / 変更なし 0" in out
    assert "01102" in err
    with pytest.raises(CommandError, match="登録されていません"):
        call_command("compute_resident_grants", "--fiscal-year", "2030")
