"""What both backup forms share: the zip and its manifest, the tables, the stored files, the checks.

A backup is one zip file, whatever its form:

    manifest.json       format, version, engine ("json" or "pg_dump"), creation time, database vendor,
                        applied migrations, rows per table, files (name, size, SHA-256)
    ...                 the database: data/*.json (portable) or database.dump (pg_dump custom format)
    media/<name>        every stored file a row refers to (FileField), as stored
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FORMAT = "chonaikai-backup"
# Version 1: the portable JSON form (readable by every version since backups exist). Version 2: the
# pg_dump form; a version that predates it refuses the file instead of reading it as an empty JSON backup.
VERSIONS = {"json": 1, "pg_dump": 2}
MANIFEST = "manifest.json"
DATA_DIR = "data"
MEDIA_DIR = "media"

# Tables left out of backups, by app label or "app_label.model": content types and permissions
# (recreated by migrate; the portable form writes rows that point at them by natural key), sessions
# (a restored session could sign someone in) and login-throttling state. The pg_dump form keeps
# content types and permissions (their ids come back unchanged) and leaves out the others' rows.
SKIPPED_MODELS = {"contenttypes.contenttype", "auth.permission", "sessions.session", "axes"}
# A database is "in use" when any of these tables, or any row-history table, has rows: everything
# entered through the system needs an account or leaves history or an audit event, while migrations
# load their reference data (wards, plan figures, subsidy programmes) with neither. So a freshly
# migrated database counts as empty whatever data migrations are added later.
IN_USE_MODELS = {"auth.user", "audit.auditevent", "admin.logentry"}


class BackupError(Exception):
    """A backup cannot be made or restored; the message (Japanese) says why and what to do."""


@dataclass(frozen=True)
class Summary:
    path: Path
    rows: dict[str, int]  # "app_label.model" → rows
    files: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    engine: str = "json"

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def label_of(model) -> str:
    return model._meta.label_lower


def _skipped(model) -> bool:
    return label_of(model) in SKIPPED_MODELS or model._meta.app_label in SKIPPED_MODELS


def _concrete(model) -> bool:
    return model._meta.managed and not model._meta.proxy and not model._meta.swapped


def backup_models() -> list[type[models.Model]]:
    """Every concrete table in the backup, in an order that loads (natural-key dependencies first)."""
    chosen = [m for m in apps.get_models() if _concrete(m) and not _skipped(m)]
    by_app: dict = {}
    for model in chosen:
        by_app.setdefault(model._meta.app_config, []).append(model)
    ordered = serializers.sort_dependencies(list(by_app.items()), allow_cycles=True)
    return [m for m in ordered if m in set(chosen)]


def skipped_tables() -> list[str]:
    """Database tables of the skipped models (the pg_dump form keeps their schema, not their rows)."""
    tables = []
    for model in apps.get_models():
        if _concrete(model) and _skipped(model):
            tables.append(model._meta.db_table)
    return tables


def is_history(model) -> bool:
    from simple_history.models import HistoricalChanges

    return issubclass(model, HistoricalChanges)


def count_rows(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows of every table in the backup."""
    return {label_of(m): m._base_manager.using(using).count() for m in backup_models()}


def in_use_tables(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per table that show the database is in use (accounts, history, audit); {} when empty.

    Tables that do not exist (a database made with createdb and nothing else) hold nothing.
    """
    existing = set(connections[using].introspection.table_names())
    found = {}
    for model in backup_models():
        if label_of(model) not in IN_USE_MODELS and not is_history(model):
            continue
        if model._meta.db_table not in existing:
            continue
        count = model._base_manager.using(using).count()
        if count:
            found[label_of(model)] = count
    return found


def refuse_if_in_use(*, using: str) -> None:
    found = in_use_tables(using=using)
    if not found:
        return
    listed = _("、").join(
        ngettext("%(table)s（%(n)d件）", "%(table)s（%(n)d件）", n) % {"table": label, "n": n}
        for label, n in sorted(found.items())[:8]
    )
    raise BackupError(
        _(
            "復元先のデータベースには既にデータがあります（%(tables)s）。復元すると、このデータベースの内容は"
            "すべてバックアップの内容で置き換えられ、元に戻せません。空のデータベース（createdb の後に "
            "manage.py migrate を実行したもの）に復元するか、置き換えてよい場合に限り --force を付けて"
            "ください。"
        )
        % {"tables": listed}
    )


def applied_migrations(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def require_migrated(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """BackupError unless every migration of this version of the code is applied to the database."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = _("、").join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        raise BackupError(
            _(
                "データベースに未適用のマイグレーションがあります（%(names)s）。先に manage.py migrate を実行してください。"
            )
            % {"names": names + (_(" ほか") if len(plan) > 5 else "")}
        )


def _listed(names: list[str]) -> str:
    return _("、").join(names[:5]) + (_(" ほか") if len(names) > 5 else "")


def refuse_newer_schema(manifest: dict, known: dict[str, list[str]]) -> None:
    """BackupError when the backup's database had migrations that `known` (app → names) lacks."""
    missing = [
        f"{app}.{name}"
        for app, names in manifest.get("migrations", {}).items()
        for name in names
        if name not in set(known.get(app, []))
    ]
    if missing:
        raise BackupError(
            _(
                "このバックアップは、このデータベースにまだ適用されていないマイグレーションの後に作成されています"
                "（%(names)s）。同じ版のシステムを用意し、manage.py migrate を実行してから復元してください。"
            )
            % {"names": _listed(missing)}
        )


def code_migrations() -> dict[str, list[str]]:
    """Every migration this version of the code has (on disk), app → names."""
    from django.db.migrations.loader import MigrationLoader

    known: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationLoader(None, ignore_no_migrations=True).disk_migrations):
        known.setdefault(app_label, []).append(name)
    return known


# --- the zip ----------------------------------------------------------------------------------


def default_backup_name(now: dt.datetime | None = None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"chonaikai-backup-{now:%Y%m%d-%H%M%S}.zip"


@contextmanager
def backup_zip(output: str | os.PathLike) -> Iterator[tuple[zipfile.ZipFile, Path]]:
    """A zip open for writing, readable by its owner only, that appears at its name only when complete.

    `output` may be a folder: the file is then named after the current time.
    """
    output = Path(output)
    if output.is_dir():
        output = output / default_backup_name()
    if not output.parent.is_dir():
        raise BackupError(_("出力先のフォルダ「%(path)s」がありません。") % {"path": output.parent})
    partial = output.with_name(f".{output.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            yield zf, output
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_manifest(zf: zipfile.ZipFile, *, engine: str, vendor: str, **fields) -> dict:
    manifest = {
        "format": FORMAT,
        "version": VERSIONS[engine],
        "engine": engine,
        "created_at": timezone.now().isoformat(),
        "database": vendor,
        **fields,
    }
    zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def read_manifest(path: str | os.PathLike) -> dict:
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(MANIFEST))
    except FileNotFoundError as e:
        raise BackupError(_("バックアップファイル「%(path)s」が見つかりません。") % {"path": path}) from e
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise BackupError(
            _("「%(path)s」はこのシステムのバックアップファイルではないか、壊れています。") % {"path": path}
        ) from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("「%(path)s」はこのシステムのバックアップファイルではありません。") % {"path": path}
        )
    manifest.setdefault("engine", "json")  # backups made before the pg_dump form
    if VERSIONS.get(manifest["engine"]) != manifest.get("version"):
        raise BackupError(
            _("バックアップの形式（版 %(version)s）はこの版のシステムでは読めません。")
            % {"version": manifest.get("version")}
        )
    return manifest


# --- stored files -----------------------------------------------------------------------------


def _file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def media_names(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Names (in the default storage) of every file a row refers to."""
    names: set[str] = set()
    for model in backup_models():
        for f in _file_fields(model):
            values = (
                model._base_manager.using(using).exclude(**{f.attname: ""}).values_list(f.attname, flat=True)
            )
            names.update(v for v in values if v)
    return sorted(names)


def safe_member(name: str) -> str:
    """A stored file's name as a zip member under media/; refuses absolute paths and '..'."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(_("ファイル名「%(name)s」はバックアップに含められません。") % {"name": name})
    return f"{MEDIA_DIR}/{path.as_posix()}"


def write_files(zf: zipfile.ZipFile, names: list[str]) -> tuple[list[dict], list[str]]:
    """Copy the stored files into the zip: ([{name, size, sha256}], names not found in the storage)."""
    files: list[dict] = []
    missing: list[str] = []
    for name in names:
        try:
            with default_storage.open(name, "rb") as source, zf.open(safe_member(name), "w") as target:
                digest, size = hashlib.sha256(), 0
                while chunk := source.read(1024 * 1024):
                    digest.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
        except FileNotFoundError:
            missing.append(name)
            continue
        files.append({"name": name, "size": size, "sha256": digest.hexdigest()})
    return files, missing


def check_files(zf: zipfile.ZipFile, manifest: dict, *, force: bool) -> None:
    """BackupError when a file in the backup is damaged, or differs from one in the storage (without --force).

    Run before a restore changes anything, so a refusal leaves the database as it was.
    """
    for entry in manifest.get("files", []):
        name = entry["name"]
        if _sha256_of_member(zf, safe_member(name)) != entry["sha256"]:
            raise BackupError(_("バックアップ内のファイル「%(name)s」が壊れています。") % {"name": name})
        if not force and default_storage.exists(name) and _stored_sha256(name) != entry["sha256"]:
            raise BackupError(
                _(
                    "ファイル「%(name)s」は既にあり、内容が異なります。置き換える場合は --force を付けてください。"
                )
                % {"name": name}
            )


def _sha256_of_member(zf: zipfile.ZipFile, member: str) -> str:
    digest = hashlib.sha256()
    try:
        with zf.open(member) as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
    except (KeyError, zipfile.BadZipFile):
        return ""
    return digest.hexdigest()


def _stored_sha256(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as existing:
        while chunk := existing.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def restore_files(zf: zipfile.ZipFile, manifest: dict, *, force: bool, written: list[str]) -> None:
    """Put the backup's files back under their names; `written` collects the names saved so far."""
    for entry in manifest.get("files", []):
        name = entry["name"]
        data = zf.read(safe_member(name))
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BackupError(_("バックアップ内のファイル「%(name)s」が壊れています。") % {"name": name})
        if default_storage.exists(name):
            if _stored_sha256(name) == entry["sha256"]:
                continue  # already there, the same bytes
            if not force:
                raise BackupError(
                    _(
                        "ファイル「%(name)s」は既にあり、内容が異なります。置き換える場合は --force を付けてください。"
                    )
                    % {"name": name}
                )
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(data))
        written.append(saved)
        if saved != name:
            raise BackupError(_("ファイル「%(name)s」を元の名前で保存できませんでした。") % {"name": name})
