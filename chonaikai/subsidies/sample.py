"""Sample subsidy data for the demo (`manage.py seed_demo`): applications in every state, a few halls.

Written straight to the tables, like chonaikai.associations.sample: sample data has no actor to
check and needs no e-mail. Amounts still come from rules.py and the seeded programme's rule rows,
and every application gets the Transition rows of the path that led to its state, so queues,
timelines and budget figures look as they will with real data. Every name and purpose carries
「（サンプル）」 and every row is flagged is_sample. Running it again replaces the sample rows (sample
applications, their lines, transitions and attachments, sample halls and their records).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from chonaikai.associations.models import Association
from chonaikai.associations.rules import fiscal_year_of

from . import rules, selectors, workflow
from .models import (
    DIGITAL,
    MEETING_HALL,
    Application,
    ExpenseLine,
    Hall,
    HallRepair,
    PaymentClaim,
    Programme,
    Transition,
)
from .workflow import Action, Status

SAMPLE_MARK = "（サンプル）"
SAMPLE_ACTOR = "サンプルデータ"

# The path of actions that leads to each state.
PATHS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (),
    Status.SUBMITTED: (Action.SUBMIT,),
    Status.UNDER_REVIEW: (Action.SUBMIT, Action.START_REVIEW),
    Status.RETURNED: (Action.SUBMIT, Action.START_REVIEW, Action.RETURN),
    Status.FORWARDED: (Action.SUBMIT, Action.START_REVIEW, Action.FORWARD),
    Status.APPROVED: (Action.SUBMIT, Action.START_REVIEW, Action.FORWARD, Action.APPROVE),
    Status.REJECTED: (Action.SUBMIT, Action.START_REVIEW, Action.FORWARD, Action.REJECT),
    Status.COMPLETION_REPORTED: (
        Action.SUBMIT,
        Action.START_REVIEW,
        Action.FORWARD,
        Action.APPROVE,
        Action.REPORT_COMPLETION,
    ),
    Status.CONFIRMED: (
        Action.SUBMIT,
        Action.START_REVIEW,
        Action.FORWARD,
        Action.APPROVE,
        Action.REPORT_COMPLETION,
        Action.CONFIRM,
    ),
    Status.PAID: (
        Action.SUBMIT,
        Action.START_REVIEW,
        Action.FORWARD,
        Action.APPROVE,
        Action.REPORT_COMPLETION,
        Action.CONFIRM,
        Action.PAY,
    ),
    Status.WITHDRAWN: (Action.SUBMIT, Action.WITHDRAW),
}

DIGITAL_PURPOSES = [
    (
        "役員会のオンライン化",
        [("service", "オンライン会議の導入支援（委託）", 30_000), ("goods", "タブレット端末 2台", 64_000)],
    ),
    (
        "回覧板の電子化",
        [("service", "LINE公式アカウントの設定支援", 20_000), ("goods", "ノートパソコン 1台", 98_000)],
    ),
    (
        "会館Wi-Fiの整備",
        [("goods", "Wi-Fiルーター・工事費", 55_000), ("service", "操作研修の講師謝礼", 10_000)],
    ),
    (
        "会員名簿のデジタル管理",
        [("service", "名簿管理ソフトの初期設定（委託）", 45_000), ("goods", "プリンター", 32_001)],
    ),
    (
        "防災情報の一斉配信",
        [("service", "配信サービスの設定（役務）", 25_000), ("goods", "スマートフォン 1台", 40_000)],
    ),
]


@dataclass(frozen=True)
class SampleSummary:
    applications: int
    halls: int
    states: tuple[str, ...]


def delete_sample_applications() -> None:
    """Delete every sample application (with lines, transitions, attachments) and sample hall."""
    sample_ids = Application.objects.filter(is_sample=True).values("pk")
    PaymentClaim.history.filter(application_id__in=sample_ids).delete()
    Application.objects.filter(is_sample=True).delete()
    Application.history.filter(is_sample=True).delete()
    HallRepair.objects.filter(hall__is_sample=True).delete()
    Hall.objects.filter(is_sample=True).delete()
    Hall.history.filter(is_sample=True).delete()


@transaction.atomic
def seed_sample_applications(seed: int = 1) -> SampleSummary:
    """Replace the sample applications and halls, deterministic in `seed`.

    Uses the latest fiscal year's `digital` and `meeting_hall` programmes (seeded by migration) and
    active sample associations. Does nothing (returns zeros) when either is missing.
    """
    delete_sample_applications()
    rng = random.Random(seed)
    digital = Programme.objects.filter(code=DIGITAL).order_by("-fiscal_year").first()
    meeting_hall = Programme.objects.filter(code=MEETING_HALL).order_by("-fiscal_year").first()
    candidates = list(
        Association.objects.filter(is_sample=True, status=Association.Status.ACTIVE)
        .order_by("code")
        .values_list("id", flat=True)
    )
    if digital is None or meeting_hall is None or len(candidates) < 20:
        return SampleSummary(applications=0, halls=0, states=())
    chosen = Association.objects.in_bulk(rng.sample(candidates, 20))
    associations = [chosen[pk] for pk in sorted(chosen)]
    now = timezone.now()
    created: list[Application] = []

    # 町内会デジタル活用促進補助金: one application in every state, each for another association.
    rule = selectors.rule_for(digital, "")
    for i, status in enumerate(Status.values):
        purpose, lines = DIGITAL_PURPOSES[i % len(DIGITAL_PURPOSES)]
        created.append(
            _application(
                programme=digital,
                association=associations[i],
                rule=rule,
                category="",
                purpose=purpose,
                lines=lines,
                status=status,
                started=now - dt.timedelta(days=60 - 4 * i),
            )
        )

    # Halls for four more associations; one received a repair grant recorded from earlier files.
    halls = []
    for j, association in enumerate(associations[12:16]):
        hall = Hall.objects.create(
            association=association,
            name=f"{association.name.removesuffix(SAMPLE_MARK)}会館{SAMPLE_MARK}",
            tenure=Hall.Tenure.LEASED if j == 3 else Hall.Tenure.OWNED,
            year_built=rng.randint(1968, 2005),
            floor_area_m2=Decimal(rng.randint(6000, 24000)) / 100,
            latitude=association.hall_latitude,
            longitude=association.hall_longitude,
            notes=f"サンプルの会館です{SAMPLE_MARK}",
            is_sample=True,
        )
        halls.append(hall)
    this_year = fiscal_year_of(timezone.localdate())
    HallRepair.objects.create(
        hall=halls[0],
        fiscal_year=this_year - 4,
        category="repair",
        description=f"屋根の修繕{SAMPLE_MARK}",
        cost=3_600_000,
        grant_amount=1_200_000,
        note="市民集会施設建築費補助金（修繕）。システム導入前の記録。",
    )

    # 市民集会施設建築費補助金: a draft for the hall with the recorded grant (submitting it shows the
    # repeat-grant rule), a repair awaiting the ward, a demolition forwarded to the city, and a paper
    # application entered by ward staff that still needs a second person's check.
    hall_cases = [
        (halls[0], "repair", "屋根の再修繕", [("works", "屋根の防水工事", 2_100_000)], Status.DRAFT, False),
        (
            halls[1],
            "repair",
            "外壁と窓の修繕",
            [("works", "外壁・窓の改修工事", 4_350_000)],
            Status.UNDER_REVIEW,
            False,
        ),
        (
            halls[2],
            "demolition",
            "老朽化した会館の解体（活動は地区センターへ移転）",
            [("demolition_works", "解体工事一式", 2_800_000), ("special_works", "アスベスト除去", 640_000)],
            Status.FORWARDED,
            False,
        ),
        (
            halls[3],
            "extension_rebuild",
            "集会室の増築（紙の申請書を区役所で入力）",
            [("works", "増築工事", 9_870_000), ("ineligible", "備品（補助対象外）", 300_000)],
            Status.SUBMITTED,
            True,
        ),
    ]
    for k, (hall, category, purpose, lines, status, paper) in enumerate(hall_cases):
        created.append(
            _application(
                programme=meeting_hall,
                association=hall.association,
                rule=selectors.rule_for(meeting_hall, category),
                category=category,
                purpose=purpose,
                lines=lines,
                status=status,
                started=now - dt.timedelta(days=30 - 7 * k),
                hall=hall,
                paper=paper,
            )
        )
    return SampleSummary(
        applications=len(created), halls=len(halls), states=tuple(sorted({a.status for a in created}))
    )


def _application(
    *, programme, association, rule, category, purpose, lines, status, started, hall=None, paper=False
) -> Application:
    planned = [rules.Line(kind=k, amount=a, description=f"{d}{SAMPLE_MARK}") for k, d, a in lines]
    breakdown = rules.compute_amount(
        rule, lines=planned, floor_area_m2=hall.floor_area_m2 if hall is not None else None
    )
    path = PATHS[status]
    granted = status in workflow.GRANTED_STATES
    approved = breakdown.amount if granted else None
    actual = None
    if Action.REPORT_COMPLETION in path:
        # Actual costs a little below plan: the confirmed amount follows them, never above the approval.
        spent = [rules.Line(line.kind, line.amount * 9 // 10, line.description) for line in planned]
        actual = rules.limit_to_approved(
            rules.compute_amount(rule, lines=spent, floor_area_m2=hall.floor_area_m2 if hall else None),
            approved,
        )
    confirmed = actual.amount if Action.CONFIRM in path else None
    app = Application.objects.create(
        association=association,
        programme=programme,
        category=category,
        hall=hall,
        purpose=f"{purpose}{SAMPLE_MARK}",
        planned_start=started.date() + dt.timedelta(days=30),
        planned_end=started.date() + dt.timedelta(days=120),
        status=status,
        status_changed_at=started,
        computed_amount=breakdown.amount,
        breakdown=breakdown.as_dict(),
        approved_amount=approved,
        decision_reason="対象経費の内容を確認できないため（サンプル）" if status == Status.REJECTED else "",
        decided_at=started if granted or status == Status.REJECTED else None,
        actual_breakdown=actual.as_dict() if actual else {},
        confirmed_amount=confirmed,
        paid_amount=confirmed if status == Status.PAID else None,
        paid_on=(started + dt.timedelta(days=12)).date() if status == Status.PAID else None,
        one_per_year=programme.one_application_per_year,
        entered_by_staff=paper,
        received_on=started.date() if paper else None,
        submitted_at=started if path else None,
        is_sample=True,
    )
    ExpenseLine.objects.bulk_create(
        [
            ExpenseLine(application=app, phase=ExpenseLine.Phase.PLANNED, kind=line.kind, description=line.description, amount=line.amount, position=i)
            for i, line in enumerate(planned)
        ]
        + [
            ExpenseLine(application=app, phase=ExpenseLine.Phase.ACTUAL, kind=line.kind, description=line.description, amount=line.amount * 9 // 10, position=i)
            for i, line in enumerate(planned if actual else [])
        ]
    )  # fmt: skip
    # Transitions spaced a couple of days apart, the last at `started` (the state's age in the queue).
    current = Status.DRAFT
    transitions = []
    for n, action in enumerate(path):
        target = workflow.target_status(action, current)
        transitions.append(
            Transition(
                application=app,
                action=action,
                from_status=current,
                to_status=target,
                actor_name=SAMPLE_ACTOR,
                at=started - dt.timedelta(days=2 * (len(path) - 1 - n)),
                comment="書類の記載を修正してください（サンプル）" if action == Action.RETURN else "",
            )
        )
        current = target
    Transition.objects.bulk_create(transitions)
    if status == Status.PAID:  # paid against the association's claim (交付請求), as application_pay requires
        PaymentClaim.objects.create(
            application=app,
            amount=confirmed,
            bank_name="サンプル銀行",  # i18n: data
            branch_name="本店営業部",  # i18n: data
            account_number="0000001",
            account_holder_kana="サンプルチョウナイカイ",  # i18n: data
            claimed_on=(started - dt.timedelta(days=1)).date(),
        )
    return app
