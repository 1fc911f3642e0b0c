"""create_account and import_accounts through call_command."""

import codecs
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from chonaikai.accounts import policy
from chonaikai.accounts.models import RoleAssignment
from tests.factories import UserFactory, ward

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "kita-no-yuki-2024"
SITE_URL = "https://chonaikai.example.jp"


def run(*args, **kwargs):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


# create_account


@pytest.fixture
def env_password(monkeypatch):
    monkeypatch.setenv("CHONAIKAI_PASSWORD", PASSWORD)


def test_create_account_reads_the_password_from_the_environment(env_password):
    out, _ = run(
        "create_account", "chuo01", "--role", "ward_staff", "--ward", "01101", "--email", "c@example.jp"
    )
    user = User.objects.get(username="chuo01")
    assert user.check_password(PASSWORD)
    assert user.email == "c@example.jp"
    assert policy.wards_editable_by(user).get() == ward("01101")
    assert "アカウント「chuo01」を作成しました（役割: 区役所職員、担当: 中央区）" in out


def test_create_account_for_a_leader(env_password, association_a):
    run("create_account", "leader01", "--role", "association_leader", "--association", association_a.code)
    assignment = RoleAssignment.objects.get(user__username="leader01")
    assert assignment.association == association_a


def test_create_account_asks_for_the_password_twice(monkeypatch):
    monkeypatch.delenv("CHONAIKAI_PASSWORD", raising=False)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    run("create_account", "viewer01", "--role", "viewer")
    assert User.objects.get(username="viewer01").check_password(PASSWORD)


def test_create_account_refuses_two_different_passwords(monkeypatch):
    monkeypatch.delenv("CHONAIKAI_PASSWORD", raising=False)
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="一致しません"):
        run("create_account", "viewer01", "--role", "viewer")
    assert not User.objects.filter(username="viewer01").exists()


def test_create_account_rejects_an_unknown_ward(env_password):
    with pytest.raises(CommandError, match="区コード「09999」の区が見つかりません"):
        run("create_account", "x", "--role", "ward_staff", "--ward", "09999")


def test_create_account_rejects_an_unknown_association(env_password):
    with pytest.raises(CommandError, match="町内会コード「01101-9999」の町内会が見つかりません"):
        run("create_account", "x", "--role", "association_leader", "--association", "01101-9999")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "ward_staff"], "区（--ward）: 区役所職員には担当区を指定してください。"),
        (
            ["--role", "association_leader", "--ward", "01101"],
            "区（--ward）: 町内会役員には区を指定できません",
        ),
        (["--role", "viewer", "--ward", "01101"], "区（--ward）: 閲覧者には区を指定できません。"),
    ],
)
def test_create_account_rejects_a_wrong_combination(env_password, args, message):
    with pytest.raises(CommandError) as excinfo:
        run("create_account", "x", *args)
    assert message in str(excinfo.value)
    assert not User.objects.filter(username="x").exists()


def test_create_account_rejects_an_existing_username_before_asking_for_a_password(monkeypatch):
    monkeypatch.delenv("CHONAIKAI_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("asked for a password"))
    UserFactory(username="taken")
    with pytest.raises(CommandError, match="ユーザー名: ユーザー名「taken」は既に使われています。"):
        run("create_account", "taken", "--role", "viewer")


def test_create_account_rejects_a_weak_password(monkeypatch):
    monkeypatch.setenv("CHONAIKAI_PASSWORD", "12345")
    with pytest.raises(CommandError, match="パスワード: "):
        run("create_account", "x", "--role", "viewer")
    assert not User.objects.filter(username="x").exists()


def test_create_account_rejects_an_unknown_role(env_password):
    with pytest.raises(CommandError, match="invalid choice"):
        run("create_account", "x", "--role", "mayor")


# import_accounts


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str, encoding: str = "utf-8", bom: bool = False):
        path = tmp_path / "accounts.csv"
        path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode(encoding))
        return str(path)

    return write


def leaders_csv(association_a, association_b, header="ユーザー名,役割,区コード,町内会コード,メールアドレス"):
    return (
        f"{header}\r\n"
        f"yamada,町内会役員,,{association_a.code},yamada@example.jp\r\n"
        f"suzuki,association_leader,,{association_b.code},\r\n"
        "kita_tanto,区役所職員,01102,,kita@city.example.jp\r\n"
    )


def test_import_accounts_reads_utf8_with_bom(
    write_csv, association_a, association_b, django_capture_on_commit_callbacks
):
    path = write_csv(leaders_csv(association_a, association_b), bom=True)
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run("import_accounts", path, "--site-url", "https://chonaikai.example.jp")
    assert "文字コード UTF-8（BOM付き）" in out
    assert "3件のアカウントを登録しました。" in out
    assert RoleAssignment.objects.get(user__username="yamada").association == association_a
    assert RoleAssignment.objects.get(user__username="kita_tanto").ward == ward("01102")
    assert not User.objects.get(username="yamada").has_usable_password()
    assert sorted(m.to[0] for m in mail.outbox) == ["kita@city.example.jp", "yamada@example.jp"]
    assert "https://chonaikai.example.jp/accounts/reset/" in mail.outbox[0].body
    # suzuki has no email: the operator is told what to do.
    assert "suzuki: メールアドレスがないため、パスワードは未設定です" in out
    assert "manage.py changepassword" in out


def test_import_accounts_reads_cp932(write_csv, association_a, association_b):
    path = write_csv(leaders_csv(association_a, association_b), encoding="cp932")
    out, _ = run("import_accounts", path, "--site-url", SITE_URL)
    assert "文字コード CP932（Shift_JIS）" in out
    assert set(User.objects.values_list("username", flat=True)) == {"yamada", "suzuki", "kita_tanto"}


def test_import_accounts_reads_english_headers(write_csv, association_a, association_b):
    path = write_csv(leaders_csv(association_a, association_b, header="username,role,ward,association,email"))
    run("import_accounts", path, "--site-url", SITE_URL)
    assert RoleAssignment.objects.count() == 3


def test_import_accounts_lists_every_error_and_writes_nothing(write_csv, association_a):
    UserFactory(username="taken")
    path = write_csv(
        "ユーザー名,役割,区コード,町内会コード,メールアドレス\n"
        f"ok,町内会役員,,{association_a.code},ok@example.jp\n"
        "taken,閲覧者,,,\n"
        "kita,区役所職員,09999,,\n"
        "bad,町内会役員,01101,,\n"
        "x,市長,,,\n"
        "y,閲覧者,,,not-an-email\n",
        encoding="cp932",
    )
    with pytest.raises(CommandError, match="6件の誤りがあるため、1件も登録していません。") as excinfo:
        run("import_accounts", path, "--site-url", SITE_URL)
    assert excinfo.value.returncode == 1
    assert not User.objects.exclude(username="taken").exists()
    assert not RoleAssignment.objects.exists()
    assert mail.outbox == []


def test_import_accounts_names_row_and_column_of_each_error(write_csv, association_a):
    UserFactory(username="taken")
    path = write_csv(
        "ユーザー名,役割,区コード,町内会コード,メールアドレス\n"
        f"ok,町内会役員,,{association_a.code},\n"
        "taken,閲覧者,,,\n"
        "kita,区役所職員,09999,,\n"
        "bad,町内会役員,01101,,\n"
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_accounts", path, "--site-url", SITE_URL, stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert "3行目「ユーザー名」: ユーザー名「taken」は既に使われています。" in lines
    assert "4行目「区コード」: 区「09999」が見つかりません。" in lines
    assert "5行目「区コード」: 町内会役員には区を指定できません（区は町内会から決まります）。" in lines
    assert any(
        line.startswith("5行目「町内会コード」: 町内会役員には担当町内会を指定してください。")
        for line in lines
    )


def test_import_accounts_rejects_a_password_column(write_csv):
    path = write_csv("username,role,password\nx,viewer,secret\n")
    with pytest.raises(CommandError, match="パスワードの列は取り込みません"):
        run("import_accounts", path, "--site-url", SITE_URL)
    assert not User.objects.filter(username="x").exists()


def test_import_accounts_dry_run_writes_nothing(
    write_csv, association_a, association_b, django_capture_on_commit_callbacks
):
    path = write_csv(leaders_csv(association_a, association_b))
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run("import_accounts", path, "--dry-run", "--site-url", SITE_URL)
    assert "3件のアカウントを登録できます（--dry-run のため登録していません）。" in out
    assert not RoleAssignment.objects.exists()
    assert mail.outbox == []


def test_import_accounts_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="を読めません"):
        run("import_accounts", str(tmp_path / "nothing.csv"))


def test_imported_leader_sets_a_password_through_the_emailed_link(
    client, write_csv, association_a, django_capture_on_commit_callbacks
):
    path = write_csv(
        f"username,role,association,email\nyamada,association_leader,{association_a.code},y@example.jp\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        run("import_accounts", path, "--site-url", "http://testserver")
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    response = client.get(link.removeprefix("http://testserver"), follow=True)
    assert response.status_code == 200
    assert "新しいパスワードの設定" in response.text
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}, follow=True
    )
    assert "パスワードを設定しました" in response.text
    assert User.objects.get(username="yamada").check_password(PASSWORD)


def test_import_accounts_needs_a_site_url_to_send_emails(write_csv, settings):
    settings.SITE_URL = ""
    path = write_csv("username,role,email\nx,viewer,x@example.jp\n")
    with pytest.raises(CommandError, match="--site-url"):
        run("import_accounts", path)
    assert not User.objects.filter(username="x").exists()
