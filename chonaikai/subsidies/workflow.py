"""The application workflow as data: states, actions and which action leads where.

Pure: no queries (error messages name states in the loaded city's words, wording.py). Who may take an action is the policy module's question
(chonaikai.subsidies.policy); services ask both.

    draft ─submit→ submitted ─start_review→ under_review ─forward→ forwarded ─approve→ approved
      ↑                                       │    ↑                  │  └─reject→ rejected
      └── returned ←─────return───────────────┘    └────send_back─────┘
    returned ─submit→ submitted
    approved ─report_completion→ completion_reported ─confirm→ confirmed ─pay→ paid
                        └─return_completion→ approved
    draft, submitted, under_review, returned, forwarded ─withdraw→ withdrawn

Each programme takes one of two review paths (Programme.review_path):

- area_then_city (the table above): `under_review` is the area office's stage and `forwarded` the
  city's: the area office (区役所) checks the application and forwards it (進達), the city decides
  (交付決定 / 不交付決定). The city can send an application back to the area office (send_back);
  only the area office returns it to the association.
- city_only: there is no area-office stage. The city starts the review, which puts the application
  straight into the city's stage (`forwarded`, shown as 「市で審査中」); from there the city returns
  it to the association, approves or rejects it. forward and send_back do not exist on this path.

    draft ─submit→ submitted ─start_review→ forwarded ─approve→ approved
      ↑                                      │  └─reject→ rejected
      └── returned ←────────return───────────┘

Who takes the first stage's actions (start_review, return, return_completion) is the policy's
question, which asks the programme's path (chonaikai.subsidies.policy.can_review_application).
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import IllegalTransition


class ReviewPath(TextChoices):
    """Who checks an application before the city decides (Programme.review_path)."""

    AREA_THEN_CITY = "area_then_city", _("区域の窓口で審査し、市が決定")
    CITY_ONLY = "city_only", _("市が審査・決定")


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


# action → (states it may start from, state it leads to), on the area_then_city path
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

# The city_only path: no area-office stage. start_review leads straight to the city's stage, where
# the city returns, approves or rejects; forward and send_back do not exist.
CITY_ONLY_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    **{a: t for a, t in TRANSITIONS.items() if a not in (Action.FORWARD, Action.SEND_BACK)},
    Action.START_REVIEW: (frozenset({Status.SUBMITTED}), Status.FORWARDED),
    Action.RETURN: (frozenset({Status.FORWARDED}), Status.RETURNED),
}
_TRANSITIONS_BY_PATH = {ReviewPath.AREA_THEN_CITY: TRANSITIONS, ReviewPath.CITY_ONLY: CITY_ONLY_TRANSITIONS}

# The association may change the content (purpose, lines, hall, attachments) only in these states.
EDITABLE_STATES = frozenset({Status.DRAFT, Status.RETURNED})
# States in which the city has granted money: their amounts count against the budget.
GRANTED_STATES = frozenset({Status.APPROVED, Status.COMPLETION_REPORTED, Status.CONFIRMED, Status.PAID})
# States that no longer occupy the programme's one-application-per-year slot.
CLOSED_WITHOUT_GRANT = frozenset({Status.WITHDRAWN, Status.REJECTED})
# The area office's and the city's work lists on the area_then_city path.
WARD_QUEUE_STATES = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.COMPLETION_REPORTED)
CITY_QUEUE_STATES = (Status.FORWARDED, Status.COMPLETION_REPORTED, Status.CONFIRMED)
# On the city_only path everything that waits for staff waits for the city; the area office has none.
CITY_ONLY_QUEUE_STATES = (Status.SUBMITTED, Status.FORWARDED, Status.COMPLETION_REPORTED, Status.CONFIRMED)
# (review path, stage) → the states in which an application waits for that stage.
QUEUE_STATES: dict[tuple[str, str], tuple[str, ...]] = {
    (ReviewPath.AREA_THEN_CITY, "area"): WARD_QUEUE_STATES,
    (ReviewPath.AREA_THEN_CITY, "city"): CITY_QUEUE_STATES,
    (ReviewPath.CITY_ONLY, "area"): (),
    (ReviewPath.CITY_ONLY, "city"): CITY_ONLY_QUEUE_STATES,
}


def transitions_for(review_path: str) -> dict[str, tuple[frozenset[str], str]]:
    """The transition table of a review path (ValueError for an unknown path)."""
    try:
        return _TRANSITIONS_BY_PATH[review_path]
    except KeyError:
        raise ValueError(f"unknown review path {review_path!r}") from None


def target_status(action: str, current: str, review_path: str = ReviewPath.AREA_THEN_CITY) -> str:
    """The state `action` leads to from `current` on `review_path`; IllegalTransition if it cannot be
    taken there (also when the path has no such action, e.g. forward on city_only)."""
    from .wording import action_label, status_label  # the city's words for messages (one cached read)

    if action not in Action.values:
        raise ValueError(f"unknown action {action!r}")
    table = transitions_for(review_path)
    if action not in table:
        raise IllegalTransition(
            gettext("この補助金は「%(path)s」のため、「%(action)s」はありません。")
            % {"path": ReviewPath(review_path).label, "action": action_label(action)},
            extra={"action": action, "status": current, "review_path": review_path},
        )
    sources, target = table[action]
    if current not in sources:
        allowed = gettext("、").join(status_label(s) for s in Status.values if s in sources)
        raise IllegalTransition(
            gettext(
                "「%(status)s」の申請は「%(action)s」できません（「%(action)s」できるのは %(allowed)s の申請です）。"
            )
            % {"status": status_label(current), "action": action_label(action), "allowed": allowed},
            extra={"action": action, "status": current},
        )
    return target


def actions_from(current: str, review_path: str = ReviewPath.AREA_THEN_CITY) -> list[str]:
    """Actions the workflow allows from `current` on `review_path` (before asking who may take them)."""
    table = transitions_for(review_path)
    return [action for action in Action.values if action in table and current in table[action][0]]
