"""manage.py backup / restore on PostgreSQL: pg_dump's custom format, restored by pg_restore.

These tests commit their rows (pg_dump and pg_restore are other processes and see only committed
data), so they are transactional; serialized_rollback puts back what migrations loaded afterwards.
"""

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from chonaikai.associations.models import Association, CountsUpload, HouseholdCount
from chonaikai.audit.services import audit_record
from chonaikai.operations import backup
from chonaikai.operations.backup import postgres
from tests.factories import AssociationFactory, HouseholdCountFactory, UserFactory, ward

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

UPLOADED = b"\xef\xbb\xbfcode,households\n011010001,120\n"


@pytest.fixture(autouse=True)
def fresh_content_type_cache():
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def dataset():
    """Accounts and roles, associations and counts with their history, an audit event, a stored file."""
    admin = UserFactory(username="pg_admin")
    admin.set_password("correct horse battery")
    admin.save()
    group = Group.objects.create(name="集計担当")  # i18n: data
    group.permissions.add(Permission.objects.get(codename="view_association"))
    admin.groups.add(group)
    association = AssociationFactory(ward=ward("01101"), name="中央PGテスト町内会")  # i18n: data
    association.name = "中央PGテスト町内会（改称）"  # i18n: data
    association._history_user = admin
    association.save()
    for n in range(3):
        HouseholdCountFactory(
            association=association, survey_date=dt.date(2022 + n, 1, 1), households=100 + n
        )
    audit_record(actor=admin, action="association.renamed", subject=association, after={"name": "x"})
    upload = CountsUpload(
        owner=admin,
        survey_date=dt.date(2024, 1, 1),
        filename="counts.csv",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    upload.file.save("counts.csv", ContentFile(UPLOADED), save=False)
    upload.save()
    session = SessionStore()
    session["who"] = admin.pk
    session.create()
    return {"admin": admin, "association": association, "upload": upload}


def snapshot() -> dict[str, list[dict]]:
    return {
        m._meta.label_lower: serializers.serialize("python", m._base_manager.order_by("pk"))
        for m in backup.backup_models()
    }


def _wipe():
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()


def _rewrite(source, target, change_manifest=None, change_dump=None):
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == backup.MANIFEST and change_manifest:
                manifest = json.loads(data)
                change_manifest(manifest)
                data = json.dumps(manifest).encode()
            if item.filename == postgres.DUMP and change_dump:
                data = change_dump(data)
            dst.writestr(item, data)


def test_on_postgresql_backup_writes_a_pg_dump_with_a_manifest_of_the_snapshot(dataset, tmp_path):
    path = tmp_path / "backup.zip"
    out = io.StringIO()

    call_command("backup", str(path), stdout=out)

    manifest = backup.read_manifest(path)
    assert manifest["engine"] == "pg_dump" and manifest["version"] == 2
    assert manifest["database"] == "postgresql"
    assert manifest["server_version"] // 10000 == postgres.server_major()
    assert manifest["rows"]["associations.householdcount"] == HouseholdCount.objects.count() == 3
    assert manifest["rows"]["associations.historicalhouseholdcount"] == 3
    assert "0001_initial" in manifest["migrations"]["associations"]
    assert [f["name"] for f in manifest["files"]] == [dataset["upload"].file.name]
    with zipfile.ZipFile(path) as zf:
        dump = zf.read(postgres.DUMP)
    assert dump.startswith(b"PGDMP")  # pg_dump's custom format
    assert hashlib.sha256(dump).hexdigest() == manifest["dump"]["sha256"]
    assert "pg_dump" in out.getvalue()


def test_a_pg_dump_backup_round_trips_every_table_history_and_files_through_a_wipe(dataset, tmp_path):
    before = snapshot()
    assert before["associations.historicalassociation"] and before["audit.auditevent"]
    path = tmp_path / "backup.zip"
    call_command("backup", str(path), stdout=io.StringIO())
    name = dataset["upload"].file.name
    default_storage.delete(name)
    _wipe()
    assert Association.objects.count() == 0

    out = io.StringIO()
    call_command("restore", str(path), stdout=out)

    assert snapshot() == before
    restored = Association.objects.get(pk=dataset["association"].pk)
    assert restored.history.first().history_user.username == "pg_admin"
    admin = type(dataset["admin"]).objects.get(username="pg_admin")
    assert admin.check_password("correct horse battery")
    assert admin.groups.get().permissions.get().codename == "view_association"
    with default_storage.open(name) as f:
        assert f.read() == UPLOADED
    assert not Session.objects.exists()  # everyone signs in again
    assert AssociationFactory().pk > dataset["association"].pk  # sequences came back too


def test_a_pg_dump_backup_restores_into_a_database_made_by_createdb_only(dataset, tmp_path):
    before = snapshot()
    path = tmp_path / "backup.zip"
    backup.create_backup(path)
    with connection.cursor() as cursor:  # what `createdb` gives: no table at all
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    assert connection.introspection.table_names() == []

    summary = backup.restore_backup(path)

    assert snapshot() == before
    assert summary.rows["associations.householdcount"] == 3


def test_a_pg_dump_restore_refuses_a_database_in_use_and_force_replaces_it(dataset, tmp_path):
    path = tmp_path / "backup.zip"
    backup.create_backup(path)
    before = snapshot()
    AssociationFactory(name="バックアップ後に登録した町内会")  # i18n: data
    after_backup = snapshot()

    with pytest.raises(CommandError, match=r"既にデータがあります.*--force"):
        call_command("restore", str(path))
    assert snapshot() == after_backup

    call_command("restore", str(path), "--force", stdout=io.StringIO())
    assert snapshot() == before


def test_a_pg_dump_backup_from_a_newer_schema_is_refused_before_anything_changes(dataset, tmp_path):
    good = tmp_path / "backup.zip"
    backup.create_backup(good)
    newer = tmp_path / "newer.zip"
    _rewrite(good, newer, change_manifest=lambda m: m["migrations"]["associations"].append("9999_future"))
    before = snapshot()

    with pytest.raises(backup.BackupError, match=r"9999_future.*migrate"):
        backup.restore_backup(newer, force=True)

    assert snapshot() == before


def test_a_damaged_dump_is_refused_before_anything_changes(dataset, tmp_path):
    good = tmp_path / "backup.zip"
    backup.create_backup(good)
    damaged = tmp_path / "damaged.zip"
    _rewrite(good, damaged, change_dump=lambda data: data[:-100] + bytes(100))
    before = snapshot()

    with pytest.raises(backup.BackupError, match="壊れています"):
        backup.restore_backup(damaged, force=True)

    assert snapshot() == before


def test_a_pg_restore_that_fails_halfway_changes_nothing_and_says_what_pg_restore_said(dataset, tmp_path):
    """A dump cut short (checksum made to match) fails inside pg_restore's single transaction.

    Cut in the last table's rows: by then pg_restore has dropped and recreated every table.
    """
    good = tmp_path / "backup.zip"
    backup.create_backup(good)
    with zipfile.ZipFile(good) as zf:
        cut = zf.read(postgres.DUMP)[:-64]
    cut_path = tmp_path / "cut.zip"

    def same_checksum(m):
        m["dump"]["sha256"] = hashlib.sha256(cut).hexdigest()

    _rewrite(good, cut_path, change_manifest=same_checksum, change_dump=lambda data: cut)
    HouseholdCount.objects.filter(survey_date=dt.date(2022, 1, 1)).delete()
    before = snapshot()

    with pytest.raises(
        CommandError, match=r"(?s)pg_restore が失敗しました.*何も変更していません.*pg_restore:"
    ):
        call_command("restore", str(cut_path), "--force")

    assert snapshot() == before


def test_a_target_migrated_further_than_the_backup_is_refused(dataset, tmp_path):
    good = tmp_path / "backup.zip"
    backup.create_backup(good)
    older = tmp_path / "older.zip"
    _rewrite(good, older, change_manifest=lambda m: m["migrations"]["associations"].pop())

    with pytest.raises(backup.BackupError, match=r"後のマイグレーションが適用されています.*createdb"):
        backup.restore_backup(older, force=True)


def test_the_portable_form_can_still_be_chosen_on_postgresql(dataset, tmp_path):
    path = tmp_path / "portable.zip"
    call_command("backup", str(path), "--format", "json", stdout=io.StringIO())

    assert backup.read_manifest(path)["engine"] == "json"


def test_a_failing_pg_dump_leaves_no_file_and_says_what_pg_dump_said(tmp_path, monkeypatch):
    real = postgres.connection_args

    def wrong_database(*, using):
        args, env = real(using=using)
        return [a for a in args if not a.startswith("--dbname=")] + ["--dbname=chonaikai_no_such_db"], env

    monkeypatch.setattr(postgres, "connection_args", wrong_database)

    with pytest.raises(CommandError, match=r"(?s)pg_dump が失敗しました.*chonaikai_no_such_db"):
        call_command("backup", str(tmp_path))

    assert list(tmp_path.iterdir()) == []
