"""Sample subsidy data for the demo (`manage.py seed_demo`): applications in every state, a few halls.

Written straight to the tables, like chonaikai.demo.associations: sample data has no actor to
check and needs no e-mail. Amounts still come from rules.py and the programme's rule rows, and every
application gets the Transition rows of the path that led to its state, so queues, timelines and
budget figures look as they will with real data. Every name and purpose carries 「（サンプル）」 and
every row is flagged is_sample. Running it again replaces the sample rows (sample applications,
their lines, transitions and attachments, sample halls and their records, the sample programme).

Which programmes: those the loaded city has in the fiscal year (by default the current one), chosen
by what they are, never by their codes. Applications in every state go to an application programme
with a budget and a confirmed rule that computes from expenses (`rate`) without a hall; hall
applications go to an application programme whose rules require a hall. When the city has no
programme of the first sort in that fiscal year (its profile cites none), ONE sample programme is
made for it: its name ends in 「（サンプル）」, its source is 「サンプルデータ（実在しない制度）」 and
its code is `sample_programme`. Programme has no is_sample flag: the sample programme is recognised
by that code together with that source (a city's own programme with the same code is never touched:
seeding stops instead), and deleted with the other sample rows.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from chonaikai.associations.models import Association
from chonaikai.calendar import fiscal_year_of
from chonaikai.cities.profile import RESERVED_PROGRAMME_CODE
from chonaikai.demo.dataset import SampleDataError
from chonaikai.subsidies import rules, selectors, workflow
from chonaikai.subsidies.models import (
    Application,
    DocumentRequirement,
    ExpenseKindRule,
    ExpenseLine,
    Hall,
    HallRepair,
    PaymentClaim,
    Programme,
    ProgrammeRule,
    Transition,
)
from chonaikai.subsidies.rules import Method
from chonaikai.subsidies.workflow import Action, Status

SAMPLE_MARK = "（サンプル）"
SAMPLE_ACTOR = "サンプルデータ"

# The sample programme, made only for a city without a programme that can show every state.
SAMPLE_PROGRAMME_CODE = RESERVED_PROGRAMME_CODE  # a profile may not use it (chonaikai.cities.profile)
SAMPLE_PROGRAMME_SOURCE = "サンプルデータ（実在しない制度）"
SAMPLE_PROGRAMME_NAME = f"町内会活動支援補助金{SAMPLE_MARK}"
SAMPLE_PROGRAMME_BUDGET = 2_000_000
SAMPLE_PROGRAMME_KINDS = [
    # code, name, rate, examples: the expense kinds ACTIVITY_PURPOSES uses
    ("service", "報償費・役務費・委託費", (10, 10), "講師への謝礼、作業の委託、サービスの利用料"),
    ("goods", "物品・備品購入費", (1, 2), "パソコン、テント、防災用品"),
]
ASSOCIATIONS_USED = 20

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

ACTIVITY_PURPOSES = [
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
    sample_programme: str = ""  # the name of the sample programme made, "" when the city's own served


def sample_programmes():
    """The sample programmes (see the module docstring: by code and source, Programme has no flag)."""
    return Programme.objects.filter(code=SAMPLE_PROGRAMME_CODE, source=SAMPLE_PROGRAMME_SOURCE)


def delete_sample_applications() -> None:
    """Delete every sample application (with lines, transitions, attachments), sample hall and the
    sample programme."""
    sample_ids = list(Application.objects.filter(is_sample=True).values_list("pk", flat=True))
    Application.objects.filter(pk__in=sample_ids).delete()
    Application.history.filter(is_sample=True).delete()
    # After the applications: deleting them deletes their claims, which writes a history row each.
    PaymentClaim.history.filter(application_id__in=sample_ids).delete()
    HallRepair.objects.filter(hall__is_sample=True).delete()
    Hall.objects.filter(is_sample=True).delete()
    Hall.history.filter(is_sample=True).delete()
    _delete_sample_programmes()


def _delete_sample_programmes() -> None:
    ids = list(sample_programmes().values_list("pk", flat=True))
    if not ids:
        return
    rule_ids = list(ProgrammeRule.objects.filter(programme_id__in=ids).values_list("pk", flat=True))
    try:
        Programme.objects.filter(pk__in=ids).delete()  # rules, kinds and documents go with it
    except ProtectedError as exc:
        raise SampleDataError(
            f"サンプルの補助制度「{SAMPLE_PROGRAMME_NAME}」にサンプル以外の申請があるため、削除できません。"
        ) from exc
    Programme.history.filter(id__in=ids).delete()
    ProgrammeRule.history.filter(programme_id__in=ids).delete()
    ExpenseKindRule.history.filter(rule_id__in=rule_ids).delete()
    DocumentRequirement.history.filter(programme_id__in=ids).delete()


def _every_state_programme(fiscal_year: int) -> tuple[Programme, ProgrammeRule] | None:
    """The city's programme for applications in every state: an application programme with a budget
    (approvals need one) and a confirmed `rate` rule that needs no hall and subsidises some kind."""
    candidates = (
        Programme.objects.filter(fiscal_year=fiscal_year, kind=Programme.Kind.APPLICATION, budget__gt=0)
        .exclude(code=SAMPLE_PROGRAMME_CODE)
        .order_by("code")
    )
    for programme in candidates:
        rows = programme.rules.filter(method=Method.RATE, requires_hall=False, needs_confirmation=False)
        for row in rows.order_by("position", "id"):
            if row.kinds.filter(rate_numerator__isnull=False, rate_denominator__isnull=False).exists():
                return programme, row
    return None


def _hall_programme(fiscal_year: int) -> tuple[Programme, list[ProgrammeRule]] | None:
    """The city's application programme whose rules name a hall, with those rules (one with a
    repeat-grant interval first, then the confirmed ones)."""
    candidates = (
        Programme.objects.filter(
            fiscal_year=fiscal_year, kind=Programme.Kind.APPLICATION, rules__requires_hall=True
        )
        .exclude(code=SAMPLE_PROGRAMME_CODE)
        .distinct()
        .order_by("code")
    )
    for programme in candidates:
        rows = list(
            programme.rules.filter(requires_hall=True, method__in=[Method.RATE, Method.FLOOR_AREA]).order_by(
                "needs_confirmation", "position", "id"
            )
        )
        # First a rule with a repeat-grant interval: the hall with a recorded grant applies under it.
        repeat = next((row for row in rows if row.repeat_grant_interval_years), None)
        if repeat is not None:
            rows.remove(repeat)
            rows.insert(0, repeat)
        if rows:
            return programme, rows
    return None


def _make_sample_programme(fiscal_year: int) -> tuple[Programme, ProgrammeRule]:
    taken = Programme.objects.filter(code=SAMPLE_PROGRAMME_CODE).exclude(source=SAMPLE_PROGRAMME_SOURCE)
    if taken.exists():
        raise SampleDataError(
            f"補助制度コード {SAMPLE_PROGRAMME_CODE} はサンプルの制度のためのコードですが、"
            "サンプルではない制度に使われています。サンプルデータの作成を中止しました。"
        )
    programme = Programme.objects.create(
        code=SAMPLE_PROGRAMME_CODE,
        fiscal_year=fiscal_year,
        name=SAMPLE_PROGRAMME_NAME,
        short_name="サンプル",
        kind=Programme.Kind.APPLICATION,
        review_path=Programme.ReviewPath.AREA_THEN_CITY,
        budget=SAMPLE_PROGRAMME_BUDGET,
        one_application_per_year=True,
        summary=(
            "サンプルデータのための架空の補助制度です。実在する制度ではありません。"
            f"町内会の活動にかかる謝礼・委託費や物品の購入費を補助する、という想定です。{SAMPLE_MARK}"
        ),
        source=SAMPLE_PROGRAMME_SOURCE,
        note="manage.py seed_demo が作成し、サンプルデータとともに削除します。",
    )
    rule = ProgrammeRule.objects.create(
        programme=programme,
        category="",
        name=SAMPLE_PROGRAMME_NAME,
        method=Method.RATE,
        cap=100_000,
        rounding_unit=1,
        requires_hall=False,
        needs_confirmation=False,
        source=SAMPLE_PROGRAMME_SOURCE,
    )
    ExpenseKindRule.objects.bulk_create(
        ExpenseKindRule(
            rule=rule,
            code=code,
            name=name,
            rate_numerator=rate[0],
            rate_denominator=rate[1],
            examples=examples,
            position=position,
        )
        for position, (code, name, rate, examples) in enumerate(SAMPLE_PROGRAMME_KINDS)
    )
    DocumentRequirement.objects.create(
        programme=programme, kind="estimate", description="経費の内訳がわかるもの", position=0
    )
    return programme, rule


def _expense_lines(rng: random.Random, rule: rules.CategoryRule, budget: int | None, i: int):
    """A purpose and its planned lines for an application under `rule`: the invented activities when
    the rule has their expense kinds, else one line for each subsidised kind of the rule."""
    codes = {kind.code for kind in rule.kinds}
    purpose, lines = ACTIVITY_PURPOSES[i % len(ACTIVITY_PURPOSES)]
    if not {kind for kind, _d, _a in lines} <= codes:
        rated = [kind for kind in rule.kinds if kind.has_rate][:2]
        purpose = f"{rule.name}の対象となる取組"
        lines = [(kind.code, kind.name, rng.randint(2, 9) * 10_000) for kind in rated]
    if budget:  # keep the granted applications well inside a small budget
        scale = min(1.0, budget / 2_000_000)
        lines = [(k, d, max(1_000, int(a * scale) // 1_000 * 1_000) if scale < 1 else a) for k, d, a in lines]
    return purpose, lines


def _hall_lines(rng: random.Random, rule: rules.CategoryRule, paper: bool):
    """Planned lines of a hall application: each subsidised kind, and for a paper application (or a
    floor-area rule, whose base is the hall's floor area) the kinds that are not subsidised."""
    lines = []
    for kind in rule.kinds:
        if kind.has_rate:
            low, high = (20, 80) if rule.method == Method.FLOOR_AREA else (100, 500)
            lines.append((kind.code, kind.name, rng.randint(low, high) * 10_000))
        elif paper or rule.method == Method.FLOOR_AREA:
            lines.append((kind.code, kind.name, rng.randint(15, 40) * 10_000))
    return lines


@transaction.atomic
def seed_sample_applications(seed: int = 1, fiscal_year: int | None = None) -> SampleSummary:
    """Replace the sample applications, halls and sample programme, deterministic in `seed`.

    Uses the programmes of `fiscal_year` (default: the current one) and active sample associations;
    makes the sample programme when the city has no programme for applications in every state.
    Does nothing (returns zeros) without at least 20 active sample associations.
    """
    from chonaikai.cities.current import city

    delete_sample_applications()
    rng = random.Random(seed)
    fiscal_year = fiscal_year or fiscal_year_of(timezone.localdate())
    candidates = list(
        Association.objects.filter(is_sample=True, status=Association.Status.ACTIVE)
        .order_by("code")
        .values_list("id", flat=True)
    )
    if len(candidates) < ASSOCIATIONS_USED:
        return SampleSummary(applications=0, halls=0, states=())
    made = ""
    found = _every_state_programme(fiscal_year)
    if found is None:
        found = _make_sample_programme(fiscal_year)
        made = found[0].name
    programme, rule_row = found
    hall_found = _hall_programme(fiscal_year)
    chosen = Association.objects.in_bulk(rng.sample(candidates, ASSOCIATIONS_USED))
    associations = [chosen[pk] for pk in sorted(chosen)]
    now = timezone.now()
    created: list[Application] = []

    # One application in every state, each for another association.
    rule = selectors.rule_for(programme, rule_row.category)
    for i, status in enumerate(Status.values):
        purpose, lines = _expense_lines(rng, rule, programme.budget, i)
        created.append(
            _application(
                programme=programme,
                association=associations[i],
                rule=rule,
                category=rule_row.category,
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
    hall_programme, hall_rules = hall_found if hall_found else (None, [])
    HallRepair.objects.create(
        hall=halls[0],
        fiscal_year=fiscal_year - 4,
        category=hall_rules[0].category if hall_rules else "",
        description=f"会館の{hall_rules[0].name if hall_rules else '修繕'}{SAMPLE_MARK}",
        cost=3_600_000,
        grant_amount=1_200_000,
        note=(
            f"{hall_programme.name}（{hall_rules[0].name}）。システム導入前の記録。"
            if hall_programme
            else "会館の修繕への補助。システム導入前の記録。"
        )
        + SAMPLE_MARK,
    )

    # Hall applications, when the city has a hall programme: a draft for the hall with the recorded
    # grant (submitting it shows the repeat-grant rule where the rule has one), one awaiting the
    # area office, one forwarded to the city, and a paper application entered by the area office's
    # staff that still needs a second person's check.
    office = city().area_office_label or "窓口"
    hall_states = [Status.DRAFT, Status.UNDER_REVIEW, Status.FORWARDED, Status.SUBMITTED]
    for k, (hall, status) in enumerate(zip(halls, hall_states, strict=True)):
        if hall_programme is None:
            break
        row = hall_rules[k % len(hall_rules)]
        paper = status == Status.SUBMITTED
        purpose = f"会館の{row.name}" + (f"（紙の申請書を{office}で入力）" if paper else "")
        category_rule = selectors.rule_for(hall_programme, row.category)
        created.append(
            _application(
                programme=hall_programme,
                association=hall.association,
                rule=category_rule,
                category=row.category,
                purpose=purpose,
                lines=_hall_lines(rng, category_rule, paper),
                status=status,
                started=now - dt.timedelta(days=30 - 7 * k),
                hall=hall,
                paper=paper,
            )
        )
    return SampleSummary(
        applications=len(created),
        halls=len(halls),
        states=tuple(sorted({a.status for a in created})),
        sample_programme=made,
    )


def _application(
    *, programme, association, rule, category, purpose, lines, status, started, hall=None, paper=False
) -> Application:
    planned = [rules.Line(kind=k, amount=a, description=f"{d}{SAMPLE_MARK}") for k, d, a in lines]
    breakdown = rules.compute_amount(
        rule, lines=planned, floor_area_m2=hall.floor_area_m2 if hall is not None else None
    )
    path = PATHS[status]
    if programme.review_path == workflow.ReviewPath.CITY_ONLY:
        # No area-office stage: start_review leads straight to the city's review (forwarded).
        path = tuple(action for action in path if action != Action.FORWARD)
        status = workflow.Status.FORWARDED if status == workflow.Status.UNDER_REVIEW else status
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
        target = workflow.target_status(action, current, programme.review_path)
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
