"""Drafting an application: creating it (by the association, step by step, or as a paper entry),
editing its content and its expense lines while it is editable (services/applications.py holds
what the steps share)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.associations import policy as association_policy
from chonaikai.associations.models import Association
from chonaikai.audit.services import audit_record
from chonaikai.subsidies import policy as subsidy_policy

from .. import selectors
from ..errors import (
    InvalidApplication,
)
from ..models import Application, Attachment, ExpenseLine, Programme
from .applications import (
    LineInput,
    _check_content,
    _check_lines,
    _check_one_per_year,
    _check_open_to_applicants,
    _hall,
    _locked_for_edit,
    _save_content,
    _user,
    _write_lines,
)
from .attachments import _store_attachment
from .halls import HallInput, hall_register_for_application

# What application_update accepts.
UPDATABLE_FIELDS = ("purpose", "category", "hall_id", "planned_start", "planned_end")


# ---------------------------------------------------------------------------------------------
# Creating and editing
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *,
    actor,
    association_id: int,
    programme_id: int,
    purpose: str,
    category: str = "",
    hall_id: int | None = None,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    lines: Sequence[LineInput] = (),
) -> Application:
    """A draft by the association's leader. Http404 for another association.

    Refused (DuplicateApplication, naming the first) when the programme allows one application per
    association and year and a live one exists. The amount is computed from `lines`.
    """
    association = get_object_or_404(subsidy_policy.associations_applying_as(actor), pk=association_id)
    return _create(
        actor=actor,
        association=association,
        programme_id=programme_id,
        purpose=purpose,
        category=category,
        hall_id=hall_id,
        planned_start=planned_start,
        planned_end=planned_end,
        lines=lines,
        entered_by_staff=False,
    )


def _step_one_hall(
    *, actor, association_id: int, programme: Programme, category: str, hall_id, new_hall
) -> int | None:
    """The hall the first step gives: the one chosen, or the one registered now (「区の確認待ち」).

    A category that needs a hall is refused here without one, so that nobody fills in every step
    to learn at submission that a hall was needed; a category that takes none registers none.
    """
    rule = selectors.rule_for(programme, category)
    if not rule.requires_hall:
        if new_hall is not None:
            raise InvalidApplication(
                _("%(programme)sでは会館を指定しません。") % {"programme": programme.name},
                extra={"hall_id": None},
            )
        return hall_id
    if hall_id is not None:
        return hall_id
    if new_hall is None:
        raise InvalidApplication(
            _(
                "%(category)sの補助には対象の会館が必要です。登録済みの会館を選ぶか、"
                "会館の所在地・延床面積などを入力して登録してください。"
            )
            % {"category": rule.name},
            extra={"hall_id": None},
        )
    return hall_register_for_application(actor=actor, association_id=association_id, hall=new_hall).pk


@transaction.atomic
def application_start(
    *,
    actor,
    association_id: int,
    programme_id: int,
    category: str = "",
    hall_id: int | None = None,
    new_hall: HallInput | None = None,
) -> Application:
    """The first step of an association's application, from the programme's page: the category and
    the hall it needs (chosen, or registered now by the leader for the ward to check), then a draft
    as application_create makes it. Nothing is saved when anything is refused."""
    association = get_object_or_404(subsidy_policy.associations_applying_as(actor), pk=association_id)
    programme = get_object_or_404(Programme, pk=programme_id)
    hall_id = _step_one_hall(
        actor=actor,
        association_id=association.pk,
        programme=programme,
        category=category,
        hall_id=hall_id,
        new_hall=new_hall,
    )
    return application_create(
        actor=actor,
        association_id=association.pk,
        programme_id=programme.pk,
        purpose="",
        category=category,
        hall_id=hall_id,
    )


@transaction.atomic
def application_choose_category(
    *,
    actor,
    application_id: int,
    category: str,
    hall_id: int | None = None,
    new_hall: HallInput | None = None,
) -> Application:
    """The first step again on a draft: category and hall, with the same check as application_start."""
    app = _locked_for_edit(actor, application_id)
    hall_id = _step_one_hall(
        actor=actor,
        association_id=app.association_id,
        programme=app.programme,
        category=category,
        hall_id=hall_id,
        new_hall=new_hall,
    )
    return application_update(actor=actor, application_id=app.pk, category=category, hall_id=hall_id)


@transaction.atomic
def application_enter_paper(
    *,
    actor,
    association_id: int,
    programme_id: int,
    purpose: str,
    scanned_form,
    received_on: dt.date,
    category: str = "",
    hall_id: int | None = None,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    lines: Sequence[LineInput] = (),
) -> Application:
    """A paper application entered by ward staff (or the city) on the association's behalf.

    Saved as a draft marked entered_by_staff, with the scanned form attached (kind scanned_form)
    and `received_on` as the date the window is checked against. After submission a second person
    must check it (application_verify_paper_entry) before review can start. Http404 for an
    association outside the actor's ward.
    """
    association = get_object_or_404(association_policy.associations_editable_by(actor), pk=association_id)
    if scanned_form is None:
        raise InvalidApplication(_("紙の申請書をスキャンしたファイルを添付してください。"))
    if received_on is None:
        raise InvalidApplication(_("申請書の受付日を入力してください。"))
    app = _create(
        actor=actor,
        association=association,
        programme_id=programme_id,
        purpose=purpose,
        category=category,
        hall_id=hall_id,
        planned_start=planned_start,
        planned_end=planned_end,
        lines=lines,
        entered_by_staff=True,
        received_on=received_on,
    )
    _store_attachment(app, scanned_form, kind=Attachment.Kind.SCANNED_FORM, actor=actor)
    return app


def _create(
    *,
    actor,
    association: Association,
    programme_id: int,
    purpose: str,
    category: str,
    hall_id: int | None,
    planned_start,
    planned_end,
    lines: Sequence[LineInput],
    entered_by_staff: bool,
    received_on: dt.date | None = None,
) -> Application:
    if association.status != Association.Status.ACTIVE:
        raise InvalidApplication(
            _("%(association)sは%(status)sのため申請できません。")
            % {"association": association.name, "status": association.get_status_display()}
        )
    programme = get_object_or_404(Programme, pk=programme_id)
    user = _user(actor)
    app = Application(
        association=association,
        programme=programme,
        category=category or "",
        hall=_hall(association, hall_id),
        purpose=(purpose or "").strip(),
        planned_start=planned_start,
        planned_end=planned_end,
        one_per_year=programme.one_application_per_year,
        entered_by_staff=entered_by_staff,
        received_on=received_on,
        entered_by=user,
        prepared_by=user,
        status_changed_at=timezone.now(),
    )
    rule = _check_content(app)
    _check_open_to_applicants(app, rule)
    checked = _check_lines(rule, lines)
    _check_one_per_year(app)
    app._history_user = user
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError:
        _check_one_per_year(app)  # another request created one meanwhile: name it
        raise
    _write_lines(app, checked, ExpenseLine.Phase.PLANNED)
    _save_content(app, actor=actor)
    audit_record(
        actor=user,
        action="subsidy_application.created",
        subject=app,
        after={
            "programme": programme.code,
            "fiscal_year": programme.fiscal_year,
            "category": app.category,
            "entered_by_staff": entered_by_staff,
            "computed_amount": app.computed_amount,
        },
    )
    return app


@transaction.atomic
def application_update(*, actor, application_id: int, **changes) -> Application:
    """Change purpose, category, hall (hall_id) or planned dates of a draft or returned application.

    The amount is recomputed (a category or hall change can change it).
    """
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"application_update() cannot change {sorted(unknown)}")
    app = _locked_for_edit(actor, application_id)
    before = {"computed_amount": app.computed_amount, **{f: getattr(app, f) for f in changes}}
    for field, value in changes.items():
        if field == "hall_id":
            app.hall = _hall(app.association, value)
        elif field == "purpose":
            app.purpose = (value or "").strip()
        elif field == "category":
            app.category = value or ""
        else:
            setattr(app, field, value)
    rule = _check_content(app)
    if "category" in changes:
        _check_open_to_applicants(app, rule)
    fields = [("hall" if f == "hall_id" else f) for f in changes]
    _save_content(app, actor=actor, fields=fields)
    audit_record(
        actor=_user(actor),
        action="subsidy_application.updated",
        subject=app,
        before=before,
        after={"computed_amount": app.computed_amount, **{f: getattr(app, f) for f in changes}},
    )
    return app


@transaction.atomic
def application_set_lines(*, actor, application_id: int, lines: Sequence[LineInput]) -> Application:
    """Replace the planned expense lines (a form with all lines) and recompute the amount."""
    app = _locked_for_edit(actor, application_id)
    checked = _check_lines(selectors.rule_for(app.programme, app.category), lines)
    before = app.computed_amount
    _write_lines(app, checked, ExpenseLine.Phase.PLANNED)
    _save_content(app, actor=actor)
    _audit_lines(app, actor=actor, before=before)
    return app


@transaction.atomic
def expense_line_add(*, actor, application_id: int, kind: str, description: str, amount: int) -> ExpenseLine:
    """Add one planned line and recompute the amount."""
    app = _locked_for_edit(actor, application_id)
    [checked] = _check_lines(
        selectors.rule_for(app.programme, app.category), [LineInput(kind, description, amount)]
    )
    before = app.computed_amount
    position = app.lines.filter(phase=ExpenseLine.Phase.PLANNED).count()
    line = ExpenseLine.objects.create(
        application=app,
        phase=ExpenseLine.Phase.PLANNED,
        kind=checked.kind,
        description=checked.description,
        amount=checked.amount,
        position=position,
    )
    _save_content(app, actor=actor)
    _audit_lines(app, actor=actor, before=before)
    return line


def _locked_line(actor, line_id: int) -> tuple[ExpenseLine, Application]:
    application_id = (
        ExpenseLine.objects.filter(
            pk=line_id,
            phase=ExpenseLine.Phase.PLANNED,
            application__in=subsidy_policy.applications_visible_to(actor),
        )
        .values_list("application_id", flat=True)
        .first()
    )
    if application_id is None:
        raise Http404("no such expense line")
    app = _locked_for_edit(actor, application_id)
    return ExpenseLine.objects.get(pk=line_id), app


@transaction.atomic
def expense_line_update(
    *, actor, line_id: int, kind: str | None = None, description: str | None = None, amount: int | None = None
) -> ExpenseLine:
    """Change one planned line and recompute the amount."""
    line, app = _locked_line(actor, line_id)
    [checked] = _check_lines(
        selectors.rule_for(app.programme, app.category),
        [
            LineInput(
                kind if kind is not None else line.kind,
                description if description is not None else line.description,
                amount if amount is not None else line.amount,
            )
        ],
    )
    before = app.computed_amount
    line.kind, line.description, line.amount = checked.kind, checked.description, checked.amount
    line.save(update_fields=["kind", "description", "amount"])
    _save_content(app, actor=actor)
    _audit_lines(app, actor=actor, before=before)
    return line


@transaction.atomic
def expense_line_delete(*, actor, line_id: int) -> Application:
    """Delete one planned line and recompute the amount."""
    line, app = _locked_line(actor, line_id)
    before = app.computed_amount
    line.delete()
    _save_content(app, actor=actor)
    _audit_lines(app, actor=actor, before=before)
    return app


def _audit_lines(app: Application, *, actor, before: int) -> None:
    audit_record(
        actor=_user(actor),
        action="subsidy_application.lines_changed",
        subject=app,
        before={"computed_amount": before},
        after={"computed_amount": app.computed_amount, "lines": app.breakdown.get("lines", [])},
    )
