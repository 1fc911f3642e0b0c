"""City-wide district and federation statistics kept by the process (stats.kept): given again only
while the summaries of their dates and the areas' names are what they were made from, whoever
changed them (this process, another one, raw SQL with the revision written the way services do)."""

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.utils import translation

from chonaikai.associations import selectors, services
from chonaikai.associations.imports import importer
from chonaikai.associations.models import WardSummary
from chonaikai.associations.registry import services as registry
from chonaikai.associations.stats.kept import KeptRows
from chonaikai.associations.stats.services import summaries_rebuild, summaries_refresh
from tests.associations.test_area_summaries import areas  # noqa: F401 (fixture)
from wards.models import District

pytestmark = pytest.mark.django_db

SURVEY = dt.date(2025, 1, 1)
PREVIOUS = dt.date(2024, 1, 1)
Level = selectors.Level


def city_wide(level, day=PREVIOUS):
    return selectors.membership_stats(survey_date=day, level=level)


def made_afresh(level, day=PREVIOUS):
    """What the rows are, summed from the counts (no summary, nothing kept)."""
    previous_day = selectors.previous_survey_date(day)
    pair = [day] + ([previous_day] if previous_day else [])
    return selectors._stats_from_sums(
        level, day, previous_day, None, selectors._count_sums(level, pair, None)
    )


@pytest.fixture
def made(monkeypatch):
    """Counts how often the city-wide rows are made from the summaries (not given from the kept)."""
    calls = []
    real = selectors._area_sums

    def counting(level, survey_date, previous_day, ward):
        calls.append((level, survey_date, ward))
        return real(level, survey_date, previous_day, ward)

    monkeypatch.setattr(selectors, "_area_sums", counting)
    monkeypatch.setattr(selectors, "_kept_area_rows", KeptRows())
    return calls


@pytest.mark.parametrize("level", [Level.DISTRICT, Level.FEDERATION])
def test_rows_are_made_once_and_given_again_while_nothing_changes(areas, made, level):  # noqa: F811
    first = city_wide(level)
    assert first == made_afresh(level)
    second = city_wide(level)
    assert second == first
    assert second is not first  # a new list each time: a caller may sort or append
    assert len(made) == 1


def test_a_count_written_through_a_service_is_in_the_next_rows(areas, made):  # noqa: F811
    before = {row.code: row for row in city_wide(Level.DISTRICT)}
    services.counts_import_commit(
        actor=None,
        survey_date=PREVIOUS,
        rows=[importer.ParsedRow(code="01101-9001", households=180, member_households=90, sheet="", row=2)],
    )
    after = {row.code: row for row in city_wide(Level.DISTRICT)}
    assert after["01101-D91"].households == before["01101-D91"].households + 80
    assert list(after.values()) == made_afresh(Level.DISTRICT)
    assert len(made) == 2


def test_moving_an_association_to_another_district_is_in_the_next_rows(areas, made):  # noqa: F811
    city_wide(Level.DISTRICT)
    city_wide(Level.FEDERATION)
    registry.association_update(
        actor=None, association_id=areas["a"].pk, values={"district": areas["d2"], "federation": None}
    )
    assert city_wide(Level.DISTRICT) == made_afresh(Level.DISTRICT)
    assert city_wide(Level.FEDERATION) == made_afresh(Level.FEDERATION)
    assert len(made) == 4


def test_a_district_renamed_around_the_services_is_in_the_next_rows(areas, made):  # noqa: F811
    city_wide(Level.DISTRICT)
    District.objects.filter(code="01101-D91").update(name="改名した地区")  # no signal, no refresh
    rows = {row.code: row.name for row in city_wide(Level.DISTRICT)}
    assert rows["01101-D91"] == "改名した地区"
    assert len(made) == 2


def test_a_refresh_committed_elsewhere_is_seen_by_its_revision(areas, made):  # noqa: F811
    """Another process changed a district's summary under its ward summary's lock, with a new
    revision: this process has had no message, and still makes the rows again."""
    kept = city_wide(Level.DISTRICT)
    row = WardSummary.objects.get(ward__code="01101", survey_date=PREVIOUS)
    with connection.cursor() as cursor:  # what another process's refresh leaves behind
        cursor.execute(
            "UPDATE associations_districtsummary SET households = households + 1 "
            "WHERE ward_id = %s AND survey_date = %s AND district_id = %s",
            [row.ward_id, PREVIOUS, areas["d1"].pk],
        )
    WardSummary.objects.filter(pk=row.pk).update(
        revision=WardSummary._meta.get_field("revision").get_default()
    )
    rows = {r.code: r for r in city_wide(Level.DISTRICT)}
    assert rows["01101-D91"].households == {r.code: r for r in kept}["01101-D91"].households + 1
    assert len(made) == 2


def test_every_refresh_and_every_rebuild_gives_new_revisions(areas):  # noqa: F811
    def revisions():
        return dict(WardSummary.objects.values_list("pk", "revision"))

    before = revisions()
    pair = WardSummary.objects.values_list("ward_id", "survey_date").first()
    summaries_refresh([pair])  # the same sums: the area rows were still rewritten
    after = revisions()
    changed = [pk for pk in before if before[pk] != after[pk]]
    assert changed == [WardSummary.objects.get(ward_id=pair[0], survey_date=pair[1]).pk]
    summaries_rebuild()
    rebuilt = dict(WardSummary.objects.values_list("ward_id", "revision"))
    assert not set(rebuilt.values()) & set(after.values())


def test_a_rebuild_makes_the_rows_again(areas, made):  # noqa: F811
    city_wide(Level.FEDERATION)
    summaries_rebuild()
    assert city_wide(Level.FEDERATION) == made_afresh(Level.FEDERATION)
    assert len(made) == 2


def test_each_language_has_its_own_rows(areas, made):  # noqa: F811
    with translation.override("ja"):
        ja = {row.code: row.name for row in city_wide(Level.DISTRICT)}
    with translation.override("en"):
        en = {row.code: row.name for row in city_wide(Level.DISTRICT)}
    assert ja[selectors.UNASSIGNED_CODE] == "（地区未設定）"
    assert en[selectors.UNASSIGNED_CODE] != ja[selectors.UNASSIGNED_CODE]
    assert len(made) == 2


def test_one_wards_rows_are_never_kept(areas, made):  # noqa: F811
    one = areas["kita"]
    selectors.membership_stats(survey_date=PREVIOUS, level=Level.DISTRICT, ward=one)
    selectors.membership_stats(survey_date=PREVIOUS, level=Level.DISTRICT, ward=one)
    assert len(made) == 2
    assert len(selectors._kept_area_rows) == 0


def test_the_process_keeps_only_the_most_recently_used_entries():
    kept = KeptRows(max_entries=2)
    for key in ("a", "b"):
        kept.put(key, [key], revisions=1, names={})
    assert kept.get("a", revisions=1, names={}) == ["a"]  # "a" is now the most recent
    kept.put("c", ["c"], revisions=1, names={})
    assert kept.get("b", revisions=1, names={}) is None
    assert kept.get("a", revisions=1, names={}) == ["a"]
    assert kept.get("a", revisions=2, names={}) is None
    assert kept.get("a", revisions=1, names={None: ("-", "other")}) is None
    assert len(kept) == 2


def test_the_revisions_are_read_before_the_sums():
    """Rows made from sums newer than their revisions would be given out stale: the order matters."""
    order = []
    with (
        mock.patch.object(
            selectors, "_summary_revisions", side_effect=lambda dates: order.append("revisions")
        ),
        mock.patch.object(selectors, "_area_sums", side_effect=lambda *a: order.append("sums") or []),
        mock.patch.object(selectors, "_area_names", return_value={None: ("-", "")}),
        mock.patch.object(selectors, "_kept_area_rows", KeptRows()),
    ):
        selectors._area_stats(Level.DISTRICT, SURVEY, PREVIOUS, None)
    assert order == ["revisions", "sums"]
