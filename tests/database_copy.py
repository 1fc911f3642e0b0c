"""A copy of the test database's contents, taken now and put back later, on SQLite and PostgreSQL.

The suite uses it twice: the database as migrations and the suite's city left it, put back after
every browser test (tests/conftest.py), and the browser journeys' demo data, seeded once per process
and put back for each journey that starts from the same state (tests/e2e/conftest.py).

- In-memory SQLite: SQLite's online backup, into another in-memory database and back (every page,
  so sequences included).
- PostgreSQL: every non-empty table as binary COPY, and every sequence's position. Putting it back
  empties the tables that hold rows (TRUNCATE), copies the rows in and sets every sequence, in one
  transaction (Django's foreign keys are deferred to its commit, so the order of the tables
  does not matter).
- Anything else (a SQLite file, another vendor): no copy; callers then make the state again.
"""

from __future__ import annotations

import sqlite3


def take(connection) -> SQLiteCopy | PostgresCopy | None:
    """The database's contents now, or None where this module cannot copy them."""
    connection.ensure_connection()
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return SQLiteCopy(connection)
    if connection.vendor == "postgresql":
        return PostgresCopy(connection)
    return None


def row_counts(connection) -> dict[str, int]:
    """Every table's number of rows, in one query."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        quote = connection.ops.quote_name
        cursor.execute(
            " UNION ALL ".join(f"SELECT {i}, COUNT(*) FROM {quote(t)}" for i, t in enumerate(tables))
        )
        counts = dict(cursor.fetchall())
    return {table: counts[i] for i, table in enumerate(tables)}


class _Copy:
    """What every copy does: remember where it was taken, and put itself back only there."""

    def __init__(self, connection):
        self.name = connection.settings_dict["NAME"]

    def restore(self, connection) -> None:
        # Once the test database is destroyed, the connection's settings name the real one again.
        if connection.settings_dict["NAME"] != self.name:
            raise RuntimeError(
                f"a copy of {self.name!r} cannot be put into {connection.settings_dict['NAME']!r}"
            )
        self._put_back(connection)

    def _put_back(self, connection) -> None:
        raise NotImplementedError


class SQLiteCopy(_Copy):
    def __init__(self, connection):
        super().__init__(connection)
        self.database = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(self.database)

    def _put_back(self, connection) -> None:
        connection.ensure_connection()
        self.database.backup(connection.connection)


class PostgresCopy(_Copy):
    def __init__(self, connection):
        super().__init__(connection)
        quote = connection.ops.quote_name
        self.rows: dict[str, bytes] = {}
        with connection.cursor() as cursor:
            for table, count in row_counts(connection).items():
                if count:
                    with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT (FORMAT binary)") as copy:
                        self.rows[table] = b"".join(bytes(block) for block in copy)
            cursor.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value"
                " FROM pg_sequences WHERE schemaname = current_schema()"
            )
            self.sequences: list[tuple[str, int | None]] = cursor.fetchall()

    def _put_back(self, connection) -> None:
        from django.db import transaction

        quote = connection.ops.quote_name
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # A connection left inside a transaction (a live server's request cut short) would make
            # TRUNCATE wait for ever: fail the test run instead.
            cursor.execute("SET LOCAL lock_timeout = '30s'")
            holding = [table for table, count in row_counts(connection).items() if count]
            if holding:  # CASCADE: the tables among them that others refer to
                cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in holding)} CASCADE")
            for table, rows in self.rows.items():
                with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(rows)
            for sequence, last_value in self.sequences:
                # A sequence never used gives nextval 1 again (is_called false), as after it was made.
                cursor.execute(
                    "SELECT setval(%s::regclass, %s, %s)",
                    [sequence, last_value or 1, last_value is not None],
                )
