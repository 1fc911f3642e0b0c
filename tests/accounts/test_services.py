"""account_create, account_invite and accounts_import: state, errors, history and on-commit emails."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from chonaikai.accounts import policy
from chonaikai.accounts.models import Role, RoleAssignment
from chonaikai.accounts.services import (
    AccountImportError,
    AccountRow,
    account_create,
    account_invite,
    accounts_import,
)
from chonaikai.operations.management.commands.import_accounts import associations_by_code
from tests.factories import UserFactory, ward

pytestmark = pytest.mark.django_db
PASSWORD = "kita-no-yuki-2024"


def test_account_create_makes_a_ward_staff_account_scoped_to_the_ward(city_admin):
    user = account_create(
        actor=city_admin,
        username="chuo01",
        role=Role.WARD_STAFF,
        ward=ward("01101"),
        email="chuo01@city.example.jp",
        password=PASSWORD,
    )
    assert user.check_password(PASSWORD)
    assert user.email == "chuo01@city.example.jp"
    assert not user.is_staff
    assert policy.can_edit_counts(user, ward("01101"))
    assert not policy.can_edit_counts(user, ward("01102"))
    record = RoleAssignment.history.get(user_id=user.pk)
    assert record.history_user == city_admin


def test_city_admin_accounts_may_open_the_admin_site():
    user = account_create(actor=None, username="suishin", role=Role.CITY_ADMIN, password=PASSWORD)
    assert user.is_staff
    assert not user.is_superuser
    assert policy.is_city_admin(user)


def test_account_create_without_password_gives_an_unusable_password(association_a):
    user = account_create(
        actor=None,
        username="leader01",
        role=Role.ASSOCIATION_LEADER,
        association=association_a,
        password=None,
    )
    assert not user.has_usable_password()


@pytest.mark.parametrize(
    "role, scope, field, message",
    [
        (Role.WARD_STAFF, {}, "ward", "区役所職員には担当区を指定してください。"),
        (Role.WARD_STAFF, {"association": "a"}, "association", "区役所職員には町内会を指定できません"),
        (Role.ASSOCIATION_LEADER, {}, "association", "町内会役員には担当町内会を指定してください。"),
        (
            Role.ASSOCIATION_LEADER,
            {"ward": "01101", "association": "a"},
            "ward",
            "町内会役員には区を指定できません",
        ),
        (Role.CITY_ADMIN, {"ward": "01101"}, "ward", "市の管理者には区を指定できません。"),
        (Role.VIEWER, {"association": "a"}, "association", "閲覧者には町内会を指定できません。"),
        ("mayor", {}, "role", "役割「mayor」はありません。"),
    ],
)
def test_account_create_rejects_a_wrong_scope_in_japanese(role, scope, field, message, association_a):
    kwargs = {}
    if "ward" in scope:
        kwargs["ward"] = ward(scope["ward"])
    if "association" in scope:
        kwargs["association"] = association_a
    with pytest.raises(ValidationError) as excinfo:
        account_create(actor=None, username="someone", role=role, password=PASSWORD, **kwargs)
    assert any(message in m for m in excinfo.value.message_dict[field])
    assert not RoleAssignment.objects.exists()


def test_account_create_rejects_a_taken_username_whatever_its_case():
    UserFactory(username="Sapporo")
    with pytest.raises(ValidationError) as excinfo:
        account_create(actor=None, username="sapporo", role=Role.VIEWER, password=PASSWORD)
    assert excinfo.value.message_dict["username"] == ["ユーザー名「sapporo」は既に使われています。"]


@pytest.mark.parametrize("password", ["short", "1234567890123", "password1234"])
def test_account_create_applies_the_password_validators(password):
    with pytest.raises(ValidationError) as excinfo:
        account_create(actor=None, username="weak", role=Role.VIEWER, password=password)
    assert excinfo.value.message_dict["password"]
    assert not UserFactory._meta.model.objects.filter(username="weak").exists()


def test_account_create_rejects_a_malformed_email():
    with pytest.raises(ValidationError) as excinfo:
        account_create(actor=None, username="x", role=Role.VIEWER, email="not-an-address", password=PASSWORD)
    assert "形式が正しくありません" in excinfo.value.message_dict["email"][0]


@pytest.mark.parametrize("actor", ["ward_staff_chuo", "leader_a", "viewer", "anonymous"])
def test_only_city_admin_may_create_accounts(request, actor):
    with pytest.raises(PermissionDenied):
        account_create(
            actor=request.getfixturevalue(actor), username="new", role=Role.VIEWER, password=PASSWORD
        )


def test_account_invite_sends_the_password_set_email_after_commit(
    association_a, django_capture_on_commit_callbacks
):
    user = account_create(
        actor=None,
        username="leader01",
        role=Role.ASSOCIATION_LEADER,
        association=association_a,
        email="leader01@example.jp",
        password=None,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert account_invite(actor=None, user=user, site_url="https://chonaikai.example.jp/")
        assert mail.outbox == []  # nothing before commit
    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["leader01@example.jp"]
    assert "アカウント登録とパスワード設定のご案内" in message.subject
    # Greeted by display name; the login name only where the person needs it to log in.
    assert f"{association_a.name} 様" in message.body
    assert "leader01 様" not in message.body and "ユーザー名: leader01" in message.body
    assert "町内会役員" in message.body
    assert association_a.name in message.body
    assert "https://chonaikai.example.jp/accounts/reset/" in message.body


def test_account_invite_without_email_sends_nothing(django_capture_on_commit_callbacks):
    user = account_create(actor=None, username="noemail", role=Role.VIEWER, password=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert not account_invite(actor=None, user=user, site_url="https://x.example.jp")
    assert callbacks == []


def test_accounts_import_creates_all_rows(association_a, association_b, django_capture_on_commit_callbacks):
    rows = [
        AccountRow(
            2, "leader_a1", "association_leader", association=association_a.code, email="a@example.jp"
        ),
        AccountRow(3, "leader_b1", "association_leader", association=association_b.code),
        AccountRow(4, "kita01", "ward_staff", ward="1102"),  # a spreadsheet dropped the leading zero
        AccountRow(5, "chuo01", "ward_staff", ward="中央区"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        created = accounts_import(
            actor=None, rows=rows, find_associations=associations_by_code, site_url="https://x.example.jp"
        )
    assert [(a.user.username, a.invited) for a in created] == [
        ("leader_a1", True),
        ("leader_b1", False),
        ("kita01", False),
        ("chuo01", False),
    ]
    assert RoleAssignment.objects.get(user__username="kita01").ward == ward("01102")
    assert RoleAssignment.objects.get(user__username="chuo01").ward == ward("01101")
    assert [m.to for m in mail.outbox] == [["a@example.jp"]]


def test_accounts_import_writes_nothing_and_sends_nothing_if_any_row_is_wrong(
    association_a, django_capture_on_commit_callbacks
):
    UserFactory(username="taken")
    rows = [
        AccountRow(2, "ok1", "association_leader", association=association_a.code, email="ok1@example.jp"),
        AccountRow(3, "taken", "viewer"),
        AccountRow(4, "ok2", "association_leader", association="01101-9999"),
        AccountRow(5, "ok1", "viewer"),
        AccountRow(6, "kita", "ward_staff", ward="99999"),
    ]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AccountImportError) as excinfo:
        accounts_import(
            actor=None, rows=rows, find_associations=associations_by_code, site_url="https://x.example.jp"
        )
    errors = [(e.line, e.field) for e in excinfo.value.errors]
    assert errors == [(3, "username"), (4, "association"), (5, "username"), (6, "ward")]
    assert not UserFactory._meta.model.objects.filter(username__startswith="ok").exists()
    assert not RoleAssignment.objects.exists()
    assert mail.outbox == []


def test_accounts_import_needs_a_site_url_for_rows_with_email(association_a):
    rows = [AccountRow(2, "x", "association_leader", association=association_a.code, email="x@example.jp")]
    with pytest.raises(AccountImportError) as excinfo:
        accounts_import(actor=None, rows=rows, find_associations=associations_by_code, site_url="")
    assert [(e.line, e.field) for e in excinfo.value.errors] == [(2, "email")]
