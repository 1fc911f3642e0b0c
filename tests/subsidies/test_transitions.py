"""Every workflow action for every persona, and every action from every state (table-driven).

Applications belong to association_a (中央区, led by leader_a). Expected outcomes per persona:
ok (the state changes, a Transition row and an audit event are written), 403 (PermissionDenied:
the persona sees the application but may not take the action), 404 (the application is outside
the persona's scope).
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from chonaikai.accounts.names import display_name
from chonaikai.audit.models import AuditEvent
from chonaikai.subsidies import services
from chonaikai.subsidies.errors import IllegalTransition
from chonaikai.subsidies.models import Application, Transition
from chonaikai.subsidies.services import LineInput
from chonaikai.subsidies.workflow import TRANSITIONS, Action, Status

from .helpers import pdf_file

PERSONAS = ["city_admin", "ward_staff_chuo", "ward_staff_kita", "leader_a", "leader_b", "viewer", "anonymous"]

ASSOCIATION = {Action.SUBMIT, Action.WITHDRAW, Action.REPORT_COMPLETION}
WARD = {Action.START_REVIEW, Action.RETURN, Action.FORWARD, Action.RETURN_COMPLETION}
CITY = {Action.SEND_BACK, Action.APPROVE, Action.REJECT, Action.CONFIRM, Action.PAY}


def expected(persona: str, action: str, *, paper: bool = False) -> str:
    if persona == "city_admin":
        return "ok"
    if persona in {"ward_staff_kita", "leader_b", "viewer", "anonymous"}:
        return "404"
    if persona == "leader_a":
        return "ok" if action in ASSOCIATION else "403"
    # ward_staff_chuo: the ward's stage, and the association's steps for paper entries they act on.
    return "ok" if action in WARD or (paper and action in ASSOCIATION) else "403"


def run(action: str, actor, application_id: int):
    """Call the service for `action` with valid arguments."""
    common = {"actor": actor, "application_id": application_id}
    if action == Action.SUBMIT:
        return services.application_submit(**common)
    if action == Action.START_REVIEW:
        return services.application_start_review(**common)
    if action == Action.RETURN:
        return services.application_return(**common, comment="見積書を添付してください。")
    if action == Action.FORWARD:
        return services.application_forward(**common)
    if action == Action.SEND_BACK:
        return services.application_send_back(**common, comment="内容を再確認してください。")
    if action == Action.APPROVE:
        return services.application_approve(**common)
    if action == Action.REJECT:
        return services.application_reject(**common, reason="対象外の経費です。")
    if action == Action.WITHDRAW:
        return services.application_withdraw(**common)
    if action == Action.REPORT_COMPLETION:
        return services.application_report_completion(
            **common, lines=[LineInput("service", "講師謝礼", 30_000)], receipts=[pdf_file()]
        )
    if action == Action.RETURN_COMPLETION:
        return services.application_return_completion(**common, comment="領収書が読めません。")
    if action == Action.CONFIRM:
        return services.application_confirm(**common)
    if action == Action.PAY:
        return services.application_pay(**common, paid_on=dt.date(2026, 11, 30))
    raise AssertionError(action)


def first_source(action: str) -> str:
    sources, _target = TRANSITIONS[action]
    return next(s for s in Status.values if s in sources)


@pytest.fixture
def everyone(request):
    """Personas by name, created only when asked for (each test needs one)."""

    class Lazy(dict):
        def __missing__(self, name):
            self[name] = request.getfixturevalue(name)
            return self[name]

    return Lazy()


def assert_outcome(outcome: str, action: str, actor, app: Application, from_status: str):
    if outcome == "404":
        with pytest.raises(Http404):
            run(action, actor, app.pk)
    elif outcome == "403":
        with pytest.raises(PermissionDenied):
            run(action, actor, app.pk)
    if outcome != "ok":
        app.refresh_from_db()
        assert app.status == from_status
        assert not Transition.objects.filter(application=app).exists()
        return
    run(action, actor, app.pk)
    app.refresh_from_db()
    target = TRANSITIONS[action][1]
    assert app.status == target
    transition = Transition.objects.get(application=app)
    assert (transition.action, transition.from_status, transition.to_status) == (action, from_status, target)
    assert transition.actor == actor and transition.actor_name == display_name(actor)
    event = AuditEvent.objects.get(action=f"subsidy_application.{action}", subject_id=str(app.pk))
    assert event.before["status"] == from_status and event.after["status"] == target
    assert event.actor == actor


@pytest.mark.parametrize("action", Action.values)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_may_take_exactly_its_own_actions(persona, action, everyone, association_a, make_app):
    from_status = first_source(action)
    app = make_app(association_a, status=from_status)
    assert_outcome(expected(persona, action), action, everyone[persona], app, from_status)


@pytest.mark.parametrize("action", sorted(ASSOCIATION))
@pytest.mark.parametrize("persona", ["ward_staff_chuo", "ward_staff_kita", "leader_a"])
def test_ward_staff_act_for_the_association_on_paper_entries_of_their_ward(
    persona, action, everyone, association_a, make_app, ward_staff_chuo_2
):
    from_status = first_source(action)
    # Entered by a colleague and checked already, so that nothing but the role decides.
    app = make_app(association_a, status=from_status, entered_by_staff=True, entered_by=ward_staff_chuo_2)
    assert_outcome(expected(persona, action, paper=True), action, everyone[persona], app, from_status)


ILLEGAL = [(a, s) for a in Action.values for s in Status.values if s not in TRANSITIONS[a][0]]


@pytest.mark.parametrize(("action", "status"), ILLEGAL, ids=[f"{a}-from-{s}" for a, s in ILLEGAL])
def test_an_action_from_a_state_the_workflow_does_not_allow_is_refused_and_changes_nothing(
    action, status, city_admin, association_a, make_app
):
    app = make_app(association_a, status=status)
    with pytest.raises(IllegalTransition) as error:
        run(action, city_admin, app.pk)
    assert f"「{Status(status).label}」の申請は" in str(error.value)
    app.refresh_from_db()
    assert app.status == status
    assert not Transition.objects.exists()


@pytest.mark.django_db
def test_a_whole_life_from_draft_to_paid_leaves_one_transition_per_step(
    leader_a, ward_staff_chuo, city_admin, association_a, digital
):
    app = services.application_create(
        actor=leader_a,
        association_id=association_a.pk,
        programme_id=digital.pk,
        purpose="役員会のオンライン化",
        lines=[LineInput("service", "設定委託", 30_000), LineInput("goods", "タブレット", 90_000)],
    )
    assert app.computed_amount == 90_000
    for action, actor in [
        (Action.SUBMIT, leader_a),
        (Action.START_REVIEW, ward_staff_chuo),
        (Action.RETURN, ward_staff_chuo),
        (Action.SUBMIT, leader_a),
        (Action.START_REVIEW, ward_staff_chuo),
        (Action.FORWARD, ward_staff_chuo),
        (Action.SEND_BACK, city_admin),
        (Action.FORWARD, ward_staff_chuo),
        (Action.APPROVE, city_admin),
        (Action.REPORT_COMPLETION, leader_a),
        (Action.RETURN_COMPLETION, ward_staff_chuo),
        (Action.REPORT_COMPLETION, leader_a),
        (Action.CONFIRM, city_admin),
        (Action.PAY, city_admin),
    ]:
        if action == Action.PAY:  # paid against the association's claim (請求書 with the account)
            services.application_claim(
                actor=leader_a,
                application_id=app.pk,
                bank_name="テスト銀行",
                branch_name="中央支店",
                account_type="ordinary",
                account_number="1234567",
                account_holder_kana="テストチョウナイカイ",
            )
        run(action, actor, app.pk)
    app.refresh_from_db()
    assert app.status == Status.PAID
    assert (app.approved_amount, app.confirmed_amount, app.paid_amount) == (90_000, 30_000, 30_000)
    assert app.transitions.count() == 14
    assert list(app.transitions.values_list("to_status", flat=True))[-3:] == [
        Status.COMPLETION_REPORTED,
        Status.CONFIRMED,
        Status.PAID,
    ]
