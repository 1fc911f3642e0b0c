"""`manage.py seed_demo`: a clearly labelled synthetic dataset that reproduces the published city figures.

The command runs once for the module (it is the slow part, about 3 s); the rows are committed outside
the per-test transactions and deleted again when the module ends. Tests that run it a second time do
so inside their own transaction, which is rolled back.
"""

import datetime as dt
import hashlib
import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F

from chonaikai.associations import rules, selectors
from chonaikai.associations.models import Association, Federation, HouseholdCount
from chonaikai.calendar import era_of
from chonaikai.cities.profile import read_profile
from chonaikai.demo import associations as sample
from chonaikai.demo import subsidies as subsidy_sample
from chonaikai.demo.dataset import SMALL, city_targets, largest_remainder, params_from_profile
from tests.conftest import TEST_CITY
from wards.models import District, WardTotal

SEED = 7
PUBLISHED_RATES = {
    dt.date(2019, 1, 1): Decimal("70.49"),
    dt.date(2020, 1, 1): Decimal("70.08"),
    dt.date(2021, 1, 1): Decimal("69.87"),
    dt.date(2022, 1, 1): Decimal("69.62"),
    dt.date(2023, 1, 1): Decimal("69.4"),
    dt.date(2025, 1, 1): Decimal("68.8"),
}
HIRAGANA = re.compile(r"^[ぁ-ゖー]+$")
# The test city's sample parameters, wards and registry households (what load_city loads), for the
# tests without a database.
PROFILE = read_profile(TEST_CITY)
PARAMS = params_from_profile(PROFILE)
WARDS = sample.wards_from_profile(PROFILE, PARAMS)


def _ward_totals():
    return sorted(WardTotal.objects.values_list("ward__code", "survey_date", "registry_households", "source"))


def _digest() -> str:
    """A fingerprint of every sample row that matters, independent of primary keys."""
    h = hashlib.sha256()
    for row in District.objects.filter(is_sample=True).order_by("code").values_list("code", "name", "kana"):
        h.update(repr(row).encode())
    for row in (
        Federation.objects.filter(is_sample=True)
        .order_by("code")
        .values_list("code", "name", "district__code")
    ):
        h.update(repr(row).encode())
    for row in (
        Association.objects.filter(is_sample=True)
        .order_by("code")
        .values_list(
            "code",
            "name",
            "kana",
            "district__code",
            "federation__code",
            "status",
            "ended_on",
            "successor__code",
            "founded_on",
            "hall_latitude",
            "hall_longitude",
            "representative_name",
            "contact_email",
            "is_authorized_body",
        )
    ):
        h.update(repr(row).encode())
    for row in (
        HouseholdCount.objects.filter(association__is_sample=True)
        .order_by("association__code", "survey_date")
        .values_list("association__code", "survey_date", "households", "member_households")
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


def _row_counts() -> dict[str, int]:
    return {
        "districts": District.objects.count(),
        "federations": Federation.objects.count(),
        "associations": Association.objects.count(),
        "counts": HouseholdCount.objects.count(),
        "association_history": Association.history.count(),
        "count_history": HouseholdCount.history.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ward_totals_before = _ward_totals()
        out = io.StringIO()
        call_command("seed_demo", seed=SEED, stdout=out)
        yield {"output": out.getvalue(), "ward_totals_before": ward_totals_before, "digest": _digest()}
        with transaction.atomic():
            subsidy_sample.delete_sample_applications()  # they protect the sample associations
            sample.delete_sample_data()


# ---------------------------------------------------------------------------------------------
# Pure arithmetic and generation (no database)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "caps", "expected"),
    [
        (10, [1, 1, 1], None, [4, 3, 3]),  # tie: the lower index gets the spare unit
        (7, [0.5, 0.25, 0.25], None, [3, 2, 2]),  # quotas 3.5, 1.75, 1.75: biggest fractions win
        (0, [3, 1], None, [0, 0]),
        (100, [1, 99], [5, 200], [1, 99]),
        (10, [9, 1], [5, 10], [5, 5]),  # capped share fixed, the rest goes to the others
        (6, [1, 1, 1], [2, 2, 2], [2, 2, 2]),
    ],
)
def test_largest_remainder_splits_totals_exactly(total, weights, caps, expected):
    assert largest_remainder(total, weights, caps) == expected


def test_largest_remainder_refuses_caps_below_the_total():
    with pytest.raises(ValueError):
        largest_remainder(10, [1, 1], [3, 3])


def test_city_targets_reproduce_the_published_rates_and_member_households():
    targets = city_targets(PARAMS)
    assert list(targets) == list(PARAMS.survey_dates)
    for day, rate in PUBLISHED_RATES.items():
        assert rules.membership_rate(targets[day].member_households, targets[day].households) == rate
    assert targets[dt.date(2023, 1, 1)].member_households == 685_497
    assert Decimal("68.8") < targets[dt.date(2024, 1, 1)].rate < Decimal("69.4")
    members = [t.member_households for t in targets.values()]
    households = [t.households for t in targets.values()]
    assert members == sorted(set(members)), "member households rise every year"
    assert households == sorted(set(households))


def test_the_same_seed_generates_the_same_dataset_and_another_seed_a_different_one():
    first = sample.generate(wards=WARDS, params=PARAMS, seed=SEED)
    assert sample.generate(wards=WARDS, params=PARAMS, seed=SEED) == first
    other = sample.generate(wards=WARDS, params=PARAMS, seed=SEED + 1)
    assert other.associations != first.associations
    assert other.counts != first.counts
    # Codes depend only on the wards, so a re-seed with another seed updates rows in place.
    assert [a.code for a in other.associations] == [a.code for a in first.associations]


def test_generated_counts_hit_the_city_targets_and_never_exceed_households():
    dataset = sample.generate(wards=WARDS, params=PARAMS, seed=SEED + 2)
    assert dataset.city_totals() == city_targets(PARAMS)
    assert all(0 <= c.member_households <= c.households for c in dataset.counts)


def test_the_small_city_has_a_twentieth_of_the_households_at_the_published_rates():
    dataset = sample.generate(wards=WARDS, params=PARAMS, seed=SEED, size=SMALL)
    full = city_targets(PARAMS)

    assert len(dataset.associations) == 110
    assert sorted(d.ward_code for d in dataset.districts) == sorted(w.code for w in WARDS)
    assert {a.ward_code for a in dataset.associations} == {w.code for w in WARDS}
    assert dataset.city_totals() == city_targets(PARAMS, SMALL)
    for day, total in dataset.city_totals().items():
        assert total.rate == PARAMS.rates[day]
        assert abs(total.households * 20 - full[day].households) <= 20
    assert all(0 <= c.member_households <= c.households for c in dataset.counts)
    assert all(a.name.endswith(sample.SAMPLE_MARK) for a in dataset.associations)


# ---------------------------------------------------------------------------------------------
# The command against the database
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_creates_87_districts_90_federations_and_2200_associations(seeded):
    assert District.objects.filter(is_sample=True).count() == 87
    assert District.objects.filter(is_sample=True, ward__code="01107").count() == 8
    assert Federation.objects.filter(is_sample=True).count() == 90
    assert Association.objects.filter(is_sample=True).count() == 2200
    assert not Association.objects.filter(is_sample=False).exists()
    assert set(HouseholdCount.objects.values_list("source", flat=True)) == {HouseholdCount.Source.SAMPLE}


@pytest.mark.django_db
def test_associations_are_spread_over_wards_in_proportion_to_registry_households(seeded):
    registry = dict(
        WardTotal.objects.filter(survey_date=dt.date(2021, 1, 1)).values_list(
            "ward__code", "registry_households"
        )
    )
    total = sum(registry.values())
    per_ward = Counter(Association.objects.values_list("ward__code", flat=True))
    for code, households in registry.items():
        assert abs(per_ward[code] - round(2200 * households / total)) <= 1, code
    # Districts of the other wards follow households too.
    districts = Counter(District.objects.exclude(ward__code="01107").values_list("ward__code", flat=True))
    others = {code: n for code, n in registry.items() if code != "01107"}
    for code, households in others.items():
        assert abs(districts[code] - round(79 * households / sum(others.values()))) <= 1, code


@pytest.mark.django_db
def test_every_generated_name_says_it_is_sample_data_and_contacts_are_fake(seeded):
    for model in (District, Federation, Association):
        names = list(model.objects.filter(is_sample=True).values_list("name", "kana"))
        assert all("（サンプル）" in name for name, _kana in names), model
        assert all(HIRAGANA.match(kana) for _name, kana in names), model
    rows = Association.objects.values_list(
        "representative_name", "contact_phone", "contact_email", "contact_address"
    )
    for representative, phone, email, address in rows:
        assert representative.startswith("サンプル ")
        assert re.fullmatch(r"011-000-\d{4}", phone)
        assert email == "" or email.endswith("@example.jp")
        assert "（架空）" in address


@pytest.mark.django_db
def test_codes_follow_the_ward_code_patterns(seeded):
    assert all(re.fullmatch(r"\d{5}-D\d{2}", c) for c in District.objects.values_list("code", flat=True))
    assert all(re.fullmatch(r"\d{5}-F\d{3}", c) for c in Federation.objects.values_list("code", flat=True))
    for code, ward_code in Association.objects.values_list("code", "ward__code"):
        assert re.fullmatch(r"\d{5}-\d{4}", code) and code.startswith(ward_code)
    association = Association.objects.get(code="01101-0001")
    association.full_clean()  # the model's own validators accept generated rows


@pytest.mark.django_db
def test_search_text_is_filled_although_bulk_create_skips_save(seeded):
    for name, kana, search_text in Association.objects.values_list("name", "kana", "search_text")[:300]:
        assert search_text == Association.build_search_text(name, kana)
    assert Association.objects.search("サンプル").count() == 2200


@pytest.mark.django_db
def test_most_associations_belong_to_a_federation_of_their_own_district(seeded):
    rows = list(
        Association.objects.values_list(
            "district_id", "ward_id", "federation__district_id", "federation__ward_id"
        )
    )
    with_federation = [r for r in rows if r[2] is not None]
    assert 0.95 <= len(with_federation) / len(rows) < 1
    assert all(
        district == fed_district and ward == fed_ward
        for district, ward, fed_district, fed_ward in with_federation
    )
    assert all(f.district.ward_id == f.ward_id for f in Federation.objects.select_related("district"))


@pytest.mark.django_db
def test_city_rate_matches_the_published_figure_on_every_survey_date(seeded):
    assert selectors.survey_dates() == sorted(PARAMS.survey_dates, reverse=True)
    for day, published in PUBLISHED_RATES.items():
        [city] = selectors.membership_stats(survey_date=day, level="city")
        assert abs(city.rate - published) <= Decimal("0.05"), day
    [city_2024] = selectors.membership_stats(survey_date=dt.date(2024, 1, 1), level="city")
    assert Decimal("68.8") < city_2024.rate < Decimal("69.4")


@pytest.mark.django_db
def test_member_households_are_685497_on_2023_01_01_and_rise_every_year(seeded):
    [city] = selectors.membership_stats(survey_date=dt.date(2023, 1, 1), level="city")
    assert city.member_households == 685_497
    series = [r.member_households for r in selectors.membership_series(level="city")]
    assert len(series) == 7 and series == sorted(set(series))
    households = [r.households for r in selectors.membership_series(level="city")]
    assert households == sorted(set(households))


@pytest.mark.django_db
def test_counts_are_plausible_per_association(seeded):
    assert not HouseholdCount.objects.filter(member_households__gt=F("households")).exists()
    sizes = sorted(
        HouseholdCount.objects.filter(survey_date=dt.date(2023, 1, 1)).values_list("households", flat=True)
    )
    assert sizes[0] > 0 and sizes[-1] > 5 * sizes[len(sizes) // 2], "household sizes vary widely"
    ward_rates = [r.rate for r in selectors.membership_stats(survey_date=dt.date(2023, 1, 1), level="ward")]
    assert max(ward_rates) - min(ward_rates) > 3, "wards differ"
    # No ward has more households in its associations' areas than in its registry.
    for row in selectors.membership_stats(survey_date=dt.date(2021, 1, 1), level="ward"):
        assert row.households < row.registry_households, row.code


@pytest.mark.django_db
def test_dissolved_and_merged_associations_have_counts_only_before_they_ended(seeded):
    dissolved = Association.objects.filter(status=Association.Status.DISSOLVED)
    merged = Association.objects.filter(status=Association.Status.MERGED).select_related("successor")
    assert dissolved.count() == 5
    assert 1 <= merged.count() <= 2
    for association in [*dissolved, *merged]:
        dates = list(association.counts.values_list("survey_date", flat=True))
        assert dates and max(dates) < association.ended_on
    for association in merged:
        assert association.successor.status == Association.Status.ACTIVE
        assert association.successor.district_id == association.district_id
    active = Association.objects.filter(status=Association.Status.ACTIVE)
    assert all(a.counts.count() == 7 for a in active[:50])


@pytest.mark.django_db
def test_some_associations_have_a_hall_near_their_ward_office_founding_dates_and_authorized_bodies(seeded):
    with_hall = Association.objects.filter(hall_latitude__isnull=False).select_related("ward")
    assert 300 < with_hall.count() < 1500
    for association in with_hall:
        lat, lon = PARAMS.offices[association.ward.code]
        assert abs(float(association.hall_latitude) - lat) <= 0.0201
        assert abs(float(association.hall_longitude) - lon) <= 0.0251
    founded = Association.objects.values_list("founded_on", flat=True)
    assert all(dt.date(1946, 1, 1) <= d <= dt.date(2019, 4, 30) for d in founded)  # 昭和 or 平成
    assert {era_of(d)[0].name for d in founded} == {"昭和", "平成"}
    assert 0 < Association.objects.filter(is_authorized_body=True).count() < 300


@pytest.mark.django_db
def test_registry_totals_are_left_alone(seeded):
    assert _ward_totals() == seeded["ward_totals_before"]


@pytest.mark.django_db
def test_each_sample_row_has_one_history_row(seeded):
    assert Association.history.count() == 2200
    assert HouseholdCount.history.count() == HouseholdCount.objects.count()
    assert set(Association.history.values_list("history_change_reason", flat=True)) == {sample.HISTORY_REASON}


@pytest.mark.django_db
def test_the_summary_is_printed_in_japanese_with_the_rate_per_survey_date(seeded):
    output = seeded["output"]
    assert "町内会・自治会: 2,200" in output
    assert "まちづくりセンター地区: 87" in output
    assert "連合町内会: 90" in output
    for day, rate in PUBLISHED_RATES.items():
        assert f"{day:%Y-%m-%d}  {rate:.2f}%" in output
    assert "685,497" in output


@pytest.mark.django_db
def test_running_it_again_with_the_same_seed_changes_nothing(seeded):
    before = _row_counts()
    ids = dict(Association.objects.values_list("code", "id"))
    call_command("seed_demo", seed=SEED, stdout=io.StringIO())
    assert _row_counts() == before
    assert _digest() == seeded["digest"]
    assert dict(Association.objects.values_list("code", "id")) == ids, "primary keys survive a re-run"


@pytest.mark.django_db
def test_it_refuses_to_overwrite_real_associations_with_the_same_code(seeded):
    Association.objects.filter(code="01101-0001").update(is_sample=False, name="本物の町内会")
    with pytest.raises(CommandError, match="サンプルではない町内会"):
        call_command("seed_demo", seed=SEED, stdout=io.StringIO())
    assert Association.objects.get(code="01101-0001").name == "本物の町内会"
