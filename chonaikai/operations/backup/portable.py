"""The portable backup form: every table as Django's JSON, for SQLite and for moving between databases.

    data/NNN-<app>.<model>.json        every row of one table, Django's JSON serialization

Every table of every installed app is included except SKIPPED_MODELS (see common). Rows that point
at content types or permissions are written with their natural key (app label and model name),
because those ids differ between databases. Primary keys are kept, so history rows, audit events
and every foreign key point at the same rows after a restore. The backup is read in one transaction
(REPEATABLE READ on PostgreSQL), so it is a consistent snapshot while people keep working. The
restore runs in one transaction: on any error nothing is changed. It reads and writes every row
through Python, so on a large PostgreSQL installation the pg_dump form (postgres.py) is the one to use.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import common
from .common import DATA_DIR, BackupError, Summary, label_of

ENGINE = "json"
# Tables emptied by a restore although they are not in the backup.
CLEARED_ON_RESTORE = {"sessions.session"}
CHUNK_SIZE = 2000


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


class _Counting:
    def __init__(self, iterable: Iterable):
        self._iterable = iterable
        self.count = 0

    def __iter__(self):
        for item in self._iterable:
            self.count += 1
            yield item


def create_backup(
    output: str | os.PathLike, *, include_media: bool = True, using: str = DEFAULT_DB_ALIAS
) -> Summary:
    """Write a portable backup of the database (and the files rows refer to) to `output`."""
    common.require_migrated(using=using)
    with common.backup_zip(output) as (zf, path):
        return _write(zf, output=path, include_media=include_media, using=using)


def _write(zf: zipfile.ZipFile, *, output: Path, include_media: bool, using: str) -> Summary:
    connection = connections[using]
    rows: dict[str, int] = {}
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every table, however long the backup takes.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for index, model in enumerate(common.backup_models(), start=1):
            label = label_of(model)
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
        names = common.media_names(using=using) if include_media else []
        migrations = common.applied_migrations(using=using)
    files, missing = common.write_files(zf, names)
    common.write_manifest(
        zf,
        engine=ENGINE,
        vendor=connection.vendor,
        migrations=migrations,
        rows=rows,
        media_included=include_media,
        files=files,
        missing_files=missing,
    )
    return Summary(path=output, rows=rows, files=[f["name"] for f in files], missing_files=missing)


def restore_backup(
    path: str | os.PathLike, manifest: dict, *, force: bool = False, using: str = DEFAULT_DB_ALIAS
) -> Summary:
    """Replace every table in the backup with the backup's rows, and put its files back.

    Refuses (BackupError) a database that already holds data unless `force`, and a backup made
    after migrations this database has not applied. All or nothing: one transaction.
    """
    common.require_migrated(using=using)
    common.refuse_newer_schema(manifest, common.applied_migrations(using=using))
    if not force:
        common.refuse_if_in_use(using=using)

    known = {label_of(m): m for m in common.backup_models()}
    unknown = sorted(set(manifest.get("rows", {})) - set(known))
    if unknown:
        raise BackupError(
            _("バックアップの表「%(labels)s」は、この版のシステムにはありません。")
            % {"labels": _("、").join(unknown)}
        )
    # The tables in the backup are replaced; a table the backup does not have (one a newer
    # migration added) keeps what migrate put in it.
    restored = [m for m in known.values() if label_of(m) in manifest.get("rows", {})]
    ContentType.objects.clear_cache()  # natural keys must resolve to this database's content types
    written: list[str] = []
    try:
        with zipfile.ZipFile(path) as zf, transaction.atomic(using=using):
            _clear_tables(restored, using=using)
            rows = _load_rows(zf, known, using=using)
            common.restore_files(zf, manifest, force=force, written=written)
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


def _check_and_reset_sequences(model_list: list, *, using: str) -> None:
    connection = connections[using]
    tables = [m._meta.db_table for m in model_list]
    connection.check_constraints(table_names=tables)  # foreign keys that point nowhere: error, rollback
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
