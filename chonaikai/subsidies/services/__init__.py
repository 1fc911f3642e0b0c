"""Writes for subsidies, one module per subject: an application's stages (drafting, attachments,
submission, review, completion, payments, with what they share in applications.py), halls,
programmes and the resident grants.

Keyword-only functions named <entity>_<action>. Each takes the acting user (`actor`), runs in one
transaction, re-checks scope inside it through chonaikai.subsidies.policy (out of scope: Http404;
in scope but not allowed: PermissionDenied), refuses what the rules refuse with a SubsidyError
subclass carrying a Japanese message (errors.py), records a domain event (chonaikai.audit) and
queues e-mail with transaction.on_commit. `actor=None` is accepted only where the command line
runs a service (resident_grant_compute, programme services).
"""

from .applications import NOTIFIED_ACTIONS, LineInput
from .attachments import attachment_add, attachment_delete
from .completion import application_confirm, application_report_completion, application_return_completion
from .drafting import (
    UPDATABLE_FIELDS,
    application_choose_category,
    application_create,
    application_enter_paper,
    application_set_lines,
    application_start,
    application_update,
    expense_line_add,
    expense_line_delete,
    expense_line_update,
)
from .grants import GrantRun, resident_grant_compute
from .halls import (
    HALL_FIELDS,
    HallInput,
    hall_confirm,
    hall_create,
    hall_register_for_application,
    hall_repair_record,
    hall_update,
)
from .payments import application_claim, application_pay
from .programmes import programme_copy_to_fiscal_year, rule_confirm
from .review import (
    application_approve,
    application_forward,
    application_reject,
    application_return,
    application_send_back,
    application_start_review,
    application_verify_paper_entry,
)
from .submission import application_submit, application_withdraw

__all__ = [
    "HALL_FIELDS",
    "NOTIFIED_ACTIONS",
    "UPDATABLE_FIELDS",
    "GrantRun",
    "HallInput",
    "LineInput",
    "application_approve",
    "application_choose_category",
    "application_claim",
    "application_confirm",
    "application_create",
    "application_enter_paper",
    "application_forward",
    "application_pay",
    "application_reject",
    "application_report_completion",
    "application_return",
    "application_return_completion",
    "application_send_back",
    "application_set_lines",
    "application_start",
    "application_start_review",
    "application_submit",
    "application_update",
    "application_verify_paper_entry",
    "application_withdraw",
    "attachment_add",
    "attachment_delete",
    "expense_line_add",
    "expense_line_delete",
    "expense_line_update",
    "hall_confirm",
    "hall_create",
    "hall_register_for_application",
    "hall_repair_record",
    "hall_update",
    "programme_copy_to_fiscal_year",
    "resident_grant_compute",
    "rule_confirm",
]
