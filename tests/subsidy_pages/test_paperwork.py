"""The paperwork of a Japanese grant: the 請求書 with the account for payment (振込先) after 額の確定,
shown only to the roles that need it, and the printable 交付決定通知書, 額の確定通知書 and 請求書
with the city's and ward's names, the application number, dates in 和暦 and the amounts."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from chonaikai.audit.models import AuditEvent
from chonaikai.subsidies import services
from chonaikai.subsidies.errors import IllegalTransition, InvalidApplication
from chonaikai.subsidies.models import PaymentClaim, Transition
from chonaikai.subsidies.workflow import Action, Status

pytestmark = pytest.mark.django_db

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
ACCOUNT = {
    "bank_name": "北洋銀行",
    "branch_name": "中央支店",
    "account_type": "ordinary",
    "account_number": "１２３４５",  # full-width, without the leading zeros
    "account_holder_kana": "ﾁｭｳｵｳﾃｽﾄﾁｮｳﾅｲｶｲ",  # half-width, as some keyboards type it
}


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def confirmed(association_a, make_app):
    """A digital application approved for ¥70,000 on 2026-10-01 and confirmed at ¥60,000 on 2026-11-20."""
    app = make_app(association_a, status=Status.CONFIRMED, approved_amount=70_000, with_claim=False)
    app.confirmed_amount = 60_000
    app.decided_at = dt.datetime(2026, 10, 1, 10, 0, tzinfo=JST)
    app.submitted_at = dt.datetime(2026, 9, 15, 10, 0, tzinfo=JST)
    app.save()
    Transition.objects.create(
        application=app,
        action=Action.CONFIRM,
        from_status=Status.COMPLETION_REPORTED,
        to_status=Status.CONFIRMED,
        at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=JST),
    )
    return app


def test_the_leader_claims_the_confirmed_amount_with_the_account(leader_a, confirmed):
    claim = services.application_claim(actor=leader_a, application_id=confirmed.pk, **ACCOUNT)
    assert claim.amount == 60_000 and claim.account_number == "0012345"
    assert claim.account_holder_kana == "チュウオウテストチョウナイカイ"
    assert claim.claimed_on == timezone.localdate()
    event = AuditEvent.objects.get(action="subsidy_application.claimed")
    assert "0012345" not in str(event.after)  # the account stays out of the audit log


@pytest.mark.parametrize(
    ("field", "value"),
    [("account_number", "12345678"), ("account_holder_kana", "chuo"), ("bank_name", "")],
)
def test_a_wrong_account_is_refused_naming_the_field(leader_a, confirmed, field, value):
    with pytest.raises(InvalidApplication) as refused:
        services.application_claim(actor=leader_a, application_id=confirmed.pk, **{**ACCOUNT, field: value})
    assert field in refused.value.extra["fields"]
    assert not PaymentClaim.objects.exists()


def test_a_wrong_account_gives_each_field_its_own_messages_in_the_apis_shape(leader_a, confirmed):
    with pytest.raises(InvalidApplication) as refused:
        services.application_claim(
            actor=leader_a,
            application_id=confirmed.pk,
            **{**ACCOUNT, "account_number": "12345678", "account_holder_kana": "chuo"},
        )
    # {"fields": {field: [messages]}}, as api/errors.py gives every validation error; one message a
    # field (an 8-digit number is not also "at most 7 characters").
    assert refused.value.extra["fields"] == {
        "account_number": ["口座番号は7桁の数字で入力してください。"],
        "account_holder_kana": [
            "口座名義は全角カタカナで入力してください（例: チュウオウテストチョウナイカイ）。"
        ],
    }


def test_a_name_typed_in_hiragana_is_kept_in_katakana(leader_a, confirmed):
    """A phone's keyboard gives hiragana first; the name is the same in katakana, as banks print it."""
    claim = services.application_claim(
        actor=leader_a,
        application_id=confirmed.pk,
        **{**ACCOUNT, "account_holder_kana": "ちゅうおう　てすとちょうないかい"},
    )
    assert claim.account_holder_kana == "チュウオウ テストチョウナイカイ"  # NFKC: the ideographic space too


def test_there_is_no_claim_before_the_amount_is_confirmed(leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.APPROVED)
    with pytest.raises(IllegalTransition):
        services.application_claim(actor=leader_a, application_id=app.pk, **ACCOUNT)


SEES_ACCOUNT = {
    "leader_a": True,
    "city_admin": True,
    "ward_staff_chuo": False,  # sees that a claim was made, not the account
}
NOT_FOUND = ("leader_b", "ward_staff_kita", "viewer")


@pytest.mark.parametrize("persona", [*SEES_ACCOUNT, *NOT_FOUND])
def test_the_account_is_shown_only_to_the_association_and_the_city(
    request, as_user, persona, leader_a, confirmed
):
    services.application_claim(actor=leader_a, application_id=confirmed.pk, **ACCOUNT)
    client = as_user(request.getfixturevalue(persona))
    detail = client.get(reverse("subsidies:detail", args=[confirmed.pk]))
    document = client.get(reverse("subsidies:document", args=[confirmed.pk, "claim"]))
    if persona in NOT_FOUND:
        assert detail.status_code == 404 and document.status_code == 404
        return
    assert detail.status_code == 200
    sees = SEES_ACCOUNT[persona]
    assert ("0012345" in text(detail)) is sees
    assert ("北洋銀行" in text(detail)) is sees
    assert document.status_code == (200 if sees else 404)
    assert "60,000円" in text(detail)  # everyone who may see the application sees the claim's amount


def test_the_leader_gives_the_account_on_the_claim_page_and_gets_the_printable_claim(
    as_user, leader_a, confirmed
):
    client = as_user(leader_a)
    assert "請求書を出す" in text(client.get(reverse("subsidies:detail", args=[confirmed.pk])))
    response = client.post(reverse("subsidies:claim", args=[confirmed.pk]), ACCOUNT)
    assert response["Location"] == reverse("subsidies:document", args=[confirmed.pk, "claim"])
    page = text(client.get(response["Location"]))
    assert "請求書" in page and "札幌市長 様" in page and "中央テストA町内会" in page
    assert confirmed.number in page and "60,000円" in page
    assert "令和8年11月29日" in page  # the claim's day (today in these tests)
    assert "令和8年10月1日付けで交付決定を受けた" in page
    assert "北洋銀行" in page and "中央支店" in page and "普通" in page and "0012345" in page


def test_a_wrong_account_number_is_shown_at_its_field_with_one_message(as_user, leader_a, confirmed):
    """Seen in a walk (a leader at 390 × 844, a ゆうちょ number of 8 digits): the refusal was only in the
    summary at the top, as 「振込先を確認してください（口座番号: 口座番号は7桁の数字で入力してください。、この値は
    7 文字以下でなければなりません( 8 文字になっています)。）。」, and nothing at the field."""
    client = as_user(leader_a)
    response = client.post(
        reverse("subsidies:claim", args=[confirmed.pk]), {**ACCOUNT, "account_number": "12345671"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    field = html.split('id="id_account_number_helptext"', 1)[1].split("<input", 1)[0]
    assert "口座番号は7桁の数字で入力してください。" in field  # at the field, before its input
    assert 'aria-invalid="true"' in html.split('name="account_number"', 1)[1].split(">", 1)[0]
    assert "文字以下" not in html and "振込先を確認してください" not in html
    assert html.count("口座番号は7桁の数字で入力してください。") == 2  # the summary's link and the field
    assert not PaymentClaim.objects.exists()


def test_the_decision_notice_carries_the_approved_amount_and_wareki_dates(as_user, leader_a, confirmed):
    page = text(as_user(leader_a).get(reverse("subsidies:document", args=[confirmed.pk, "decision"])))
    assert "交付決定通知書" in page and confirmed.number in page
    assert "中央テストA町内会 御中" in page and "札幌市長" in page and "中央区役所" in page
    assert "70,000円" in page  # 交付決定額
    assert "令和8年9月15日付けで申請のあった" in page and "令和8年10月1日" in page


def test_the_confirmation_notice_carries_the_confirmed_amount_and_its_day(as_user, leader_a, confirmed):
    page = text(as_user(leader_a).get(reverse("subsidies:document", args=[confirmed.pk, "confirmation"])))
    assert "補助金の額の確定通知書" in page and confirmed.number in page
    assert "60,000円" in page and "70,000円" in page
    assert "令和8年11月20日" in page and "令和8年10月1日付けで交付決定した" in page


def test_no_notice_before_its_step(as_user, leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.SUBMITTED)
    client = as_user(leader_a)
    for document in ("decision", "confirmation", "claim", "nonsense"):
        assert client.get(reverse("subsidies:document", args=[app.pk, document])).status_code == 404
