"""Login, logout, password change and reset pages (Django's views, Japanese templates)."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from chonaikai.accounts.models import Role
from chonaikai.accounts.services import account_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "correct horse battery"  # UserFactory's


def test_login_page_is_in_japanese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.text
    assert "<h1>ログイン</h1>" in html
    assert "ユーザー名" in html
    assert "パスワード" in html
    assert "ログインする" in html
    assert reverse("password_reset") in html


def test_login_with_a_wrong_password_shows_a_japanese_error(client, viewer):
    response = client.post(reverse("login"), {"username": "viewer", "password": "wrong"})
    assert response.status_code == 200
    assert "ユーザー名かパスワードが違います" in response.text


def test_login_redirects_to_the_start_page(client, viewer):
    response = client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("start")


def test_login_honours_a_safe_next(client, viewer):
    response = client.post(
        reverse("login") + "?next=/wards/", {"username": "viewer", "password": PASSWORD, "next": "/wards/"}
    )
    assert response["Location"] == "/wards/"


def test_protected_pages_send_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_logout_is_a_post_and_returns_to_the_top_page(client, viewer):
    client.force_login(viewer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_password_change_page_is_in_japanese_and_changes_the_password(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("password_change"))
    assert "<h1>パスワードの変更</h1>" in response.text
    new = "yukimatsuri-2025"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert "パスワードを変更しました" in response.text
    viewer.refresh_from_db()
    assert viewer.check_password(new)


def test_a_refused_new_password_is_shown_above_its_field_marked_in_error(client, viewer):
    """Seen in a walk (a leader at 390 × 844): 「このパスワードは短すぎます」 came under the last input, after
    the button's row of fields, with no field marked; the subsidy forms put errors above the input
    (in view when zoomed) and mark the field, as this one now does."""
    client.force_login(viewer)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "sapporo1", "new_password2": "sapporo1"},
    )
    assert response.status_code == 200
    before, field = response.text.split('for="id_new_password2"', 1)
    assert field.index("このパスワードは短すぎます") < field.index("<input"), "the message comes first"
    assert before.rsplit('<div class="form-field', 1)[1].startswith(" form-field--error")
    # announced when the page comes back (role="alert"), as the field errors themselves were before
    assert '<div class="form-errors" role="alert"><p>入力内容を確かめてください。' in before
    viewer.refresh_from_db()
    assert viewer.check_password(PASSWORD)


def test_password_reset_page_is_in_japanese(client):
    response = client.get(reverse("password_reset"))
    assert "<h1>パスワードの再設定</h1>" in response.text
    assert "メールアドレス" in response.text


def test_password_reset_sends_a_japanese_email(client, leader_a, association_a):
    response = client.post(reverse("password_reset"), {"email": "leader_a@example.jp"}, follow=True)
    assert "メールを送りました" in response.text
    [message] = mail.outbox
    assert message.to == ["leader_a@example.jp"]
    assert message.subject == "【町内会・自治会 加入状況システム】パスワード再設定のご案内"
    # Greeted by display name; the login name appears only as the name to log in with.
    assert f"{association_a.name} 様" in message.body and "leader_a 様" not in message.body
    assert "パスワード再設定のお申し込みを受け付けました" in message.body
    assert "http://testserver/accounts/reset/" in message.body
    assert "札幌市 市民自治推進室" in message.body


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.jp"}, follow=True)
    assert "メールを送りました" in response.text
    assert mail.outbox == []


def test_password_reset_skips_inactive_users(client):
    UserFactory(email="gone@example.jp", is_active=False)
    client.post(reverse("password_reset"), {"email": "gone@example.jp"})
    assert mail.outbox == []


def test_password_reset_reaches_a_provisioned_user_who_never_set_a_password(client, association_a):
    account_create(
        actor=None,
        username="newleader",
        role=Role.ASSOCIATION_LEADER,
        association=association_a,
        email="new@example.jp",
        password=None,
    )
    client.post(reverse("password_reset"), {"email": "NEW@example.jp"})
    [message] = mail.outbox
    assert message.to == ["new@example.jp"]


def test_an_invalid_reset_link_explains_itself_in_japanese(client, viewer):
    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"}), follow=True
    )
    assert "このリンクは使えません" in response.text


# Admin site: roles are managed by city administrators only.


def test_city_admin_manages_roles_in_the_admin(client):
    admin = account_create(actor=None, username="suishin", role=Role.CITY_ADMIN, password="yukimatsuri-2025")
    client.force_login(admin)
    response = client.get(reverse("admin:accounts_roleassignment_changelist"))
    assert response.status_code == 200
    assert "役割の割り当て" in response.text


@pytest.mark.parametrize("persona", ["ward_staff_chuo", "leader_a", "viewer", "staff_user"])
def test_others_cannot_see_roles_in_the_admin(client, request, persona):
    user = request.getfixturevalue(persona)
    user.is_staff = True  # even with access to the admin site
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:accounts_roleassignment_changelist"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "persona, expected",
    [("city_admin", True), ("ward_staff_chuo", False), ("leader_a", False), ("viewer", False)],
)
def test_role_permission_backend_gives_city_admins_every_django_permission(
    request, settings, persona, expected
):
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "chonaikai.accounts.backends.RolePermissionBackend",
    ]
    user = User.objects.get(pk=request.getfixturevalue(persona).pk)
    assert user.has_perm("associations.change_association") is expected
    assert user.has_module_perms("associations") is expected


# The login page: plain words, a show-password control, no "you must log in" when the person chose to.


def test_a_wrong_password_is_refused_in_plain_japanese(client, db):
    from tests.factories import UserFactory

    UserFactory(username="leader_plain")
    response = client.post(reverse("login"), {"username": "leader_plain", "password": "wrong-password"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "ユーザー名かパスワードが違います。もう一度入力してください。" in html
    assert "スタッフアカウント" not in html and "正しいユーザー名" not in html


@pytest.mark.parametrize("query", ["", "?next=/"])
def test_opening_the_login_page_oneself_shows_no_must_log_in_notice(client, db, query):
    html = client.get(reverse("login") + query).content.decode()
    assert "このページを見るにはログインしてください" not in html


def test_being_sent_to_log_in_by_a_page_says_so(client, db):
    html = client.get(reverse("login") + "?next=/subsidies/").content.decode()
    assert "このページを見るにはログインしてください" in html


def test_the_header_login_link_from_the_top_page_carries_no_next(client, db):
    html = client.get("/").content.decode()
    assert f'href="{reverse("login")}"' in html
    assert f'href="{reverse("login")}?next=/associations/"' in client.get("/associations/").content.decode()


def test_the_login_page_has_a_labelled_show_password_box_that_needs_javascript_to_appear(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<div class="form-field show-password" data-show-password="id_password" hidden>' in html
    assert '<input type="checkbox" id="id_show_password" aria-controls="id_password">' in html
    assert '<label for="id_show_password">パスワードを表示する</label>' in html
    assert "js/show_password.js" in html
