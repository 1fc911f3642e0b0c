"""Which backup form is used where, and how pg_dump / pg_restore are found and called (no server needed)."""

import json
import zipfile

import pytest
from django.db import connection

from chonaikai.operations import backup
from chonaikai.operations.backup import postgres


def test_a_missing_pg_dump_is_named_in_japanese_with_what_to_install(monkeypatch):
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)

    with pytest.raises(
        backup.BackupError, match=r"pg_dump が見つかりません.*postgresql-client-99.*--format json"
    ):
        postgres.find_tool("pg_dump", server=99)


def test_a_pg_dump_older_than_the_server_is_refused(monkeypatch):
    if not postgres.shutil.which("pg_dump"):
        pytest.skip("needs pg_dump on the machine")

    with pytest.raises(
        backup.BackupError, match=r"pg_dump の版がデータベースサーバー（PostgreSQL 99）より古い"
    ):
        postgres.find_tool("pg_dump", server=99)


def test_a_pg_dump_of_the_servers_version_is_found():
    found = postgres.shutil.which("pg_dump")
    if not found:
        pytest.skip("needs pg_dump on the machine")
    major = postgres._tool_major(found)

    assert postgres._tool_major(postgres.find_tool("pg_dump", server=major)) >= major


def test_the_password_reaches_the_tools_in_the_environment_never_on_the_command_line(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-pass")
    monkeypatch.setitem(connection.settings_dict, "HOST", "db.example.jp")
    monkeypatch.setitem(connection.settings_dict, "USER", "chonaikai")

    args, env = postgres.connection_args(using="default")

    assert env["PGPASSWORD"] == "s3cret-pass"
    assert not any("s3cret-pass" in a for a in args)
    assert "--host=db.example.jp" in args and "--username=chonaikai" in args


@pytest.mark.django_db
def test_on_sqlite_the_backup_is_the_portable_form_and_a_pg_dump_one_is_refused(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite default")
    summary = backup.create_backup(tmp_path / "b.zip")
    assert backup.read_manifest(summary.path)["engine"] == "json"

    with pytest.raises(backup.BackupError, match="PostgreSQL でのみ"):
        backup.create_backup(tmp_path / "pg.zip", engine="pg_dump")

    pg = tmp_path / "from-postgres.zip"
    with zipfile.ZipFile(pg, "w") as zf:
        zf.writestr(
            backup.MANIFEST, json.dumps({"format": "chonaikai-backup", "version": 2, "engine": "pg_dump"})
        )
    with pytest.raises(backup.BackupError, match=r"pg_dump 形式です.*--format json"):
        backup.restore_backup(pg)


def test_a_pg_dump_backup_claiming_the_json_version_is_refused(tmp_path):
    """Version 2 marks the pg_dump form, so a version that reads only JSON backups refuses it."""
    path = tmp_path / "odd.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            backup.MANIFEST, json.dumps({"format": "chonaikai-backup", "version": 1, "engine": "pg_dump"})
        )

    with pytest.raises(backup.BackupError, match="版 1"):
        backup.read_manifest(path)
