"""The subsidy pages (「補助金」 in the menu): the association's (home, drafting, completion),
review and programme views.

Views parse input, call one selector or service and render; access is the policy module's (through
the selectors, which answer 404 for what a user may not see) and every rule is the services'.
"""

from .completion import claim, report_completion
from .drafting import (
    application_new,
    attachment_delete,
    breakdown_json,
    confirm,
    edit_attachments,
    edit_lines,
    edit_programme,
    edit_purpose,
    paper_new,
    withdraw,
)
from .home import home, programme_guide
from .programmes import (
    accounting_download,
    exports_page,
    grant_compute,
    payment_list_download,
    programme_detail,
    programme_list,
    rule_confirm,
)
from .review import (
    application_action,
    application_detail,
    application_document,
    application_print,
    attachment_download,
    hall_confirm,
    queue,
    verify,
)

__all__ = [
    "accounting_download",
    "application_action",
    "application_detail",
    "application_document",
    "application_new",
    "application_print",
    "attachment_delete",
    "attachment_download",
    "breakdown_json",
    "claim",
    "confirm",
    "edit_attachments",
    "edit_lines",
    "edit_programme",
    "edit_purpose",
    "exports_page",
    "grant_compute",
    "hall_confirm",
    "home",
    "paper_new",
    "payment_list_download",
    "programme_detail",
    "programme_guide",
    "programme_list",
    "queue",
    "report_completion",
    "rule_confirm",
    "verify",
    "withdraw",
]
