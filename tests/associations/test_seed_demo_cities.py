"""`manage.py seed_demo` for cities other than the suite's: the sample data follows the loaded profile.

The suite's database holds the Sapporo profile. These tests replace it, inside the test's
transaction (rolled back afterwards), with another shipped profile: cities/sendai (five wards, no
registry totals in sample.toml, `households` instead of `anchor_members`, no districts) and
cities/asahikawa (one area whose code is the city's own, no districts, a 1 April survey). Neither
cites an application programme, so seed_demo makes the labelled sample programme. Expected figures
are computed from the profile's own sample.toml, never copied into the test.
"""

import datetime as dt
import io
import shutil
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from chonaikai.associations import rules
from chonaikai.associations.models import Association, Federation, HouseholdCount
from chonaikai.calendar import fiscal_year_of
from chonaikai.cities import current
from chonaikai.cities.models import City
from chonaikai.cities.profile import read_profile
from chonaikai.demo import associations as sample
from chonaikai.demo import subsidies as subsidy_sample
from chonaikai.demo.dataset import SMALL, SampleDataError, city_targets, params_from_profile
from chonaikai.operations.city_profile import load_profile
from chonaikai.subsidies.models import Application, ExpenseKindRule, Programme, ProgrammeRule
from chonaikai.subsidies.workflow import Status
from wards.models import District, Ward, WardTotal

CITIES = Path(__file__).resolve().parents[2] / "cities"
SENDAI = CITIES / "sendai"
ASAHIKAWA = CITIES / "asahikawa"
FISCAL_YEAR = 2026


@pytest.fixture
def load_city(db):
    """load_city(folder): the test database holds that profile's city instead of the suite's."""

    def load(folder: Path):
        Programme.objects.all().delete()
        WardTotal.objects.all().delete()
        Ward.objects.all().delete()
        City.objects.all().delete()
        profile = read_profile(folder)
        load_profile(profile)
        current.forget()
        return profile

    yield load
    current.forget()  # the rolled-back city must not stay cached for the next test


def _seed(size="small", seed=3) -> str:
    out = io.StringIO()
    call_command("seed_demo", seed=seed, size=size, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _city_totals() -> dict[dt.date, tuple[int, int]]:
    rows = HouseholdCount.objects.values("survey_date").annotate(
        h=Sum("households"), m=Sum("member_households")
    )
    return {r["survey_date"]: (r["h"], r["m"]) for r in rows}


def _members(households: int, rate: Decimal) -> int:
    return int((Decimal(households) * rate / 100).quantize(Decimal(1), ROUND_HALF_UP))


# ---------------------------------------------------------------------------------------------
# Without a database: the parameters and the generator
# ---------------------------------------------------------------------------------------------


def test_a_profile_with_households_reproduces_them_and_the_rate_on_the_anchor_date():
    profile = read_profile(SENDAI)
    params = params_from_profile(profile)
    assert params.anchor_members is None and params.households
    anchor = params.anchor_date
    targets = city_targets(params)
    assert list(targets) == sorted(profile.sample["rates"])
    assert targets[anchor].households == params.households
    assert targets[anchor].member_households == _members(params.households, params.rates[anchor])
    for day, total in targets.items():
        assert total.rate == params.rates[day], day


def test_without_registry_totals_the_households_are_spread_equally_over_the_areas():
    profile = read_profile(SENDAI)
    params = params_from_profile(profile)
    assert params.registry_date is None
    wards = sample.wards_from_profile(profile, params)
    assert {w.weight for w in wards} == {1}
    dataset = sample.generate(wards=wards, params=params, seed=5)
    per_area = Counter(a.ward_code for a in dataset.associations)
    assert len(per_area) == len(profile.areas)
    assert max(per_area.values()) - min(per_area.values()) <= 1
    assert len(dataset.associations) == params.associations
    assert len(dataset.federations) == params.federations
    assert dataset.districts == [] and all(a.district_code is None for a in dataset.associations)
    assert dataset.city_totals() == city_targets(params)
    # Area households at the anchor: each area's share within a few per cent of an equal share.
    households = Counter()
    for count in dataset.counts:
        if count.survey_date == params.anchor_date:
            households[dict((a.code, a.ward_code) for a in dataset.associations)[count.association_code]] += (
                count.households
            )
    equal = params.households / len(profile.areas)
    assert all(abs(h - equal) / equal < 0.05 for h in households.values()), households


def test_a_profile_without_sample_toml_is_refused(tmp_path):
    folder = tmp_path / "city"
    shutil.copytree(ASAHIKAWA, folder)
    (folder / "sample.toml").unlink()
    with pytest.raises(SampleDataError, match=r"sample\.toml がない"):
        params_from_profile(read_profile(folder))


# ---------------------------------------------------------------------------------------------
# The command against a database holding another city
# ---------------------------------------------------------------------------------------------


def test_seed_demo_small_for_a_city_without_registry_totals_and_districts(load_city):
    profile = load_city(SENDAI)
    params = params_from_profile(profile)
    output = _seed()

    # Totals: the rates of the profile on every survey date, households a twentieth of the anchor's.
    totals = _city_totals()
    assert sorted(totals) == sorted(params.rates)
    for day, (households, members) in totals.items():
        assert rules.membership_rate(members, households) == params.rates[day], day
        assert members == _members(households, params.rates[day]), day
    anchor_households, _ = totals[params.anchor_date]
    assert abs(anchor_households * 20 - params.households) <= 20
    assert not HouseholdCount.objects.filter(association__is_sample=False).exists()

    # No districts: none created, no association or federation in one.
    assert not District.objects.exists()
    assert not Association.objects.filter(district__isnull=False).exists()
    assert not Federation.objects.filter(district__isnull=False).exists()
    # Equal spread over the five wards, each association in one of them.
    per_area = Counter(Association.objects.values_list("ward__code", flat=True))
    assert set(per_area) == {a["code"] for a in profile.areas}
    assert max(per_area.values()) - min(per_area.values()) <= 1
    assert "均等に配分" in output

    # Labels.
    for model in (Federation, Association):
        names = list(model.objects.values_list("name", flat=True))
        assert names and all(name.endswith("（サンプル）") for name in names), model
    assert all(
        name.endswith(f"{profile.city['federation_label']}（サンプル）")
        for name in Federation.objects.values_list("name", flat=True)
    )
    area_names = {a["name"] for a in profile.areas}
    for address, ward_name in Association.objects.values_list("contact_address", "ward__name")[:50]:
        assert address.startswith(f"{profile.city['name']}{ward_name}サンプル町") and ward_name in area_names
    for day in params.rates:
        assert f"{day:%Y-%m-%d}  {params.rates[day]:.2f}%" in output


def test_seed_demo_for_a_one_area_city_without_districts(load_city):
    profile = load_city(ASAHIKAWA)
    params = params_from_profile(profile)
    [area] = profile.areas
    assert area["code"] == profile.city["code"]
    output = _seed()

    totals = _city_totals()
    assert sorted(totals) == sorted(params.rates)
    full = city_targets(params)
    for day, (households, members) in totals.items():
        assert rules.membership_rate(members, households) == params.rates[day]
        assert abs(households * 20 - full[day].households) <= 20
    assert full[params.anchor_date].member_households == params.anchor_members

    assert set(Association.objects.values_list("ward__code", flat=True)) == {area["code"]}
    assert Association.objects.count() == round(params.associations / 20)
    assert not District.objects.exists()
    assert not Association.objects.filter(district__isnull=False).exists()
    # The address names the city once, without the area (which is the city).
    addresses = Association.objects.values_list("contact_address", flat=True)
    assert all(a.startswith(f"{profile.city['name']}サンプル町") for a in addresses)
    federation = profile.city["federation_label"]
    assert f"  {federation}: {Federation.objects.count()}" in output
    assert "均等" not in output  # one area: nothing to spread
    # Dissolved associations were counted before they ended.
    for association in Association.objects.exclude(status=Association.Status.ACTIVE):
        dates = list(association.counts.values_list("survey_date", flat=True))
        assert dates and max(dates) < association.ended_on


def test_a_city_without_an_application_programme_gets_one_labelled_sample_programme(load_city):
    load_city(ASAHIKAWA)
    assert not Programme.objects.exists()
    output = _seed()
    [made] = Programme.objects.all()  # by the command, for the current fiscal year
    assert made.fiscal_year == fiscal_year_of(timezone.localdate())
    assert f"サンプルの制度「{made.name}」を作成" in output

    subsidy_sample.seed_sample_applications(seed=3, fiscal_year=FISCAL_YEAR)
    [programme] = Programme.objects.all()
    assert programme.code == subsidy_sample.SAMPLE_PROGRAMME_CODE
    assert programme.name.endswith("（サンプル）")
    assert programme.source == "サンプルデータ（実在しない制度）"
    assert programme.fiscal_year == FISCAL_YEAR
    apps = Application.objects.filter(programme=programme)
    assert set(apps.values_list("status", flat=True)) == set(Status.values)
    assert all(a.is_sample and a.purpose.endswith("（サンプル）") for a in apps)
    assert all(a.approved_amount == a.computed_amount > 0 for a in apps if a.status == Status.APPROVED)

    # A re-run replaces it (one sample programme, not two); deleting the sample data removes it.
    subsidy_sample.seed_sample_applications(seed=3, fiscal_year=FISCAL_YEAR)
    assert Programme.objects.filter(code=subsidy_sample.SAMPLE_PROGRAMME_CODE).count() == 1
    programme = Programme.objects.get()
    rule_ids = list(programme.rules.values_list("pk", flat=True))
    subsidy_sample.delete_sample_applications()
    assert not Programme.objects.exists()
    assert not Programme.history.filter(code=subsidy_sample.SAMPLE_PROGRAMME_CODE).exists()
    assert not ProgrammeRule.history.filter(programme_id=programme.pk).exists()
    assert not ExpenseKindRule.history.filter(rule_id__in=rule_ids).exists()


def test_the_sample_programme_is_removed_on_a_re_run_once_the_city_has_its_own(load_city):
    load_city(SENDAI)
    _seed()
    subsidy_sample.seed_sample_applications(seed=3, fiscal_year=FISCAL_YEAR)
    assert subsidy_sample.sample_programmes().count() == 1

    # The city enters a programme of its own (as load_city would from programmes/2026.toml).
    own = Programme.objects.create(
        code="own", fiscal_year=FISCAL_YEAR, name="地域活動補助金", budget=5_000_000, source="要綱"
    )
    rule = ProgrammeRule.objects.create(programme=own, category="", name="地域活動補助金", cap=50_000)
    ExpenseKindRule.objects.create(rule=rule, code="costs", name="経費", rate_numerator=1, rate_denominator=2)

    summary = subsidy_sample.seed_sample_applications(seed=3, fiscal_year=FISCAL_YEAR)
    assert summary.sample_programme == ""
    assert not subsidy_sample.sample_programmes().exists()
    assert list(Programme.objects.all()) == [own]
    apps = Application.objects.filter(is_sample=True)
    assert set(apps.values_list("programme__code", flat=True)) == {"own"}
    assert set(apps.values_list("status", flat=True)) == set(Status.values)
    # Lines are the rule's own kinds; amounts follow its rate and cap.
    assert all(a.computed_amount <= 50_000 for a in apps)
    assert set(apps.values_list("lines__kind", flat=True)) == {"costs"}


def test_a_city_programme_with_the_sample_code_is_never_touched(load_city):
    load_city(ASAHIKAWA)
    Programme.objects.create(
        code=subsidy_sample.SAMPLE_PROGRAMME_CODE, fiscal_year=FISCAL_YEAR, name="本物の制度", source="要綱"
    )
    with pytest.raises(SampleDataError, match="sample_programme"):
        _seed_applications_after_data()
    assert Programme.objects.get(code=subsidy_sample.SAMPLE_PROGRAMME_CODE).name == "本物の制度"


def _seed_applications_after_data():
    sample.seed_sample_data(seed=3, size=SMALL)
    subsidy_sample.seed_sample_applications(seed=3, fiscal_year=FISCAL_YEAR)


def test_a_smaller_re_run_replaces_a_full_one_although_applications_named_its_associations(load_city):
    profile = load_city(ASAHIKAWA)
    params = params_from_profile(profile)
    _seed(size="full", seed=1)
    assert Association.objects.count() == params.associations
    assert Application.objects.filter(is_sample=True).exists()
    _seed(size="small", seed=2)  # the full run's applications protected associations the small one drops
    assert Association.objects.count() == round(params.associations / 20)
    assert set(Application.objects.values_list("association__is_sample", flat=True)) == {True}
    assert subsidy_sample.sample_programmes().count() == 1


def test_districts_without_registry_totals_take_the_known_counts_and_split_the_rest_equally(tmp_path):
    folder = tmp_path / "city"
    shutil.copytree(SENDAI, folder)
    city_toml = (folder / "city.toml").read_text(encoding="utf-8")
    (folder / "city.toml").write_text(
        city_toml.replace('district = ""', 'district = "地区"'), encoding="utf-8"
    )
    sample_toml = (folder / "sample.toml").read_text(encoding="utf-8")
    sample_toml = sample_toml.replace("districts = 0 ", "districts = 12 ")
    (folder / "sample.toml").write_text(
        sample_toml + '\n[districts_per_area]\n"04101" = 4\n', encoding="utf-8"
    )
    profile = read_profile(folder)
    params = params_from_profile(profile)
    assert params.districts == 12 and params.registry_date is None
    wards = sample.wards_from_profile(profile, params)

    dataset = sample.generate(wards=wards, params=params, seed=4)
    per_area = Counter(d.ward_code for d in dataset.districts)
    assert per_area == {"04101": 4, "04102": 2, "04103": 2, "04104": 2, "04105": 2}
    district_area = {d.code: d.ward_code for d in dataset.districts}
    assert all(district_area[a.district_code] == a.ward_code for a in dataset.associations)
    assert all(district_area[f.district_code] == f.ward_code for f in dataset.federations)
    assert all(d.name.endswith("地区（サンプル）") for d in dataset.districts)

    small = sample.generate(wards=wards, params=params, seed=4, size=SMALL)
    assert Counter(d.ward_code for d in small.districts) == {w.code: 1 for w in wards}
    assert small.city_totals() == city_targets(params, SMALL)
