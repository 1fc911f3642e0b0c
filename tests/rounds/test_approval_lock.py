"""After approval a ward's counts change only by a city admin or with a reason, as new revisions."""

import pytest

from chonaikai.associations import services
from chonaikai.associations.imports import importer
from chonaikai.associations.models import HouseholdCount, WardProgress
from chonaikai.audit.models import AuditEvent

from .helpers import SURVEY, change, save, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_chuo(ward_staff_chuo, counted_a, counted_b, survey_round):
    """中央区 approved with association_a counted (100/70, version 1); association_b not counted."""
    save(ward_staff_chuo, "01101", change(counted_a, 100, 70))
    set_status("01101", WardProgress.Status.APPROVED)
    return HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY)


def test_ward_staff_cannot_change_an_approved_ward_without_a_reason(ward_staff_chuo, approved_chuo):
    with pytest.raises(services.CountsEntryRejected) as rejected:
        save(ward_staff_chuo, "01101", change(approved_chuo.association, 105, 72, version=1))
    (issue,) = rejected.value.issues
    assert (issue.code, issue.field) == ("locked", "reason")
    assert "承認済み" in issue.message and "修正理由" in issue.message
    approved_chuo.refresh_from_db()
    assert (approved_chuo.households, approved_chuo.version) == (100, 1)


def test_ward_staff_cannot_add_a_count_to_an_approved_ward_without_a_reason(
    ward_staff_chuo, approved_chuo, counted_b
):
    with pytest.raises(services.CountsEntryRejected):
        save(ward_staff_chuo, "01101", change(counted_b, 200, 150))
    assert not HouseholdCount.objects.filter(association=counted_b, survey_date=SURVEY).exists()


def test_ward_staff_change_with_a_reason_is_a_new_revision(ward_staff_chuo, approved_chuo):
    save(
        ward_staff_chuo,
        "01101",
        change(approved_chuo.association, 105, 72, version=1),
        reason="転記ミスの訂正",
    )
    approved_chuo.refresh_from_db()
    assert (approved_chuo.households, approved_chuo.member_households, approved_chuo.version) == (105, 72, 2)
    revisions = list(approved_chuo.history.order_by("history_id"))
    assert [(r.households, r.version, r.history_type) for r in revisions] == [(100, 1, "+"), (105, 2, "~")]
    assert revisions[-1].history_change_reason == "転記ミスの訂正"
    assert revisions[-1].history_user == ward_staff_chuo
    event = AuditEvent.objects.filter(action="counts.entered").latest("id")
    assert event.comment == "転記ミスの訂正" and event.after["after_approval"] is True
    # Still approved: a correction does not reopen the ward.
    assert WardProgress.objects.get(ward__code="01101").status == WardProgress.Status.APPROVED


def test_city_admin_may_change_an_approved_ward_without_a_reason(city_admin, approved_chuo):
    save(city_admin, "01101", change(approved_chuo.association, 99, 70, version=1))
    approved_chuo.refresh_from_db()
    assert (approved_chuo.households, approved_chuo.version) == (99, 2)
    assert approved_chuo.history.count() == 2


def test_saving_unchanged_values_of_an_approved_ward_needs_no_reason(ward_staff_chuo, approved_chuo):
    result = save(ward_staff_chuo, "01101", change(approved_chuo.association, 100, 70, version=1))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


def test_other_wards_are_not_locked_by_chuos_approval(ward_staff_kita, approved_chuo, counted_kita):
    save(ward_staff_kita, "01102", change(counted_kita, 50, 40))
    assert HouseholdCount.objects.filter(association=counted_kita, survey_date=SURVEY).exists()


def test_an_entered_count_cannot_be_emptied(ward_staff_chuo, approved_chuo):
    with pytest.raises(services.CountsEntryRejected) as rejected:
        save(
            ward_staff_chuo, "01101", change(approved_chuo.association, None, None, version=1), reason="削除"
        )
    assert [i.code for i in rejected.value.issues] == ["cleared"]
    assert HouseholdCount.objects.filter(pk=approved_chuo.pk).exists()


# ---------------------------------------------------------------------------------------------
# Import into an approved ward
# ---------------------------------------------------------------------------------------------


def _rows(*items):
    return importer.ParsedFile(
        rows=tuple(
            importer.ParsedRow(code=a.code, name=a.name, households=h, member_households=m, row=i + 2)
            for i, (a, h, m) in enumerate(items)
        )
    )


def test_ward_staff_import_changing_an_approved_ward_is_an_error_per_row(
    ward_staff_chuo, approved_chuo, counted_b
):
    preview = importer.check_rows(
        _rows((approved_chuo.association, 120, 80), (counted_b, 200, 150)),
        survey_date=SURVEY,
        actor=ward_staff_chuo,
    )
    assert [row.status for row in preview.rows] == [importer.RowStatus.ERROR, importer.RowStatus.ERROR]
    assert [(e.row, e.column) for e in preview.errors] == [(2, "町内会コード"), (3, "町内会コード")]
    assert "承認済みのため、変更できません" in preview.errors[0].message
    with pytest.raises(services.CountsImportRejected):
        services.counts_import_commit(
            actor=ward_staff_chuo, survey_date=SURVEY, rows=_rows((approved_chuo.association, 120, 80)).rows
        )
    approved_chuo.refresh_from_db()
    assert approved_chuo.households == 100


def test_reimporting_the_approved_values_is_not_an_error(ward_staff_chuo, approved_chuo):
    preview = importer.check_rows(
        _rows((approved_chuo.association, 100, 70)), survey_date=SURVEY, actor=ward_staff_chuo
    )
    assert not preview.issues
    assert preview.rows[0].status == importer.RowStatus.UNCHANGED


def test_ward_staff_import_with_a_reason_is_only_warned(ward_staff_chuo, approved_chuo):
    preview = importer.check_rows(
        _rows((approved_chuo.association, 120, 80)),
        survey_date=SURVEY,
        actor=ward_staff_chuo,
        reason="再調査",
    )
    assert not preview.has_errors
    assert "承認済みです。変更は新しい版として記録されます" in preview.warnings[0].message


def test_city_admin_import_into_an_approved_ward_is_a_new_revision(city_admin, approved_chuo):
    result = services.counts_import_commit(
        actor=city_admin, survey_date=SURVEY, rows=_rows((approved_chuo.association, 120, 80)).rows
    )
    assert result.updated == 1
    assert any("承認済み" in w.message for w in result.preview.warnings)
    approved_chuo.refresh_from_db()
    assert (approved_chuo.households, approved_chuo.version) == (120, 2)
    assert [r.households for r in approved_chuo.history.order_by("history_id")] == [100, 120]
