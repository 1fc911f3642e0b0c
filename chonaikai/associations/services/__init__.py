"""Writes for associations, counts and survey rounds, one module per subject.

Keyword-only service functions named <entity>_<action>. Each takes the acting user (`actor`),
re-checks scope inside its own transaction, leaves row history (django-simple-history) for every
row it changes and records a domain event (chonaikai.audit). `actor=None` is the command line run by
the server's operator (a system action, with the reach of a city administrator); web views and the
API always pass request.user.
"""

from .counts import (
    CountsImportRejected,
    CountsImportResult,
    CountsImportSubmission,
    counts_import_async_threshold,
    counts_import_commit,
    counts_import_file,
    counts_import_submit,
)

__all__ = [
    "CountsImportRejected",
    "CountsImportResult",
    "CountsImportSubmission",
    "counts_import_async_threshold",
    "counts_import_commit",
    "counts_import_file",
    "counts_import_submit",
]
