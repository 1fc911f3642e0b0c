"""Backups of the whole database and the stored files, and their restore (`manage.py backup|restore`).

A backup is one zip file:

    manifest.json                      format, creation time, applied migrations, rows per table,
                                       files (name, size, SHA-256)
    data/NNN-<app>.<model>.json        every row of one table, Django's JSON serialization
    media/<name>                       every file a row refers to (FileField), as stored

Every table of every installed app is included — associations, counts, users and roles, survey
rounds, subsidies, the row history of django-simple-history (historical tables) and the audit
events — except what the database rebuilds or must not bring back (SKIPPED_MODELS): content types
and permissions (recreated by migrate; rows that point at them are written with their natural key,
app label and model name, because their ids differ between databases), sessions (a restored
session could sign someone in as the user who now has that id) and login-throttling state.

Primary keys are kept, so history rows, audit events and every foreign key point at the same rows
after a restore. The backup is read in one transaction (REPEATABLE READ on PostgreSQL), so it is a
consistent snapshot while people keep working. The restore runs in one transaction: on any error
nothing is changed.

The file holds personal data (association leaders' names and contacts): it is created readable by
its owner only, and must be kept like the database itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FORMAT = "chonaikai-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_DIR = "data"
MEDIA_DIR = "media"

# Tables left out of backups (see the module docstring), by app label or "app_label.model".
SKIPPED_MODELS = {"contenttypes.contenttype", "auth.permission", "sessions.session", "axes"}
# A database is "in use" when any of these tables, or any row-history table, has rows: everything
# entered through the system needs an account or leaves history or an audit event, while migrations
# load their reference data (wards, plan figures, subsidy programmes) with neither. So a freshly
# migrated database counts as empty whatever data migrations are added later.
IN_USE_MODELS = {"auth.user", "audit.auditevent", "admin.logentry"}
# Tables emptied by a restore although they are not in the backup.
CLEARED_ON_RESTORE = {"sessions.session"}

CHUNK_SIZE = 2000


class BackupError(Exception):
    """A backup cannot be made or restored; the message (Japanese) says why and what to do."""


@dataclass(frozen=True)
class Summary:
    path: Path
    rows: dict[str, int]  # "app_label.model" → rows
    files: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _label(model) -> str:
    return model._meta.label_lower


def _skipped(model) -> bool:
    label = _label(model)
    return label in SKIPPED_MODELS or model._meta.app_label in SKIPPED_MODELS


def backup_models() -> list[type[models.Model]]:
    """Every concrete table in the backup, in an order that loads (natural-key dependencies first)."""
    chosen = [
        m
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped and not _skipped(m)
    ]
    by_app: dict = {}
    for model in chosen:
        by_app.setdefault(model._meta.app_config, []).append(model)
    ordered = serializers.sort_dependencies(list(by_app.items()), allow_cycles=True)
    return [m for m in ordered if m in set(chosen)]


def _is_history(model) -> bool:
    from simple_history.models import HistoricalChanges

    return issubclass(model, HistoricalChanges)


def in_use_tables(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per table that show the database is in use (accounts, history, audit); {} when empty."""
    found = {}
    for model in backup_models():
        if _label(model) not in IN_USE_MODELS and not _is_history(model):
            continue
        count = model._base_manager.using(using).count()
        if count:
            found[_label(model)] = count
    return found


def applied_migrations(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but times keep their microseconds (it cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            if isinstance(o, dt.time) and timezone.is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            return o.isoformat()
        return super().default(o)


class _Serializer(JSONSerializer):
    """Django's JSON with foreign keys as stored (ids), except to content types and permissions.

    Those two are recreated by migrate with other ids, so they are written as natural keys
    (["associations", "association"]). Content types come from ContentType's cache: no query per row.
    """

    def handle_fk_field(self, obj, field):
        related = field.remote_field.model
        if related is ContentType:
            pk = getattr(obj, field.attname)
            self._current[field.name] = (
                ContentType.objects.db_manager(obj._state.db).get_for_id(pk).natural_key()
                if pk is not None
                else None
            )
        elif related is Permission:
            super().handle_fk_field(obj, field)
        else:
            self._current[field.name] = self._value_from_field(obj, field)


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


def _safe_member(name: str) -> str:
    """A stored file's name as a zip member under media/; refuses absolute paths and '..'."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(_("ファイル名「%(name)s」はバックアップに含められません。") % {"name": name})
    return f"{MEDIA_DIR}/{path.as_posix()}"


def create_backup(
    output: str | os.PathLike, *, include_media: bool = True, using: str = DEFAULT_DB_ALIAS
) -> Summary:
    """Write a backup of the database (and the files rows refer to) to `output`.

    `output` may be a folder: the file is then named after the current time. The file appears only
    when complete: it is written beside `output` and renamed.
    """
    require_migrated(using=using)
    output = Path(output)
    if output.is_dir():
        output = output / default_backup_name()
    if not output.parent.is_dir():
        raise BackupError(_("出力先のフォルダ「%(path)s」がありません。") % {"path": output.parent})
    partial = output.with_name(f".{output.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            summary = _write(zf, output=output, include_media=include_media, using=using)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


def _write(zf: zipfile.ZipFile, *, output: Path, include_media: bool, using: str) -> Summary:
    connection = connections[using]
    rows: dict[str, int] = {}
    files: list[dict] = []
    missing: list[str] = []
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every table, however long the backup takes.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for index, model in enumerate(backup_models(), start=1):
            label = _label(model)
            queryset = model._base_manager.using(using).order_by("pk")
            with zf.open(f"{DATA_DIR}/{index:03d}-{label}.json", "w") as member:
                text = io.TextIOWrapper(member, encoding="utf-8")
                counter = _Counting(queryset.iterator(chunk_size=CHUNK_SIZE))
                _Serializer().serialize(
                    counter,
                    stream=text,
                    cls=_Encoder,
                    use_natural_foreign_keys=True,
                    use_natural_primary_keys=False,
                )
                text.flush()
                text.detach()
            rows[label] = counter.count
        names = media_names(using=using) if include_media else []
        migrations = applied_migrations(using=using)
    for name in names:
        try:
            with default_storage.open(name, "rb") as source, zf.open(_safe_member(name), "w") as target:
                digest, size = hashlib.sha256(), 0
                while chunk := source.read(1024 * 1024):
                    digest.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
        except FileNotFoundError:
            missing.append(name)
            continue
        files.append({"name": name, "size": size, "sha256": digest.hexdigest()})
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "migrations": migrations,
        "rows": rows,
        "media_included": include_media,
        "files": files,
        "missing_files": missing,
    }
    zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return Summary(path=output, rows=rows, files=[f["name"] for f in files], missing_files=missing)


class _Counting:
    def __init__(self, iterable: Iterable):
        self._iterable = iterable
        self.count = 0

    def __iter__(self):
        for item in self._iterable:
            self.count += 1
            yield item


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
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("「%(path)s」はこのシステムのバックアップファイルではありません。") % {"path": path}
        )
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(
            _("バックアップの形式（版 %(version)s）はこの版のシステムでは読めません。")
            % {"version": manifest.get("version")}
        )
    return manifest


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


def migration_mismatch(manifest: dict, *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations the backup's database had but this one has not applied ("app.name")."""
    here = applied_migrations(using=using)
    return [
        f"{app}.{name}"
        for app, names in manifest.get("migrations", {}).items()
        for name in names
        if name not in set(here.get(app, []))
    ]


def restore_backup(path: str | os.PathLike, *, force: bool = False, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Replace every table in the backup with the backup's rows, and put its files back.

    Refuses (BackupError) a database that already holds data unless `force`, and a backup made
    after migrations this database has not applied. All or nothing: one transaction.
    """
    manifest = read_manifest(path)
    require_migrated(using=using)
    missing = migration_mismatch(manifest, using=using)
    if missing:
        raise BackupError(
            _(
                "このバックアップは、このデータベースにまだ適用されていないマイグレーションの後に作成されています"
                "（%(names)s）。同じ版のシステムを用意し、manage.py migrate を実行してから復元してください。"
            )
            % {"names": _("、").join(missing[:5]) + (_(" ほか") if len(missing) > 5 else "")}
        )
    if not force:
        found = in_use_tables(using=using)
        if found:
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

    known = {_label(m): m for m in backup_models()}
    unknown = sorted(set(manifest.get("rows", {})) - set(known))
    if unknown:
        raise BackupError(
            _("バックアップの表「%(labels)s」は、この版のシステムにはありません。")
            % {"labels": _("、").join(unknown)}
        )
    # The tables in the backup are replaced; a table the backup does not have (one a newer
    # migration added) keeps what migrate put in it.
    restored = [m for m in known.values() if _label(m) in manifest.get("rows", {})]
    ContentType.objects.clear_cache()  # natural keys must resolve to this database's content types
    written: list[str] = []
    try:
        with zipfile.ZipFile(path) as zf, transaction.atomic(using=using):
            _clear_tables(restored, using=using)
            rows = _load_rows(zf, known, using=using)
            _restore_files(zf, manifest, force=force, written=written)
            _check_and_reset_sequences(restored, using=using)
    except BaseException:
        for name in written:  # files this restore added; the database rolled back
            default_storage.delete(name)
        raise
    transaction.on_commit(cache.clear, using=using)  # cached pages and renders describe the old data
    return Summary(
        path=Path(path),
        rows=rows,
        files=[f["name"] for f in manifest.get("files", [])],
        missing_files=manifest.get("missing_files", []),
    )


def _tables_to_clear(model_list) -> list[str]:
    tables = []
    for model in model_list:
        tables.append(model._meta.db_table)
        tables.extend(
            f.remote_field.through._meta.db_table
            for f in model._meta.local_many_to_many
            if f.remote_field.through._meta.auto_created
        )
    for label in CLEARED_ON_RESTORE:
        try:
            tables.append(apps.get_model(label)._meta.db_table)
        except LookupError:
            pass
    return list(dict.fromkeys(tables))


def _clear_tables(model_list, *, using: str) -> None:
    """DELETE every row of these tables (foreign keys are checked at commit, so any order)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in reversed(_tables_to_clear(model_list)):
            cursor.execute(f"DELETE FROM {quote(table)}")  # table names come from the models


def _load_rows(zf: zipfile.ZipFile, models_by_label: dict, *, using: str) -> dict[str, int]:
    rows: dict[str, int] = {}
    members = sorted(n for n in zf.namelist() if n.startswith(f"{DATA_DIR}/") and n.endswith(".json"))
    deferred = []
    for member in members:
        label = member.rsplit("/", 1)[-1].split("-", 1)[1].removesuffix(".json")
        if label not in models_by_label:
            raise BackupError(
                _("バックアップの表「%(label)s」は、この版のシステムにはありません。") % {"label": label}
            )
        count = 0
        with zf.open(member) as stream:
            for obj in serializers.deserialize(
                "json",
                io.TextIOWrapper(stream, encoding="utf-8"),
                using=using,
                handle_forward_references=True,
            ):
                obj.save(using=using, force_insert=True)  # the table was emptied: no UPDATE first
                if obj.deferred_fields:
                    deferred.append(obj)
                count += 1
        rows[label] = count
    for obj in deferred:
        obj.save_deferred_fields(using=using)
    return rows


def _restore_files(zf: zipfile.ZipFile, manifest: dict, *, force: bool, written: list[str]) -> None:
    """Put the backup's files back under their names; `written` collects the names saved so far."""
    for entry in manifest.get("files", []):
        name = entry["name"]
        data = zf.read(_safe_member(name))
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BackupError(_("バックアップ内のファイル「%(name)s」が壊れています。") % {"name": name})
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as existing:
                if hashlib.sha256(existing.read()).hexdigest() == entry["sha256"]:
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


def _check_and_reset_sequences(model_list: list, *, using: str) -> None:
    connection = connections[using]
    tables = [m._meta.db_table for m in model_list]
    connection.check_constraints(table_names=tables)  # foreign keys that point nowhere: error, rollback
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def default_backup_name(now: dt.datetime | None = None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"chonaikai-backup-{now:%Y%m%d-%H%M%S}.zip"
