"""The application workflow as data: states, actions and which action leads where.

Pure: no queries. Who may take an action is the policy module's question
(chonaikai.accounts.policy, "Subsidies" section); services ask both.

    draft ─submit→ submitted ─start_review→ under_review ─forward→ forwarded ─approve→ approved
      ↑                                       │    ↑                  │  └─reject→ rejected
      └── returned ←─────return───────────────┘    └────send_back─────┘
    returned ─submit→ submitted
    approved ─report_completion→ completion_reported ─confirm→ confirmed ─pay→ paid
                        └─return_completion→ approved
    draft, submitted, under_review, returned, forwarded ─withdraw→ withdrawn

`under_review` is the ward's stage and `forwarded` the city's: the ward office checks the
application and forwards it (進達), the city decides (交付決定 / 不交付決定). The city can send an
application back to the ward (send_back); only the ward returns it to the association.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import IllegalTransition


class Status(TextChoices):
    DRAFT = "draft", _("下書き")
    SUBMITTED = "submitted", _("提出済み")
    UNDER_REVIEW = "under_review", _("区で審査中")
    RETURNED = "returned", _("差戻し（修正待ち）")
    FORWARDED = "forwarded", _("市で審査中")
    APPROVED = "approved", _("交付決定")
    REJECTED = "rejected", _("不交付決定")
    COMPLETION_REPORTED = "completion_reported", _("実績報告済み")
    CONFIRMED = "confirmed", _("額の確定")
    PAID = "paid", _("支払済み")
    WITHDRAWN = "withdrawn", _("取下げ")


class Action(TextChoices):
    SUBMIT = "submit", _("提出")
    START_REVIEW = "start_review", _("審査開始")
    RETURN = "return", _("差戻し")
    FORWARD = "forward", _("市へ進達")
    SEND_BACK = "send_back", _("区へ戻す")
    APPROVE = "approve", _("交付決定")
    REJECT = "reject", _("不交付決定")
    WITHDRAW = "withdraw", _("取下げ")
    REPORT_COMPLETION = "report_completion", _("実績報告")
    RETURN_COMPLETION = "return_completion", _("実績報告の差戻し")
    CONFIRM = "confirm", _("額の確定")
    PAY = "pay", _("支払")


# action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.SUBMIT: (frozenset({Status.DRAFT, Status.RETURNED}), Status.SUBMITTED),
    Action.START_REVIEW: (frozenset({Status.SUBMITTED}), Status.UNDER_REVIEW),
    Action.RETURN: (frozenset({Status.UNDER_REVIEW}), Status.RETURNED),
    Action.FORWARD: (frozenset({Status.UNDER_REVIEW}), Status.FORWARDED),
    Action.SEND_BACK: (frozenset({Status.FORWARDED}), Status.UNDER_REVIEW),
    Action.APPROVE: (frozenset({Status.FORWARDED}), Status.APPROVED),
    Action.REJECT: (frozenset({Status.FORWARDED}), Status.REJECTED),
    Action.WITHDRAW: (
        frozenset({Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.RETURNED, Status.FORWARDED}),
        Status.WITHDRAWN,
    ),
    Action.REPORT_COMPLETION: (frozenset({Status.APPROVED}), Status.COMPLETION_REPORTED),
    Action.RETURN_COMPLETION: (frozenset({Status.COMPLETION_REPORTED}), Status.APPROVED),
    Action.CONFIRM: (frozenset({Status.COMPLETION_REPORTED}), Status.CONFIRMED),
    Action.PAY: (frozenset({Status.CONFIRMED}), Status.PAID),
}

# The association may change the content (purpose, lines, hall, attachments) only in these states.
EDITABLE_STATES = frozenset({Status.DRAFT, Status.RETURNED})
# States in which the city has granted money: their amounts count against the budget.
GRANTED_STATES = frozenset({Status.APPROVED, Status.COMPLETION_REPORTED, Status.CONFIRMED, Status.PAID})
# States that no longer occupy the programme's one-application-per-year slot.
CLOSED_WITHOUT_GRANT = frozenset({Status.WITHDRAWN, Status.REJECTED})
# The ward's and the city's work lists.
WARD_QUEUE_STATES = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.COMPLETION_REPORTED)
CITY_QUEUE_STATES = (Status.FORWARDED, Status.COMPLETION_REPORTED, Status.CONFIRMED)


def target_status(action: str, current: str) -> str:
    """The state `action` leads to from `current`; IllegalTransition if it cannot be taken there."""
    try:
        sources, target = TRANSITIONS[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None
    if current not in sources:
        allowed = gettext("、").join(str(Status(s).label) for s in Status.values if s in sources)
        raise IllegalTransition(
            gettext(
                "「%(status)s」の申請は「%(action)s」できません（「%(action)s」できるのは %(allowed)s の申請です）。"
            )
            % {"status": Status(current).label, "action": Action(action).label, "allowed": allowed},
            extra={"action": action, "status": current},
        )
    return target


def actions_from(current: str) -> list[str]:
    """Actions the workflow allows from `current` (before asking who may take them)."""
    return [action for action, (sources, _target) in TRANSITIONS.items() if current in sources]
