"""manage.py backup / restore: every table round-trips, history and audit included; restores are all or nothing."""

import datetime as dt
import io
import json
import stat
import zipfile

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from chonaikai.associations.models import Association, HouseholdCount, SurveyRound
from chonaikai.audit.models import AuditEvent
from chonaikai.audit.services import audit_record
from chonaikai.operations import backup
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

pytestmark = pytest.mark.django_db

# Tables the dataset below fills: the round trip is compared on every table, and these must not be empty.
SEEDED = [
    "auth.user",
    "auth.group",
    "accounts.roleassignment",
    "accounts.historicalroleassignment",
    "associations.association",
    "associations.historicalassociation",
    "associations.householdcount",
    "associations.historicalhouseholdcount",
    "associations.surveyround",
    "audit.auditevent",
    "admin.logentry",
    "wards.ward",
]


@pytest.fixture(autouse=True)
def fresh_content_type_cache():
    """A flush gives content types new ids and the test's rollback takes them back: forget both."""
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def dataset(city_admin, leader_a, association_a):
    """A little of everything: accounts and roles, associations and counts with history, audit events."""
    group = Group.objects.create(name="集計担当")
    group.permissions.add(Permission.objects.get(codename="view_association"))
    city_admin.groups.add(group)
    merged_into = AssociationFactory(ward=ward("01102"), name="北テスト合併先町内会")
    association_a.name = "中央テストA町内会（改称）"
    association_a._history_user = city_admin
    association_a.save()  # a second history row, with its user
    dissolved = AssociationFactory(ward=ward("01101"))
    dissolved.status, dissolved.ended_on, dissolved.successor = "merged", dt.date(2023, 3, 31), merged_into
    dissolved.save()
    for n, association in enumerate([association_a, merged_into, dissolved]):
        HouseholdCountFactory(association=association, households=100 + n, member_households=60 + n)
    count = HouseholdCountFactory(association=association_a, survey_date=dt.date(2024, 1, 1))
    count.households = 120
    count.save()
    audit_record(
        actor=city_admin, action="association.renamed", subject=association_a, after={"name": "改称"}
    )
    LogEntry.objects.create(
        user=city_admin,
        content_type=ContentType.objects.get_for_model(Association),
        object_id=str(association_a.pk),
        object_repr=str(association_a),
        action_flag=CHANGE,
        change_message="名称を変更",
    )
    SurveyRound.objects.create(
        survey_date=dt.date(2025, 1, 1), deadline=dt.date(2025, 2, 28), opened_by=city_admin
    )


def snapshot() -> dict[str, list[dict]]:
    """Every row of every backed-up table, foreign keys to content types and users by natural key.

    Natural keys, because a flush recreates content types and permissions with new ids.
    """
    rows = {}
    for model in backup.backup_models():
        data = serializers.serialize(
            "python", model._base_manager.order_by("pk"), use_natural_foreign_keys=True
        )
        rows[model._meta.label_lower] = data
    return rows


def test_every_table_round_trips_through_backup_flush_and_restore(dataset, tmp_path):
    before = snapshot()
    assert [label for label in SEEDED if not before.get(label)] == []
    path = tmp_path / "backup.zip"

    out = io.StringIO()
    call_command("backup", str(path), "--format", "json", stdout=out)
    _flush()
    assert HouseholdCount.objects.count() == Association.objects.count() == 0
    call_command("restore", str(path), stdout=out)

    after = snapshot()
    assert after.keys() == before.keys()
    for label in before:
        assert len(after[label]) == len(before[label]), label
        assert after[label] == before[label], label
    manifest = backup.read_manifest(path)
    assert manifest["rows"]["associations.historicalhouseholdcount"] == len(
        before["associations.historicalhouseholdcount"]
    )


def test_restored_rows_keep_their_history_users_and_audit_subjects(
    dataset, city_admin, association_a, tmp_path
):
    path = tmp_path / "backup.zip"
    backup.create_backup(path, engine="json")
    _flush()
    backup.restore_backup(path)

    restored = Association.objects.get(code=association_a.code)
    latest = restored.history.first()
    assert latest.name == "中央テストA町内会（改称）"
    assert latest.history_user.username == "city_admin"
    event = AuditEvent.objects.get()
    assert event.subject_type.model_class() is Association
    assert event.subject_id == str(restored.pk)
    assert event.actor.username == "city_admin"
    admin = type(city_admin).objects.get(username="city_admin")
    assert admin.groups.get().permissions.get().codename == "view_association"
    assert admin.check_password("correct horse battery")


def test_new_rows_after_a_restore_get_fresh_ids(dataset, tmp_path):
    """Sequences are moved past the restored ids (PostgreSQL), so the next insert does not collide."""
    path = tmp_path / "backup.zip"
    backup.create_backup(path, engine="json")
    highest = Association.objects.order_by("-pk").first().pk
    _flush()
    backup.restore_backup(path)

    created = AssociationFactory()

    assert created.pk > highest


def test_a_freshly_migrated_database_counts_as_empty():
    """Reference data loaded by migrations (wards, plan figures, programmes) is not "data in use"."""
    assert backup.in_use_tables() == {}


def test_restore_refuses_a_database_in_use_and_changes_nothing(dataset, tmp_path):
    path = tmp_path / "backup.zip"
    backup.create_backup(path, engine="json")
    before = snapshot()

    with pytest.raises(CommandError, match=r"既にデータがあります.*--force"):
        call_command("restore", str(path))

    assert snapshot() == before


def test_restore_with_force_replaces_what_the_database_holds(dataset, tmp_path):
    path = tmp_path / "backup.zip"
    backup.create_backup(path, engine="json")
    before = snapshot()
    AssociationFactory(name="バックアップ後に登録した町内会")
    HouseholdCount.objects.filter(survey_date=dt.date(2024, 1, 1)).delete()

    backup.restore_backup(path, force=True)

    assert snapshot() == before
    assert not Association.objects.filter(name="バックアップ後に登録した町内会").exists()


def test_a_restore_that_fails_halfway_changes_nothing(dataset, tmp_path):
    good = tmp_path / "backup.zip"
    backup.create_backup(good, engine="json")
    broken = tmp_path / "broken.zip"
    _rewrite(
        good, broken, "associations.householdcount", lambda rows: rows[0]["fields"].update(association=999999)
    )
    before = snapshot()

    with pytest.raises(Exception, match=r"(?i)foreign key|constraint|integrity"):
        backup.restore_backup(broken, force=True)

    assert snapshot() == before


def test_a_backup_from_a_newer_schema_is_refused(dataset, tmp_path):
    good = tmp_path / "backup.zip"
    backup.create_backup(good, engine="json")
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(newer, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == backup.MANIFEST:
                manifest = json.loads(data)
                manifest["migrations"]["associations"].append("9999_from_the_future")
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)

    with pytest.raises(backup.BackupError, match=r"9999_from_the_future.*migrate"):
        backup.restore_backup(newer, force=True)


def test_a_file_that_is_not_a_backup_is_refused_in_japanese(tmp_path):
    path = tmp_path / "notes.zip"
    path.write_bytes(b"not a zip")

    with pytest.raises(CommandError, match="バックアップファイルではない"):
        call_command("restore", str(path))


def test_the_backup_file_is_readable_by_its_owner_only_and_named_by_date_in_a_folder(tmp_path):
    summary = backup.create_backup(tmp_path, engine="json")

    assert summary.path.parent == tmp_path
    assert summary.path.name.startswith("chonaikai-backup-") and summary.path.suffix == ".zip"
    assert stat.S_IMODE(summary.path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [summary.path.name]  # no partial file left


def test_stored_files_rows_refer_to_are_backed_up_and_put_back(dataset, tmp_path, monkeypatch):
    name = default_storage.save("attachments/2024/見積書.pdf", ContentFile(b"%PDF-1.4 estimate"))
    monkeypatch.setattr(backup.common, "media_names", lambda using="default": [name, "attachments/gone.pdf"])
    path = tmp_path / "backup.zip"

    summary = backup.create_backup(path, engine="json")
    default_storage.delete(name)
    _flush()
    backup.restore_backup(path)

    assert summary.files == [name]
    assert summary.missing_files == ["attachments/gone.pdf"]
    with default_storage.open(name) as f:
        assert f.read() == b"%PDF-1.4 estimate"


def test_backups_cover_every_table_but_sessions_permissions_and_login_throttling():
    labels = {m._meta.label_lower for m in backup.backup_models()}

    assert {"associations.historicalassociation", "audit.auditevent", "auth.user", "wards.ward"} <= labels
    assert not labels & {
        "sessions.session",
        "contenttypes.contenttype",
        "auth.permission",
        "axes.accessattempt",
    }


def _flush():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # TRUNCATE refuses tables with pending deferred FK checks
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    # flush recreates content types through the migration state's model, whose manager has its own
    # cache; a new process (the real restore) starts with an empty one.
    ContentType.objects.clear_cache()


def _rewrite(source, target, label: str, change) -> None:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(f"-{label}.json"):
                rows = json.loads(data)
                change(rows)
                data = json.dumps(rows).encode()
            dst.writestr(item, data)


def test_a_table_the_backup_does_not_have_keeps_what_migrations_put_in_it(dataset, tmp_path):
    """A newer version's new table is left alone: restoring an older backup does not empty it."""
    from chonaikai.plan.models import Indicator

    good = tmp_path / "backup.zip"
    backup.create_backup(good, engine="json")
    older = tmp_path / "older.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(older, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("-plan.indicator.json"):
                continue
            if item.filename == backup.MANIFEST:
                manifest = json.loads(data)
                del manifest["rows"]["plan.indicator"]
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    indicators = Indicator.objects.count()
    assert indicators > 0

    backup.restore_backup(older, force=True)

    assert Indicator.objects.count() == indicators
