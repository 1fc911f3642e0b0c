"""Membership statistics at every level, from the database through rules.py."""

import datetime as dt
from decimal import Decimal

import pytest

from chonaikai.associations import selectors
from chonaikai.associations.rules import Denominator
from tests.factories import (
    AssociationFactory,
    DistrictFactory,
    FederationFactory,
    HouseholdCountFactory,
    ward,
)
from wards.models import WardTotal

pytestmark = pytest.mark.django_db

D22, D23 = dt.date(2022, 1, 1), dt.date(2023, 1, 1)


@pytest.fixture
def city():
    """Two associations in 中央区 (one district, one federation), one in 北区, one with no households."""
    chuo, kita = ward("01101"), ward("01102")
    district = DistrictFactory(ward=chuo, code="01101-D01", name="本府")
    federation = FederationFactory(ward=chuo, district=district, code="01101-F001", name="連合A")
    a = AssociationFactory(ward=chuo, district=district, federation=federation)
    b = AssociationFactory(ward=chuo, district=district, federation=federation)
    c = AssociationFactory(ward=kita)
    empty = AssociationFactory(ward=kita)
    for assoc, (h22, m22, h23, m23) in {
        a: (100, 80, 110, 80),
        b: (300, 200, 300, 210),
        c: (600, 420, 590, 400),
        empty: (0, 0, 0, 0),
    }.items():
        HouseholdCountFactory(association=assoc, survey_date=D22, households=h22, member_households=m22)
        HouseholdCountFactory(association=assoc, survey_date=D23, households=h23, member_households=m23)
    return {"a": a, "b": b, "c": c, "empty": empty}


def test_city_rate_divides_summed_members_by_summed_area_households(city):
    [row] = selectors.membership_stats(survey_date=D23, level="city")
    assert (row.code, row.name) == ("01100", "札幌市")
    assert (row.households, row.member_households, row.associations) == (1000, 690, 4)
    assert row.rate == Decimal("69.00")
    assert row.denominator == Denominator.AREA
    assert row.fiscal_year == 2022


def test_change_against_the_previous_survey_in_points(city):
    [row] = selectors.membership_stats(survey_date=D23, level="city")
    assert row.previous_survey_date == D22
    assert row.previous_rate == Decimal("70.00")
    assert row.change == Decimal("-1.00")


def test_ward_level_rows(city):
    rows = {r.code: r for r in selectors.membership_stats(survey_date=D23, level="ward")}
    assert set(rows) == {"01101", "01102"}
    assert rows["01101"].rate == Decimal("70.73")  # 290 / 410
    assert rows["01102"].rate == Decimal("67.80")  # 400 / 590


def test_district_and_federation_levels_group_the_unassigned(city):
    districts = {r.code: r for r in selectors.membership_stats(survey_date=D23, level="district")}
    assert districts["01101-D01"].member_households == 290
    assert districts[selectors.UNASSIGNED_CODE].member_households == 400
    federations = {r.code: r for r in selectors.membership_stats(survey_date=D23, level="federation")}
    assert federations["01101-F001"].households == 410


def test_association_with_zero_households_has_no_rate(city):
    rows = {r.code: r for r in selectors.membership_stats(survey_date=D23, level="association")}
    assert rows[city["empty"].code].rate is None
    assert rows[city["empty"].code].change is None
    assert rows[city["a"].code].rate == Decimal("72.73")


def test_first_survey_has_no_previous_and_no_change(city):
    [row] = selectors.membership_stats(survey_date=D22, level="city")
    assert row.previous_survey_date is None
    assert row.change is None


def test_survey_date_without_counts_gives_no_rows(city):
    assert selectors.membership_stats(survey_date=dt.date(2030, 1, 1), level="ward") == []


def test_ward_filter_restricts_rows(city):
    rows = selectors.membership_stats(survey_date=D23, level="association", ward=ward("01102"))
    assert {r.code for r in rows} == {city["c"].code, city["empty"].code}


def test_registry_rate_is_shown_beside_never_instead_of_the_area_rate(city):
    WardTotal.objects.update_or_create(
        ward=ward("01102"), survey_date=D23, defaults={"registry_households": 800}
    )
    rows = {r.code: r for r in selectors.membership_stats(survey_date=D23, level="ward")}
    assert rows["01102"].rate == Decimal("67.80")
    assert rows["01102"].registry_households == 800
    assert rows["01102"].registry_rate == Decimal("50.00")
    assert rows["01101"].registry_rate is None


def test_city_registry_rate_only_when_every_ward_has_a_registry_total(city):
    WardTotal.objects.create(ward=ward("01102"), survey_date=D23, registry_households=800)
    [row] = selectors.membership_stats(survey_date=D23, level="city")
    assert row.registry_rate is None  # 9 wards missing: the sum would mix denominators
    for code in ["01101", "01103", "01104", "01105", "01106", "01107", "01108", "01109", "01110"]:
        WardTotal.objects.create(ward=ward(code), survey_date=D23, registry_households=100)
    [row] = selectors.membership_stats(survey_date=D23, level="city")
    assert row.registry_households == 1700
    assert row.registry_rate == Decimal("40.59")


def test_series_gives_every_survey_date_with_changes(city):
    series = selectors.membership_series(level="ward", code="01101")
    assert [r.survey_date for r in series] == [D22, D23]
    assert series[0].change is None
    assert series[1].change == Decimal("0.73")  # 290/410 = 70.73 against 280/400 = 70.00


def test_unknown_level_is_refused():
    with pytest.raises(ValueError):
        selectors.membership_stats(survey_date=D23, level="galaxy")


def test_stats_use_a_constant_number_of_queries(city, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        selectors.membership_stats(survey_date=D23, level="association")


def test_dashboard_measures_the_distance_to_the_target(city):
    dashboard = selectors.city_dashboard()
    assert dashboard.city.member_households == 690
    assert dashboard.progress.gap == 723_778 - 690
    assert int(dashboard.target.value) == 723_778
    assert dashboard.target.fiscal_year == 2028


def test_dashboard_without_counts_has_no_city_row():
    dashboard = selectors.city_dashboard()
    assert dashboard.city is None
    assert dashboard.progress is None


def test_a_survey_whose_round_is_still_open_is_not_the_latest_published(city, city_admin):
    from chonaikai.associations.counts.services.rounds import round_open

    D24 = dt.date(2024, 1, 1)
    survey_round = round_open(actor=city_admin, survey_date=D24, deadline=dt.date(2024, 2, 28))
    HouseholdCountFactory(association=city["a"], survey_date=D24, households=100, member_households=1)
    assert selectors.latest_survey_date() == D23  # one ward's fresh counts are not the city's figures
    assert D24 not in selectors.survey_dates()
    assert selectors.city_dashboard().city.survey_date == D23
    survey_round.progress.update(status="approved")
    assert selectors.latest_survey_date() == D24


def test_a_membership_row_takes_its_fields_in_order_with_their_defaults_and_stays_frozen():
    # MembershipRow writes its own __init__ (the frozen dataclass's is ~10× slower): its parameters
    # must be the dataclass fields, in order, with the same defaults, and the row must stay frozen.
    import dataclasses
    import inspect

    parameters = list(inspect.signature(selectors.MembershipRow.__init__).parameters.values())[1:]
    fields = dataclasses.fields(selectors.MembershipRow)
    assert [(p.name, p.default) for p in parameters] == [
        (f.name, inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default) for f in fields
    ]
    values = {f.name: f"value of {f.name}" for f in fields}
    row = selectors.MembershipRow(*values.values())
    assert row == selectors.MembershipRow(**values)
    assert row.as_dict() == values
    assert repr(row).startswith("MembershipRow(level='value of level', code=")
    assert hash(row) == hash(selectors.MembershipRow(**values))
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.rate = Decimal("1")
    short = selectors.MembershipRow(*list(values.values())[:9])
    assert short.previous_survey_date is None and short.registry_rate is None
