"""Tamper-proof records: every attachment change undoes the paper entry's check (four-eyes), and
from 交付決定 on the evidence can be added to but never deleted, by anyone."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage

from chonaikai.accounts.names import display_name
from chonaikai.audit.models import AuditEvent
from chonaikai.subsidies import selectors, services
from chonaikai.subsidies.errors import FourEyesViolation, IllegalTransition
from chonaikai.subsidies.models import Attachment
from chonaikai.subsidies.services import LineInput
from chonaikai.subsidies.workflow import Status

from .helpers import pdf_file

pytestmark = pytest.mark.django_db

AFTER_THE_DECISION = [Status.APPROVED, Status.COMPLETION_REPORTED, Status.CONFIRMED, Status.PAID]


@pytest.fixture
def paper(ward_staff_chuo, association_a, digital):
    """A paper entry by ward_staff_chuo, submitted, with its scanned form."""
    app = services.application_enter_paper(
        actor=ward_staff_chuo,
        association_id=association_a.pk,
        programme_id=digital.pk,
        purpose="紙の申請書から入力",
        scanned_form=pdf_file("scan.pdf"),
        received_on=dt.date(2026, 11, 20),
        lines=[LineInput("service", "講習会", 20_000)],
    )
    return services.application_submit(actor=ward_staff_chuo, application_id=app.pk)


def _verified_then_returned(paper, enterer, checker):
    services.application_verify_paper_entry(actor=checker, application_id=paper.pk)
    services.application_start_review(actor=enterer, application_id=paper.pk)
    services.application_return(actor=enterer, application_id=paper.pk, comment="押印の確認")


# ---------------------------------------------------------------------------------------------
# Four-eyes: attachments are part of what the second person checked
# ---------------------------------------------------------------------------------------------


def test_a_clerk_who_swaps_the_scanned_form_after_the_check_cannot_send_it_on_unchecked(
    paper, ward_staff_chuo, ward_staff_chuo_2
):
    # The scenario: checked by a second clerk, returned, the scan replaced by the first clerk.
    _verified_then_returned(paper, ward_staff_chuo, ward_staff_chuo_2)
    scan = paper.attachments.get(kind=Attachment.Kind.SCANNED_FORM)
    services.attachment_delete(actor=ward_staff_chuo, attachment_id=scan.pk)
    services.attachment_add(
        actor=ward_staff_chuo,
        application_id=paper.pk,
        file=pdf_file("another-scan.pdf"),
        kind=Attachment.Kind.SCANNED_FORM,
    )
    app = services.application_submit(actor=ward_staff_chuo, application_id=paper.pk)

    assert app.needs_verification and app.prepared_by == ward_staff_chuo
    with pytest.raises(FourEyesViolation):
        services.application_start_review(actor=ward_staff_chuo, application_id=paper.pk)
    with pytest.raises(FourEyesViolation):
        services.application_verify_paper_entry(actor=ward_staff_chuo, application_id=paper.pk)
    # The second clerk checks the new scan; then the review may start.
    services.application_verify_paper_entry(actor=ward_staff_chuo_2, application_id=paper.pk)
    assert services.application_start_review(actor=ward_staff_chuo, application_id=paper.pk).status == (
        Status.UNDER_REVIEW
    )


@pytest.mark.parametrize("change", ["add", "delete"])
def test_adding_or_deleting_any_attachment_undoes_the_check_and_the_audit_says_so(
    change, paper, ward_staff_chuo, ward_staff_chuo_2
):
    _verified_then_returned(paper, ward_staff_chuo, ward_staff_chuo_2)
    if change == "add":
        services.attachment_add(
            actor=ward_staff_chuo, application_id=paper.pk, file=pdf_file("estimate.pdf"), kind="estimate"
        )
        event = AuditEvent.objects.get(action="subsidy_application.attachment_added")
    else:
        scan = paper.attachments.get()
        services.attachment_delete(actor=ward_staff_chuo, attachment_id=scan.pk)
        event = AuditEvent.objects.get(action="subsidy_application.attachment_deleted")
    paper.refresh_from_db()
    assert paper.verified_by is None and paper.verified_at is None
    assert paper.prepared_by == ward_staff_chuo
    assert event.actor == ward_staff_chuo and event.subject_id == str(paper.pk)
    assert event.before["verified_by"] == ward_staff_chuo_2.pk
    assert event.after["verified_by"] is None


def test_every_undone_check_is_an_audit_event_of_its_own_whatever_changed(
    paper, ward_staff_chuo, ward_staff_chuo_2
):
    _verified_then_returned(paper, ward_staff_chuo, ward_staff_chuo_2)
    services.expense_line_add(
        actor=ward_staff_chuo, application_id=paper.pk, kind="goods", description="PC", amount=3
    )
    [event] = AuditEvent.objects.filter(action="subsidy_application.verification_undone")
    assert event.actor == ward_staff_chuo and event.subject_id == str(paper.pk)
    assert event.before["verified_by"] == ward_staff_chuo_2.pk and event.after == {"verified_by": None}
    # Nothing left to undo: no second event.
    services.attachment_add(actor=ward_staff_chuo, application_id=paper.pk, file=pdf_file(), kind="other")
    assert AuditEvent.objects.filter(action="subsidy_application.verification_undone").count() == 1


def test_the_leader_changing_an_attachment_of_a_paper_entry_undoes_the_check_too(
    paper, ward_staff_chuo, ward_staff_chuo_2, leader_a
):
    _verified_then_returned(paper, ward_staff_chuo, ward_staff_chuo_2)
    services.attachment_add(actor=leader_a, application_id=paper.pk, file=pdf_file("photo.pdf"), kind="photo")
    paper.refresh_from_db()
    assert paper.needs_verification and paper.prepared_by == leader_a


# ---------------------------------------------------------------------------------------------
# After the decision: evidence is added to, never taken away
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", AFTER_THE_DECISION)
@pytest.mark.parametrize("who", ["leader_a", "ward_staff_chuo", "city_admin"])
def test_nobody_deletes_an_attachment_from_the_decision_on_and_the_file_stays(
    request, who, status, association_a, make_app, ward_staff_chuo, django_capture_on_commit_callbacks
):
    actor = request.getfixturevalue(who)
    app = make_app(association_a, status=status, entered_by_staff=True, entered_by=ward_staff_chuo)
    estimate = Attachment(
        application=app, kind="estimate", original_name="見積.pdf", content_type="x", size=9
    )
    estimate.file.save("estimate.pdf", pdf_file(), save=False)
    estimate.save()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(IllegalTransition, match="削除できません"),
    ):
        services.attachment_delete(actor=actor, attachment_id=estimate.pk)
    assert Attachment.objects.filter(pk=estimate.pk).exists()
    assert default_storage.exists(estimate.file.name)
    assert not AuditEvent.objects.filter(action="subsidy_application.attachment_deleted").exists()


def test_receipts_may_still_be_added_after_the_decision(leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.APPROVED)
    receipt = services.attachment_add(actor=leader_a, application_id=app.pk, file=pdf_file(), kind="receipt")
    assert receipt.kind == Attachment.Kind.RECEIPT and app.attachments.count() == 1
    # …but not removed again, even by the one who added it.
    with pytest.raises(IllegalTransition):
        services.attachment_delete(actor=leader_a, attachment_id=receipt.pk)


def test_a_draft_attachment_can_still_be_deleted(leader_a, association_a, make_app):
    app = make_app(association_a)
    attachment = services.attachment_add(actor=leader_a, application_id=app.pk, file=pdf_file())
    services.attachment_delete(actor=leader_a, attachment_id=attachment.pk)
    assert not app.attachments.exists()


# ---------------------------------------------------------------------------------------------
# The application's history: state changes and attachment changes
# ---------------------------------------------------------------------------------------------


def test_the_history_lists_state_changes_and_attachment_changes_in_order(
    paper, ward_staff_chuo, ward_staff_chuo_2
):
    _verified_then_returned(paper, ward_staff_chuo, ward_staff_chuo_2)
    scan = paper.attachments.get()
    services.attachment_delete(actor=ward_staff_chuo, attachment_id=scan.pk)
    services.attachment_add(
        actor=ward_staff_chuo, application_id=paper.pk, file=pdf_file("scan2.pdf"), kind="scanned_form"
    )
    history = selectors.application_history(paper)
    assert [entry.what for entry in history] == [
        "提出",
        "入力内容の確認",
        "審査開始",
        "差戻し",
        "入力内容の確認の取消し",
        "添付書類の削除",
        "添付書類の追加",
    ]
    assert display_name(ward_staff_chuo_2) in history[4].detail  # whose check was undone
    assert "ward_staff_chuo_2" not in history[4].detail  # by display name, never the login name
    deleted, added = history[-2:]
    assert "scan.pdf" in deleted.detail and "紙の申請書（スキャン）" in deleted.detail
    assert "scan2.pdf" in added.detail
    # The deletion undid the check; the addition found nothing left to undo.
    assert "入力内容の確認をやり直す" in deleted.detail and "やり直す" not in added.detail
    assert deleted.actor_name == added.actor_name == display_name(ward_staff_chuo)
