"""The domain errors of subsidies. Every message is translated (Japanese by default) and meant for the
person acting.

Views and the API catch `SubsidyError` and show `str(error)`; `.code` tells the kinds apart for
tests and for an API's error shape. Out-of-scope objects are not errors of this kind: they answer
Http404 (policy), and a role that may see an application but not act on it gets PermissionDenied.
"""

from __future__ import annotations


class SubsidyError(Exception):
    """A rule of the programme or of the workflow refuses the request."""

    code = "subsidy_error"

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class IllegalTransition(SubsidyError):
    """The action is not possible from the application's current state."""

    code = "illegal_transition"


class InvalidApplication(SubsidyError):
    """The application's content is incomplete or does not fit the programme's rules."""

    code = "invalid_application"


class DuplicateApplication(SubsidyError):
    """The programme allows one application per association and fiscal year; one exists."""

    code = "duplicate_application"


class BudgetExceeded(SubsidyError):
    """Approving this amount would take the programme over its budget for the fiscal year."""

    code = "budget_exceeded"


class RepeatGrantTooSoon(SubsidyError):
    """The hall received a grant too recently for another one."""

    code = "repeat_grant_too_soon"


class FourEyesViolation(SubsidyError):
    """A paper application must be checked by someone other than the person who entered it."""

    code = "four_eyes"


class AttachmentRejected(SubsidyError):
    """The uploaded file is too large or not one of the accepted types."""

    code = "attachment_rejected"


class RuleNotConfirmed(SubsidyError):
    """The category's rule is still marked 「要綱で要確認」."""

    code = "rule_not_confirmed"
