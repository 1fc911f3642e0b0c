"""Backups of the whole database and the stored files, and their restore (`manage.py backup|restore`).

Two forms, one zip file each (common.py describes the zip and its manifest):

- pg_dump (postgres.py), the default on PostgreSQL: `pg_dump --format=custom` taken in one
  snapshot, restored by `pg_restore` in one transaction. Fast at any size and exact.
- portable JSON (portable.py), the default on SQLite and with `--format json` anywhere: every
  table as Django's JSON; it moves an installation between SQLite and PostgreSQL or between
  machines, and can be read without a database server.

`restore` reads the form from the manifest. Both refuse a database in use (unless force), a backup
made by a newer schema, and restore all or nothing, files included. The file holds personal data
(association leaders' names and contacts): it is created readable by its owner only.
"""

from __future__ import annotations

import os

from django.db import DEFAULT_DB_ALIAS, connections

from . import common, portable, postgres
from .common import (
    MANIFEST,
    BackupError,
    Summary,
    backup_models,
    in_use_tables,
    media_names,
    read_manifest,
)

ENGINES = ("json", "pg_dump")

__all__ = [
    "ENGINES",
    "MANIFEST",
    "BackupError",
    "Summary",
    "backup_models",
    "common",
    "create_backup",
    "default_engine",
    "in_use_tables",
    "media_names",
    "read_manifest",
    "restore_backup",
]


def default_engine(*, using: str = DEFAULT_DB_ALIAS) -> str:
    return "pg_dump" if connections[using].vendor == "postgresql" else "json"


def create_backup(
    output: str | os.PathLike,
    *,
    engine: str | None = None,
    include_media: bool = True,
    using: str = DEFAULT_DB_ALIAS,
) -> Summary:
    """Write a backup to `output` (a file, or a folder to name it by date): pg_dump on PostgreSQL, else JSON."""
    engine = engine or default_engine(using=using)
    module = postgres if engine == "pg_dump" else portable
    return module.create_backup(output, include_media=include_media, using=using)


def restore_backup(path: str | os.PathLike, *, force: bool = False, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Restore a backup of either form (read from its manifest), all or nothing."""
    manifest = read_manifest(path)
    module = postgres if manifest["engine"] == "pg_dump" else portable
    return module.restore_backup(path, manifest, force=force, using=using)
