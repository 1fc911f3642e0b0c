"""The PostgreSQL backup form: pg_dump's custom format in the zip, restored by pg_restore.

    database.dump      `pg_dump --format=custom` of the whole database (schema and rows), taken in
                       the snapshot the manifest's row counts and file list were read in

The backup opens one REPEATABLE READ transaction, exports its snapshot and hands it to pg_dump
(`--snapshot`): the dump, the manifest's counts and the stored files listed are the same point in
time while people keep working. The rows of sessions and login-throttling tables are left out
(their tables are kept), so everyone logs in again after a restore. Content types and permissions
come back with their ids, as the whole database does.

The restore runs `pg_restore --single-transaction --exit-on-error --clean --if-exists`: it replaces
every object of the dump in one transaction, so on any error nothing is changed. The target is a
database made with createdb, migrated or not, that holds no data (or any database with --force).
The tools are found on the machine (/usr/lib/postgresql/<server version>/bin first, then PATH) and
must be at least the server's major version. The password goes to them in PGPASSWORD, never on
the command line.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _

from . import common
from .common import BackupError, Summary

ENGINE = "pg_dump"
DUMP = "database.dump"
CHUNK = 1024 * 1024
# A restore waits this long for a lock (a running web process or worker holding a table) before it
# gives up and changes nothing, rather than hanging.
LOCK_TIMEOUT = "60s"


# --- the tools --------------------------------------------------------------------------------


def server_major(*, using: str = DEFAULT_DB_ALIAS) -> int:
    connection = connections[using]
    connection.ensure_connection()
    return connection.pg_version // 10000


def find_tool(name: str, *, server: int) -> str:
    """Path of pg_dump / pg_restore of at least the server's major version; BackupError otherwise."""
    candidates = [f"/usr/lib/postgresql/{server}/bin/{name}", shutil.which(name)]
    found_versions = []
    for path in candidates:
        if not path or not os.access(path, os.X_OK):
            continue
        major = _tool_major(path)
        if major is not None and major >= server:
            return path
        found_versions.append(_("%(path)s（版 %(major)s）") % {"path": path, "major": major})
    if found_versions:
        raise BackupError(
            _(
                "%(tool)s の版がデータベースサーバー（PostgreSQL %(server)s）より古いため使えません: %(found)s。"
                "postgresql-client-%(server)s を入れてください。"
            )
            % {"tool": name, "server": server, "found": _("、").join(found_versions)}
        )
    raise BackupError(
        _(
            "%(tool)s が見つかりません。PostgreSQL のバックアップと復元には %(tool)s（PostgreSQL %(server)s 以上）"
            "が必要です。postgresql-client-%(server)s を入れるか、--format json で移行用の形式を使ってください。"
        )
        % {"tool": name, "server": server}
    )


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)", out) or re.search(r"(\d+)", out)
    return int(match.group(1)) if match else None


def connection_args(*, using: str) -> tuple[list[str], dict[str, str]]:
    """Command-line arguments (host, port, user, database) and environment (password, SSL) for the tools."""
    settings = connections[using].settings_dict
    options = settings.get("OPTIONS") or {}
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            args.append(f"{flag}={settings[key]}")
    args.append(f"--dbname={settings['NAME']}")
    env = {**os.environ, "PGAPPNAME": "chonaikai-backup"}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(option):
            env[variable] = str(options[option])
    return args, env


def _failed(tool: str, returncode: int, stderr: str) -> BackupError:
    return BackupError(
        _(
            "%(tool)s が失敗しました（終了コード %(code)s）。何も変更していません。%(tool)s の出力:\n%(stderr)s"
        )
        % {"tool": tool, "code": returncode, "stderr": stderr.strip()[-4000:] or _("（出力なし）")}
    )


# --- backup -----------------------------------------------------------------------------------


def create_backup(
    output: str | os.PathLike, *, include_media: bool = True, using: str = DEFAULT_DB_ALIAS
) -> Summary:
    """Write a pg_dump backup of the database (and the files rows refer to) to `output`."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise BackupError(
            _("pg_dump 形式のバックアップは PostgreSQL でのみ作成できます。--format json を使ってください。")
        )
    common.require_migrated(using=using)
    pg_dump = find_tool("pg_dump", server=server_major(using=using))
    if connection.in_atomic_block:
        raise BackupError(_("トランザクションの中からは pg_dump 形式のバックアップを作成できません。"))
    args, env = connection_args(using=using)
    excluded = [f"--exclude-table-data={table}" for table in common.skipped_tables()]
    excluded = [e for e in excluded if not e.endswith(("django_content_type", "auth_permission"))]
    with common.backup_zip(output) as (zf, path), transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        rows = common.count_rows(using=using)
        names = common.media_names(using=using) if include_media else []
        migrations = common.applied_migrations(using=using)
        command = [pg_dump, "--format=custom", f"--snapshot={snapshot}", *excluded, *args]
        dump = _dump_into(zf, command, env)
        files, missing = common.write_files(zf, names)
        common.write_manifest(
            zf,
            engine=ENGINE,
            vendor=connection.vendor,
            server_version=connection.pg_version,
            migrations=migrations,
            rows=rows,
            dump=dump,
            media_included=include_media,
            files=files,
            missing_files=missing,
        )
    return Summary(
        path=path, rows=rows, files=[f["name"] for f in files], missing_files=missing, engine=ENGINE
    )


def _dump_into(zf: zipfile.ZipFile, command: list[str], env: dict) -> dict:
    """Run pg_dump, its output streamed into the zip (stored: the custom format is compressed already)."""
    digest, size = hashlib.sha256(), 0
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env)
        try:
            info = zipfile.ZipInfo(DUMP, date_time=time.localtime()[:6])
            info.compress_type = zipfile.ZIP_STORED
            with zf.open(info, "w", force_zip64=True) as member:
                while chunk := process.stdout.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    member.write(chunk)
        finally:
            process.stdout.close()
            returncode = process.wait()
        if returncode != 0:
            stderr.seek(0)
            raise _failed("pg_dump", returncode, stderr.read().decode("utf-8", "replace"))
    return {"name": DUMP, "size": size, "sha256": digest.hexdigest()}


# --- restore ----------------------------------------------------------------------------------


def restore_backup(
    path: str | os.PathLike, manifest: dict, *, force: bool = False, using: str = DEFAULT_DB_ALIAS
) -> Summary:
    """Replace the database with the backup's (pg_restore, one transaction), and put its files back.

    Refuses (BackupError), before changing anything: a database other than PostgreSQL; a backup
    made after migrations this code does not have; a database migrated further than the backup; a
    database that holds data, unless `force`; a damaged dump or file.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise BackupError(
            _(
                "このバックアップは PostgreSQL の pg_dump 形式です。PostgreSQL のデータベースに復元するか、"
                "元のシステムで --format json を付けて作り直してください。"
            )
        )
    common.refuse_newer_schema(manifest, common.code_migrations())
    _refuse_target_newer(manifest, using=using)
    if not force:
        common.refuse_if_in_use(using=using)
    pg_restore = find_tool("pg_restore", server=server_major(using=using))
    if connection.in_atomic_block:
        raise BackupError(_("トランザクションの中からは pg_dump 形式のバックアップを復元できません。"))
    with zipfile.ZipFile(path) as zf:
        _check_dump(zf, manifest)
        common.check_files(zf, manifest, force=force)
        connection.close()  # pg_restore drops and recreates every table: hold no connection
        written: list[str] = []
        try:
            common.restore_files(zf, manifest, force=force, written=written)
            _run_restore(zf, pg_restore, using=using)
        except BaseException:
            for name in written:  # files this restore added; the database is as it was
                default_storage.delete(name)
            raise
    ContentType.objects.clear_cache()
    cache.clear()  # cached pages and renders describe the old data
    rows = _counts_after(manifest, using=using)
    return Summary(
        path=Path(path),
        rows=rows,
        files=[f["name"] for f in manifest.get("files", [])],
        missing_files=manifest.get("missing_files", []),
        engine=ENGINE,
    )


def _refuse_target_newer(manifest: dict, *, using: str) -> None:
    """A target migrated further than the backup would keep tables that the backup's schema lacks."""
    backup_has = {(app, n) for app, names in manifest.get("migrations", {}).items() for n in names}
    ahead = [
        f"{app}.{name}"
        for app, names in common.applied_migrations(using=using).items()
        for name in names
        if (app, name) not in backup_has
    ]
    if ahead:
        raise BackupError(
            _(
                "復元先のデータベースには、このバックアップの後のマイグレーションが適用されています（%(names)s）。"
                "createdb で作った空のデータベースに（manage.py migrate を実行せずに）復元し、その後で "
                "manage.py migrate を実行してください。"
            )
            % {"names": _("、").join(ahead[:5]) + (_(" ほか") if len(ahead) > 5 else "")}
        )


def _check_dump(zf: zipfile.ZipFile, manifest: dict) -> None:
    expected = (manifest.get("dump") or {}).get("sha256")
    digest = hashlib.sha256()
    try:
        with zf.open(DUMP) as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
    except (KeyError, zipfile.BadZipFile) as e:
        raise BackupError(_("バックアップ内のデータベースのダンプが見つからないか、壊れています。")) from e
    if not expected or digest.hexdigest() != expected:
        raise BackupError(
            _("バックアップ内のデータベースのダンプが壊れています（チェックサムが一致しません）。")
        )


def _run_restore(zf: zipfile.ZipFile, pg_restore: str, *, using: str) -> None:
    args, env = connection_args(using=using)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={LOCK_TIMEOUT}".strip()
    command = [
        pg_restore,
        "--single-transaction",
        "--exit-on-error",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        *args,
    ]
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=stderr, env=env)
        try:
            with zf.open(DUMP) as stream:
                while chunk := stream.read(CHUNK):
                    process.stdin.write(chunk)
        except BrokenPipeError:
            pass  # pg_restore stopped early: its exit status and output say why
        finally:
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
            returncode = process.wait()
        if returncode != 0:
            stderr.seek(0)
            raise _failed("pg_restore", returncode, stderr.read().decode("utf-8", "replace"))


def _counts_after(manifest: dict, *, using: str) -> dict[str, int]:
    """Rows per table after the restore; BackupError when they differ from the backup's manifest."""
    expected = manifest.get("rows", {})
    existing = set(connections[using].introspection.table_names())
    rows = {
        common.label_of(m): m._base_manager.using(using).count()
        for m in common.backup_models()
        if common.label_of(m) in expected and m._meta.db_table in existing
    }
    wrong = [
        _("%(table)s（%(expected)s → %(found)s）") % {"table": label, "expected": expected[label], "found": n}
        for label, n in rows.items()
        if n != expected[label]
    ]
    if wrong:
        raise BackupError(
            _("復元後の行数がバックアップと一致しません: %(tables)s") % {"tables": _("、").join(wrong[:8])}
        )
    return rows
