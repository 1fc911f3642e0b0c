"""The ward summaries stay equal to the GROUP BY over the counts after every write path."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.counts import entry as api_entry
from chonaikai.associations import selectors, services
from chonaikai.associations.imports import importer
from chonaikai.associations.models import DistrictSummary, FederationSummary, HouseholdCount, WardSummary
from chonaikai.associations.registry import services as registry
from chonaikai.associations.stats.services import (
    summaries_mismatches,
    summaries_rebuild,
    summaries_refresh,
)
from chonaikai.demo import associations as sample
from chonaikai.demo.dataset import SMALL
from tests.factories import AssociationFactory, HouseholdCountFactory, ward
from wards.models import Ward

SURVEY = dt.date(2025, 1, 1)
PREVIOUS = dt.date(2024, 1, 1)


SUMMARY_LEVELS = (
    selectors.Level.CITY,
    selectors.Level.WARD,
    selectors.Level.DISTRICT,
    selectors.Level.FEDERATION,
)


def assert_summaries_match_counts():
    """Every summary row (ward, district, federation) equals the on-the-fly GROUP BY, and the
    figures the selectors give at each level, city-wide and per ward, equal the ones summed from the
    counts."""
    assert summaries_mismatches() == []
    dates = list(HouseholdCount.objects.survey_dates())
    assert sorted(set(WardSummary.objects.values_list("survey_date", flat=True)), reverse=True) == dates
    for level in SUMMARY_LEVELS:
        assert selectors._summary_sums(level, dates, None) == selectors._count_sums(level, dates, None)
    for w in Ward.objects.all():
        for level in SUMMARY_LEVELS[1:]:
            assert selectors._summary_sums(level, dates, w) == selectors._count_sums(level, dates, w)
    # The district and federation statistics (one grouped query over the summaries, _area_stats)
    # equal the rows membership_stats builds from the sums of the counts, city-wide and per ward,
    # on every date against its previous one.
    for day, previous_day in zip(dates, [*dates[1:], None], strict=True):
        pair = [day] + ([previous_day] if previous_day else [])
        for level in (selectors.Level.DISTRICT, selectors.Level.FEDERATION):
            for w in [None, *Ward.objects.filter(summaries__survey_date=day)]:
                expected = selectors._stats_from_sums(
                    level, day, previous_day, w, selectors._count_sums(level, pair, w)
                )
                assert selectors._area_stats(level, day, previous_day, w) == expected, (level, day, w)


def _rows(*values):
    return [
        importer.ParsedRow(code=code, households=h, member_households=m, sheet="", row=i + 2)
        for i, (code, h, m) in enumerate(values)
    ]


@pytest.fixture
def register(db):
    """Two associations in 中央区, one in 北区, with 2024 counts."""
    # Codes far above the sample data's, so that seed_demo can run beside them.
    a = AssociationFactory(ward=ward("01101"), code="01101-9001")
    b = AssociationFactory(ward=ward("01101"), code="01101-9002")
    k = AssociationFactory(ward=ward("01102"), code="01102-9001")
    for association, households in ((a, 100), (b, 200), (k, 50)):
        HouseholdCountFactory(
            association=association,
            survey_date=PREVIOUS,
            households=households,
            member_households=households // 2,
        )
    return a, b, k


def test_the_summary_holds_one_row_per_ward_and_survey_date_with_counts(register):
    rows = list(
        WardSummary.objects.values_list(
            "ward__code", "survey_date", "households", "member_households", "associations"
        )
    )
    assert rows == [("01101", PREVIOUS, 300, 150, 2), ("01102", PREVIOUS, 50, 25, 1)]
    assert_summaries_match_counts()


def test_an_import_refreshes_the_summaries_of_the_wards_it_wrote(register):
    a, b, k = register
    services.counts_import_commit(
        actor=None, survey_date=SURVEY, rows=_rows((a.code, 110, 60), (k.code, 40, 30))
    )
    assert_summaries_match_counts()
    assert WardSummary.objects.get(ward__code="01101", survey_date=SURVEY).households == 110

    # Changed, unchanged and new rows in one file.
    services.counts_import_commit(
        actor=None, survey_date=SURVEY, rows=_rows((a.code, 120, 60), (k.code, 40, 30), (b.code, 190, 95))
    )
    assert_summaries_match_counts()
    summary = WardSummary.objects.get(ward__code="01101", survey_date=SURVEY)
    assert (summary.households, summary.member_households, summary.associations) == (310, 155, 2)


def test_a_rejected_import_leaves_the_summaries_as_they_were(register):
    a, _b, _k = register
    before = list(WardSummary.objects.values_list())
    with pytest.raises(services.CountsImportRejected):
        services.counts_import_commit(
            actor=None, survey_date=SURVEY, rows=_rows((a.code, 110, 60), ("01101-9999", 1, 1))
        )
    assert list(WardSummary.objects.values_list()) == before


def _open_round():
    return services.round_open(actor=None, survey_date=SURVEY, deadline=dt.date(2025, 2, 28))


def test_the_entry_grid_refreshes_its_wards_summary(register):
    a, b, _k = register
    _open_round()
    services.counts_grid_save(
        actor=None,
        ward_code="01101",
        survey_date=SURVEY,
        changes=[services.CountChange(association_id=a.pk, households=101, member_households=51)],
    )
    assert_summaries_match_counts()
    services.counts_grid_save(
        actor=None,
        ward_code="01101",
        survey_date=SURVEY,
        changes=[
            services.CountChange(association_id=a.pk, households=102, member_households=52, base_version=1),
            services.CountChange(association_id=b.pk, households=201, member_households=101),
        ],
    )
    assert_summaries_match_counts()
    assert WardSummary.objects.get(ward__code="01101", survey_date=SURVEY).households == 303


def test_a_count_posted_to_the_api_goes_through_the_grid_service_and_refreshes_the_summary(
    register, city_admin
):
    a, _b, _k = register
    _open_round()
    outcome = api_entry.count_enter(
        actor=city_admin,
        association=a,
        survey_date=SURVEY,
        households=99,
        member_households=49,
        note=None,
        version=None,
        confirm_members_over=False,
        reason="",
    )
    assert outcome.status == "created"
    assert_summaries_match_counts()
    assert WardSummary.objects.get(ward__code="01101", survey_date=SURVEY).households == 99


def test_dissolving_and_merging_touch_no_count_and_no_summary(register):
    a, b, _k = register
    models = (WardSummary, DistrictSummary, FederationSummary)
    before = [list(model.objects.order_by("pk").values_list()) for model in models]
    registry.association_dissolve(
        actor=None, association_id=a.pk, dissolved_on=dt.date(2024, 6, 30), reason="解散"
    )
    c = AssociationFactory(ward=ward("01101"), code="01101-9003")
    registry.association_merge(
        actor=None, predecessor_ids=[b.pk], successor_id=c.pk, merged_on=dt.date(2024, 6, 30)
    )
    assert [list(model.objects.order_by("pk").values_list()) for model in models] == before
    assert_summaries_match_counts()


def test_seed_demo_and_deleting_the_sample_keep_the_summaries_equal_to_the_counts(register):
    sample.seed_sample_data(seed=3, size=SMALL)  # every ward and survey date, 110 associations
    assert_summaries_match_counts()
    assert WardSummary.objects.filter(ward__code="01105").exists()
    sample.seed_sample_data(seed=4, size=SMALL)  # replaces the sample: same pairs, other figures
    assert_summaries_match_counts()
    sample.delete_sample_data()
    assert_summaries_match_counts()
    assert set(WardSummary.objects.values_list("survey_date", flat=True)) == {PREVIOUS}


def test_a_refresh_of_a_pair_without_counts_removes_its_row(register):
    _a, _b, k = register
    HouseholdCount.objects.filter(association=k)._raw_delete(connection.alias)
    summaries_refresh([(k.ward_id, PREVIOUS)])
    assert not WardSummary.objects.filter(ward=k.ward).exists()
    assert_summaries_match_counts()


def test_a_refresh_costs_the_same_queries_for_one_pair_or_many(register):
    pairs = [(w.pk, PREVIOUS) for w in (ward("01101"), ward("01102"))]
    with CaptureQueriesContext(connection) as one:
        summaries_refresh(pairs[:1])
    with CaptureQueriesContext(connection) as two:
        summaries_refresh(pairs)
    assert len(one) == len(two)


def test_rebuild_summaries_repairs_counts_written_around_the_services(register):
    a, _b, _k = register
    HouseholdCount.objects.filter(association=a).update(households=1000)  # no service, no refresh
    # One ward row, and the rows of the ward's associations of no district and of no federation.
    with pytest.raises(CommandError, match="3件"):
        call_command("rebuild_summaries", "--check")
    call_command("rebuild_summaries")
    assert_summaries_match_counts()
    call_command("rebuild_summaries", "--check")
    assert summaries_rebuild() == 2 * 3  # two (ward, date) pairs, each at three levels


def test_ward_and_city_stats_read_the_summary_table(register):
    with CaptureQueriesContext(connection) as queries:
        selectors.membership_stats(survey_date=PREVIOUS, level=selectors.Level.WARD)
        selectors.membership_series(level=selectors.Level.CITY)
    sql = " ".join(q["sql"] for q in queries)
    assert WardSummary._meta.db_table in sql
    assert HouseholdCount._meta.db_table not in sql


def test_the_admin_cannot_move_an_association_to_another_ward(register, rf):
    """A move would leave both wards' summaries (and published totals) wrong."""
    from django.contrib import admin

    from chonaikai.associations.models import Association

    model_admin = admin.site._registry[Association]
    request = rf.get("/")
    assert "ward" in model_admin.get_readonly_fields(request, register[0])
    assert "ward" not in model_admin.get_readonly_fields(request, None)  # chosen when adding one
