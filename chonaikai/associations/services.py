"""Writes for associations, counts and survey rounds, one module per subject.

Keyword-only service functions named <entity>_<action>. Each takes the acting user (`actor`),
re-checks scope inside its own transaction, leaves row history (django-simple-history) for every
row it changes and records a domain event (chonaikai.audit). `actor=None` is the command line run by
the server's operator (a system action, with the reach of a city administrator); web views and the
API always pass request.user.
"""

from .counts.services.entry import (
    CountChange,
    CountsEntryRejected,
    CountsEntryResult,
    EntryIssue,
    counts_grid_save,
)
from .counts.services.rounds import (
    RoundError,
    round_open,
    round_reminder_deliver,
    round_reminders_plan,
    ward_progress_approve,
    ward_progress_mark_started,
    ward_progress_send_back,
    ward_progress_submit,
    ward_progress_withdraw,
)
from .imports.services.counts import (
    CountsImportRejected,
    CountsImportResult,
    CountsImportSubmission,
    counts_import_async_threshold,
    counts_import_commit,
    counts_import_file,
    counts_import_submit,
)
from .imports.services.uploads import (
    counts_upload_check,
    counts_upload_commit,
    counts_upload_create,
    counts_upload_discard,
    counts_upload_import,
    counts_upload_preview,
    counts_upload_set_columns,
    counts_upload_set_reason,
    counts_uploads_purge,
)

__all__ = [
    "CountChange",
    "CountsEntryRejected",
    "CountsEntryResult",
    "CountsImportRejected",
    "CountsImportResult",
    "CountsImportSubmission",
    "EntryIssue",
    "RoundError",
    "counts_grid_save",
    "counts_import_async_threshold",
    "counts_import_commit",
    "counts_import_file",
    "counts_import_submit",
    "counts_upload_check",
    "counts_upload_commit",
    "counts_upload_create",
    "counts_upload_discard",
    "counts_upload_import",
    "counts_upload_preview",
    "counts_upload_set_columns",
    "counts_upload_set_reason",
    "counts_uploads_purge",
    "round_open",
    "round_reminder_deliver",
    "round_reminders_plan",
    "ward_progress_approve",
    "ward_progress_mark_started",
    "ward_progress_send_back",
    "ward_progress_submit",
    "ward_progress_withdraw",
]
