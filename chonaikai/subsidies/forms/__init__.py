"""Forms of the subsidy pages. They parse and describe input; every rule is the services'.

One module per screen: fields (what every form uses), wizard (the application's steps), actions
(the workflow's comment, decision and payment forms), completion (実績報告 and the claim) and
programmes (rule confirmation, grant computation, exports).

Amounts are typed as people write them on paper: 「30,000」「３００００」「3万円」「120万円」 are all
read (YenField, through wording.parse_yen).
Errors are translated and tied to their field: Django renders `aria-invalid` and an `aria-describedby` pointing
at the field's error list (`<id>_error`) and help text (`<id>_helptext`).
"""

from .actions import ApproveForm, CommentForm, PayForm, RejectForm, RequiredCommentForm
from .completion import ClaimForm, CompletionReportForm
from .fields import YenField
from .programmes import AccountingExportForm, GrantComputeForm, RuleConfirmForm
from .wizard import (
    BLANK_ROWS,
    AttachmentForm,
    NewApplicationForm,
    PaperApplicationForm,
    ProgrammeStepForm,
    PurposeForm,
    line_formset,
)

__all__ = [
    "BLANK_ROWS",
    "AccountingExportForm",
    "ApproveForm",
    "AttachmentForm",
    "ClaimForm",
    "CommentForm",
    "CompletionReportForm",
    "GrantComputeForm",
    "NewApplicationForm",
    "PaperApplicationForm",
    "PayForm",
    "ProgrammeStepForm",
    "PurposeForm",
    "RejectForm",
    "RequiredCommentForm",
    "RuleConfirmForm",
    "YenField",
    "line_formset",
]
