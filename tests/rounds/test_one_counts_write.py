"""services.counts.counts_write: the one write of household counts, used by the grid, the import and
seed_demo (versions, history, round progress, summaries)."""

from unittest import mock

import pytest

from chonaikai.associations import services
from chonaikai.associations.imports.services import counts as counts_service
from chonaikai.associations.imports.services.counts import CountValues, counts_write
from chonaikai.associations.models import HouseholdCount, WardProgress, WardSummary
from chonaikai.demo import associations as sample
from chonaikai.demo.dataset import SMALL

from .helpers import SURVEY, change, progress, save

pytestmark = pytest.mark.django_db


def _values(association, households, members, *, version=0, note=""):
    return CountValues(
        association_id=association.pk,
        ward_id=association.ward_id,
        survey_date=SURVEY,
        households=households,
        member_households=members,
        note=note,
        base_version=version,
    )


def test_counts_write_creates_and_updates_with_versions_history_progress_and_summaries(
    ward_staff_chuo, counted_a, counted_b, survey_round
):
    written = counts_write(
        actor=ward_staff_chuo,
        rows=[_values(counted_a, 100, 70), _values(counted_b, 200, 150)],
        source=HouseholdCount.Source.ENTRY,
        change_reason="理由" * 60,
    )
    assert (len(written.created), len(written.updated)) == (2, 0)
    assert progress("01101").status == WardProgress.Status.IN_PROGRESS
    summary = WardSummary.objects.get(ward=counted_a.ward, survey_date=SURVEY)
    assert (summary.households, summary.member_households, summary.associations) == (300, 220, 2)

    written = counts_write(
        actor=ward_staff_chuo,
        rows=[_values(counted_a, 110, 75, version=1, note="戸建て増")],
        source=HouseholdCount.Source.IMPORT,
    )
    count = HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY)
    assert (count.households, count.note, count.version, count.source) == (110, "戸建て増", 2, "import")
    assert count.entered_by == ward_staff_chuo
    kinds = list(count.history.order_by("history_id").values_list("history_type", "history_change_reason"))
    assert kinds == [("+", ("理由" * 60)[:100]), ("~", "")]
    assert WardSummary.objects.get(ward=counted_a.ward, survey_date=SURVEY).households == 310


def test_counts_write_without_mark_started_leaves_the_rounds_progress_alone(counted_a, survey_round):
    counts_write(actor=None, rows=[_values(counted_a, 100, 70)], source="sample", mark_started=False)
    assert progress("01101").status == WardProgress.Status.NOT_STARTED
    assert HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY).entered_by is None


def test_the_grid_save_writes_through_counts_write(ward_staff_chuo, counted_a, survey_round):
    with mock.patch(
        "chonaikai.associations.counts.services.entry.counts_write", wraps=counts_service.counts_write
    ) as spy:
        save(ward_staff_chuo, "01101", change(counted_a, 101, 71))
    assert spy.call_count == 1 and spy.call_args.kwargs["source"] == HouseholdCount.Source.ENTRY


def test_the_import_writes_through_counts_write(ward_staff_chuo, counted_a, survey_round):
    from chonaikai.associations.imports import importer

    row = importer.ParsedRow(
        code=counted_a.code, name=counted_a.name, households=101, member_households=71, row=2
    )
    with mock.patch("chonaikai.associations.imports.services.counts.counts_write", wraps=counts_write) as spy:
        result = services.counts_import_commit(actor=ward_staff_chuo, survey_date=SURVEY, rows=[row])
    assert result.created == 1 and spy.call_count == 1


def test_seed_demo_writes_its_counts_through_counts_write():
    # The small city (a twentieth): the same code path as the full one, every ward and survey date.
    with mock.patch("chonaikai.demo.associations.storage.counts_write", wraps=counts_write) as spy:
        dataset = sample.seed_sample_data(size=SMALL)
    (call,) = spy.call_args_list
    assert len(dataset.counts) > 0
    assert len(call.kwargs["rows"]) == len(dataset.counts)
    assert call.kwargs["source"] == HouseholdCount.Source.SAMPLE and call.kwargs["mark_started"] is False
