"""The district and federation summaries: kept equal to the sums of the counts by every write of a
count and every move of an association between areas, and read by the district and federation
statistics."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chonaikai.associations import selectors, services
from chonaikai.associations.imports import importer
from chonaikai.associations.models import (
    Association,
    DistrictSummary,
    FederationSummary,
    HouseholdCount,
)
from chonaikai.associations.registry import services as registry
from chonaikai.associations.stats.services import summaries_mismatches, summaries_rebuild, summaries_refresh
from tests.associations.test_summaries import assert_summaries_match_counts
from tests.factories import (
    AssociationFactory,
    DistrictFactory,
    FederationFactory,
    HouseholdCountFactory,
    ward,
)

pytestmark = pytest.mark.django_db

SURVEY = dt.date(2025, 1, 1)
PREVIOUS = dt.date(2024, 1, 1)
Level = selectors.Level


@pytest.fixture
def areas():
    """中央区: districts D1, D2 and federations F1 (in D1), F2 (in D2); 北区: district K1, federation KF1.

    Associations (codes far above the sample data's): a in D1/F1, b in D1 and no federation, c in D2/F2,
    d in no district and F2; k in K1/KF1, l in nothing. Counts on PREVIOUS for all of them.
    """
    chuo, kita = ward("01101"), ward("01102")
    d1 = DistrictFactory(ward=chuo, code="01101-D91", name="第一地区")
    d2 = DistrictFactory(ward=chuo, code="01101-D92", name="第二地区")
    k1 = DistrictFactory(ward=kita, code="01102-D91", name="北地区")
    f1 = FederationFactory(ward=chuo, district=d1, code="01101-F991", name="連合一")
    f2 = FederationFactory(ward=chuo, district=d2, code="01101-F992", name="連合二")
    kf1 = FederationFactory(ward=kita, district=k1, code="01102-F991", name="北連合")
    made = {}
    for key, w, code, district, federation, households in (
        ("a", chuo, "01101-9001", d1, f1, 100),
        ("b", chuo, "01101-9002", d1, None, 200),
        ("c", chuo, "01101-9003", d2, f2, 300),
        ("d", chuo, "01101-9004", None, f2, 400),
        ("k", kita, "01102-9001", k1, kf1, 500),
        ("l", kita, "01102-9002", None, None, 600),
    ):
        made[key] = AssociationFactory(ward=w, code=code, district=district, federation=federation)
        HouseholdCountFactory(
            association=made[key],
            survey_date=PREVIOUS,
            households=households,
            member_households=households // 2,
        )
    made.update(chuo=chuo, kita=kita, d1=d1, d2=d2, k1=k1, f1=f1, f2=f2, kf1=kf1)
    return made


def held(model):
    area = f"{model.AREA}__code"
    return sorted(
        (w, a or "-", d, h, m, n)
        for w, a, d, h, m, n in model.objects.values_list(
            "ward__code", area, "survey_date", "households", "member_households", "associations"
        )
    )


def figures(level, day=PREVIOUS, ward=None):
    return {
        r.code: (r.households, r.member_households, r.associations)
        for r in selectors.membership_stats(survey_date=day, level=level, ward=ward)
    }


def test_each_ward_holds_one_row_per_area_and_one_for_the_associations_of_no_area(areas):
    assert held(DistrictSummary) == [
        ("01101", "-", PREVIOUS, 400, 200, 1),
        ("01101", "01101-D91", PREVIOUS, 300, 150, 2),
        ("01101", "01101-D92", PREVIOUS, 300, 150, 1),
        ("01102", "-", PREVIOUS, 600, 300, 1),
        ("01102", "01102-D91", PREVIOUS, 500, 250, 1),
    ]
    assert held(FederationSummary) == [
        ("01101", "-", PREVIOUS, 200, 100, 1),
        ("01101", "01101-F991", PREVIOUS, 100, 50, 1),
        ("01101", "01101-F992", PREVIOUS, 700, 350, 2),
        ("01102", "-", PREVIOUS, 600, 300, 1),
        ("01102", "01102-F991", PREVIOUS, 500, 250, 1),
    ]
    assert_summaries_match_counts()


def test_the_unassigned_row_of_the_city_sums_every_wards(areas):
    districts = figures(Level.DISTRICT)
    assert districts[selectors.UNASSIGNED_CODE] == (1000, 500, 2)  # d (中央区) and l (北区)
    assert districts["01101-D91"] == (300, 150, 2)
    assert figures(Level.FEDERATION, ward=areas["chuo"])[selectors.UNASSIGNED_CODE] == (200, 100, 1)


def test_district_and_federation_stats_read_the_summaries_not_the_counts(areas):
    with CaptureQueriesContext(connection) as queries:
        selectors.membership_stats(survey_date=PREVIOUS, level=Level.DISTRICT)
        selectors.membership_stats(survey_date=PREVIOUS, level=Level.FEDERATION, ward=areas["chuo"])
        selectors.membership_series(level=Level.FEDERATION)
    sql = " ".join(q["sql"] for q in queries)
    assert DistrictSummary._meta.db_table in sql
    assert FederationSummary._meta.db_table in sql
    assert HouseholdCount._meta.db_table not in sql


def test_moving_an_association_to_another_district_and_federation_moves_its_counts_on_every_date(areas):
    a = areas["a"]
    HouseholdCountFactory(association=a, survey_date=SURVEY, households=110, member_households=60)
    registry.association_update(
        actor=None, association_id=a.pk, values={"district": areas["d2"], "federation": areas["f2"]}
    )
    assert figures(Level.DISTRICT)["01101-D91"] == (200, 100, 1)
    assert figures(Level.DISTRICT)["01101-D92"] == (400, 200, 2)
    assert "01101-F991" not in figures(Level.FEDERATION)  # its only association left
    assert figures(Level.FEDERATION, SURVEY) == {"01101-F992": (110, 60, 1)}
    assert figures(Level.WARD)["01101"] == (1000, 500, 4)  # the ward's figures do not move
    assert_summaries_match_counts()


def test_leaving_a_district_and_a_federation_moves_the_counts_to_the_rows_of_no_area(areas):
    registry.association_update(
        actor=None, association_id=areas["k"].pk, values={"district": None, "federation": None}
    )
    assert figures(Level.DISTRICT, ward=areas["kita"]) == {selectors.UNASSIGNED_CODE: (1100, 550, 2)}
    assert figures(Level.FEDERATION, ward=areas["kita"]) == {selectors.UNASSIGNED_CODE: (1100, 550, 2)}
    assert_summaries_match_counts()


def test_an_update_that_changes_no_area_writes_no_summary(areas):
    before = DistrictSummary.objects.order_by("pk").values_list("pk", flat=True)
    before = list(before)
    registry.association_update(actor=None, association_id=areas["a"].pk, values={"name": "改名した町内会"})
    assert list(DistrictSummary.objects.order_by("pk").values_list("pk", flat=True)) == before


def test_a_change_of_federation_in_the_admin_moves_the_counts(areas, rf, city_admin):
    from django.contrib import admin
    from django.forms.models import model_to_dict

    model_admin = admin.site._registry[Association]
    request = rf.post("/")
    request.user = city_admin
    association = areas["b"]
    data = {k: ("" if v is None else v) for k, v in model_to_dict(association).items()}
    data["federation"] = areas["f1"].pk
    form = model_admin.get_form(request, association, change=True)(data=data, instance=association)
    assert form.is_valid(), form.errors
    assert form.changed_data == ["federation"]
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    assert figures(Level.FEDERATION)["01101-F991"] == (300, 150, 2)
    assert_summaries_match_counts()


def test_a_refresh_of_a_pair_without_counts_removes_its_area_rows(areas):
    HouseholdCount.objects.filter(association__ward=areas["kita"])._raw_delete(connection.alias)
    summaries_refresh([(areas["kita"].pk, PREVIOUS)])
    assert not DistrictSummary.objects.filter(ward=areas["kita"]).exists()
    assert not FederationSummary.objects.filter(ward=areas["kita"]).exists()
    assert_summaries_match_counts()


def test_check_reports_and_rebuild_repairs_a_move_made_around_the_services(areas):
    from django.core.management import CommandError, call_command

    Association.objects.filter(pk=areas["a"].pk).update(district=areas["d2"])  # no service, no refresh
    assert {m.model for m in summaries_mismatches()} == {DistrictSummary}
    with pytest.raises(CommandError, match="2件"):  # D1 too high, D2 too low
        call_command("rebuild_summaries", "--check")
    call_command("rebuild_summaries")
    assert summaries_mismatches() == []
    assert figures(Level.DISTRICT)["01101-D92"] == (400, 200, 2)
    # Rows: 2 wards; 5 district and 5 federation rows (the fixture's test above).
    assert summaries_rebuild() == 2 + 5 + 5


def test_random_writes_moves_and_deletes_keep_every_level_equal_to_the_counts(areas):
    """Imports, grid saves, moves between areas (the ward never changes), deletions and mergers in
    a seeded random order; after each, every summary equals the sums of the counts."""
    rng = random.Random(17)
    chuo, kita = areas["chuo"], areas["kita"]
    choices = {
        chuo.pk: ([areas["d1"], areas["d2"], None], [areas["f1"], areas["f2"], None]),
        kita.pk: ([areas["k1"], None], [areas["kf1"], None]),
    }
    for w, n in ((chuo, 6), (kita, 4)):
        for i in range(n):
            district, federation = rng.choice(choices[w.pk][0]), rng.choice(choices[w.pk][1])
            AssociationFactory(ward=w, code=f"{w.code}-95{i:02d}", district=district, federation=federation)
    services.round_open(actor=None, survey_date=SURVEY, deadline=dt.date(2025, 2, 28))
    dates = [dt.date(2023, 1, 1), PREVIOUS, SURVEY]
    done = {"import": 0, "grid": 0, "move": 0, "delete": 0, "merge": 0}

    def active():
        return list(Association.objects.filter(status="active").order_by("code"))

    for _step in range(40):
        op = rng.choice(["import", "import", "grid", "move", "move", "delete", "merge"])
        if op == "import":
            picked = rng.sample(active(), rng.randint(1, 6))
            day = rng.choice(dates[:2])  # SURVEY belongs to the round's grid
            rows = [
                importer.ParsedRow(
                    code=a.code, households=(h := rng.randint(50, 900)), member_households=h // 2, note="乱数"
                )
                for a in picked
            ]
            services.counts_import_commit(actor=None, survey_date=day, rows=rows)
        elif op == "grid":
            w = rng.choice([chuo, kita])
            picked = rng.sample([a for a in active() if a.ward_id == w.pk], 2)
            versions = dict(
                HouseholdCount.objects.filter(survey_date=SURVEY, association__in=picked).values_list(
                    "association_id", "version"
                )
            )
            changes = [
                services.CountChange(
                    association_id=a.pk,
                    households=(h := rng.randint(50, 900)),
                    member_households=h // 2,
                    note="乱数",
                    base_version=versions.get(a.pk, 0),
                )
                for a in picked
            ]
            result = services.counts_grid_save(
                actor=None, ward_code=w.code, survey_date=SURVEY, changes=changes
            )
            assert result.created + result.updated + result.unchanged == 2
        elif op == "move":
            a = rng.choice(list(Association.objects.order_by("code")))  # ended ones may move too
            district_choices, federation_choices = choices[a.ward_id]
            registry.association_update(
                actor=None,
                association_id=a.pk,
                values={
                    "district": rng.choice(district_choices),
                    "federation": rng.choice(federation_choices),
                },
            )
        elif op == "delete":
            # Counts deleted as delete_sample_data deletes them: raw, then the pairs refreshed.
            counts = HouseholdCount.objects.filter(association=rng.choice(active()), survey_date__lt=SURVEY)
            pairs = set(counts.values_list("association__ward_id", "survey_date"))
            counts._raw_delete(connection.alias)
            summaries_refresh(pairs)
        else:
            w = rng.choice([chuo, kita])
            first, second = rng.sample([a for a in active() if a.ward_id == w.pk], 2)
            if HouseholdCount.objects.filter(association=first, survey_date__gt=PREVIOUS).exists():
                continue  # a merger may not end before a count of the association
            registry.association_merge(
                actor=None, predecessor_ids=[first.pk], successor_id=second.pk, merged_on=dt.date(2024, 6, 30)
            )
        done[op] += 1
        assert_summaries_match_counts()
    assert min(done.values()) >= 2, done
