"""The counts import on PostgreSQL: stream the file, check it, COPY it, upsert it — no ORM objects.

services.counts_import_file takes this path on PostgreSQL (SQLite keeps the preview → commit
path). It gives what the other path gives, from the same code: the rows are parsed by
importer.RowStream and checked by importer.RowChecker and importer.duplicate_issue, so the issues
and their words and order are the same; the writes are the same rows with the same history rows,
audit events, survey-round progress and ward summaries — only set-based:

1. stream the rows (CSV via the csv module, workbooks via python-calamine's row iterator) into a
   temporary staging table with COPY, collecting each row's own issues and its code's places;
2. ask the database in one query which staged rows need a word (association unknown, not active,
   outside the actor's wards or the import's ward, another name, an approved ward) and run
   RowChecker on those only — every other row would get no issue from it;
3. any error: roll back (nothing was written) and raise CountsImportRejected;
4. one statement: INSERT … SELECT from staging ON CONFLICT DO UPDATE (unchanged rows are not
   touched), and from its RETURNING the history rows (django-simple-history's table, INSERT …
   SELECT) and the per-ward figures for the audit events and summaries.

All in one transaction: all or nothing. 300,000 rows take 8–10 s whether the counts are new or every
one changes, with a peak of ~200 MB (bench/README.md, where the time goes is there too); the
preview → commit path takes ~30 s and several GB for the same file.

One difference in a race: the other path refuses the import when someone creates one of its counts
between its check and its insert; here the upsert takes the newer row and updates it (the import is
the later write). Updates of existing counts wait for row locks either way, and approved wards'
counts are locked before they are compared.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from django.db import connection, transaction
from django.utils import timezone

from wards.models import Ward

from ... import code_format
from ...models import Association, HouseholdCount, WardProgress
from ...selectors import previous_survey_date
from ...stats.services import summaries_refresh
from .. import importer

STAGE = "counts_import_stage"
WORK_MEM = "256MB"  # per hash or sort of the import's statements (see _import)
# The columns written, checked against the models by a test: a new field must be added here too.
COUNT_COLUMNS = (
    "association_id",
    "survey_date",
    "households",
    "member_households",
    "source",
    "note",
    "entered_by_id",
    "entered_at",
    "version",
)
HISTORY_COLUMNS = (
    "id",
    *COUNT_COLUMNS,
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
)


class _Rejected(Exception):
    def __init__(self, preview: importer.Preview, rows: int):
        self.preview = preview
        self.rows = rows


class _Checked(Exception):
    """A dry run got as far as the write: roll the staging back and hand out the preview."""

    def __init__(self, preview: importer.Preview):
        self.preview = preview


def counts_import_fast(
    *,
    actor,
    data: bytes,
    filename: str,
    survey_date: dt.date,
    ward: Ward | None = None,
    source: str = HouseholdCount.Source.IMPORT,
    progress=None,
    reason: str = "",
    dry_run: bool = False,
    columns: dict[str, str] | None = None,
):
    """Read, check and write one file on PostgreSQL; CountsImportResult, or CountsImportRejected.

    `dry_run`: read and check only (the preview of a large file): the result's figures say what the
    write would do (new, changed, unchanged), and nothing is written.

    `reason` as in services.counts_import_commit: it lets ward staff change an approved ward's counts
    (RowChecker), and goes to the history rows' change reason and the audit events' comment.

    The result's preview has no rows (`rows=()`): its issues, and its figures in `totals`. A
    rejected file of no more rows than the async threshold is checked again by the preview path,
    so that the page showing the refusal can list every row as it always has.
    """
    from ...counts.services.rounds import ward_progress_mark_started
    from .counts import (
        CountsImportRejected,
        CountsImportResult,
        audit_import_wards,
        counts_import_async_threshold,
        history_reason,
    )

    report = progress or (lambda stage, done, total: None)
    name = PurePath(filename).name
    reason = reason.strip()
    try:
        with transaction.atomic():
            per_ward, preview = _import(
                actor=actor,
                data=data,
                filename=name,
                survey_date=survey_date,
                ward=ward,
                source=source,
                report=report,
                reason=reason,
                change_reason=history_reason(source=source, filename=name, reason=reason),
                dry_run=dry_run,
                columns=columns,
            )
            if per_ward:
                # As the other path: survey rounds' progress, then the ward summaries, then the events.
                ward_progress_mark_started(actor=actor, survey_date=survey_date, ward_codes=set(per_ward))
                summaries_refresh((figures["ward_id"], survey_date) for figures in per_ward.values())
                audit_import_wards(
                    {
                        code: {"created": f["created"], "updated": f["updated"]}
                        for code, f in per_ward.items()
                    },
                    survey_date=survey_date,
                    filename=name,
                    actor=actor,
                    source=source,
                    reason=reason,
                )
    except _Checked as e:
        totals = e.preview.totals
        report("done", totals.rows, totals.rows)
        return CountsImportResult(
            preview=e.preview, created=totals.new, updated=totals.changed, unchanged=totals.unchanged
        )
    except _Rejected as e:
        preview = e.preview
        if e.rows <= counts_import_async_threshold():
            detailed = importer.preview_file(
                data,
                filename=filename,
                survey_date=survey_date,
                actor=actor,
                ward=ward,
                reason=reason,
                columns=columns,
            )
            if detailed.has_errors:
                preview = detailed
        raise CountsImportRejected(preview) from None
    totals = preview.totals
    report("done", totals.rows, totals.rows)  # committed
    return CountsImportResult(
        preview=preview, created=totals.new, updated=totals.changed, unchanged=totals.unchanged
    )


def _import(
    *,
    actor,
    data,
    filename,
    survey_date,
    ward,
    source,
    report,
    reason,
    change_reason,
    dry_run=False,
    columns=None,
):
    checker = importer.RowChecker(survey_date=survey_date, actor=actor, ward=ward, reason=reason)
    report("reading", 0, 0)
    with connection.cursor() as cursor:
        # The joins of 300,000 staged rows with the register and the write's RETURNING spill to disk
        # at PostgreSQL's default work_mem (4 MB): 10 s for the write instead of 6.5 s. For this
        # transaction only.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # ON COMMIT DROP, and dropped at the end as well: an import inside a longer transaction (a
        # test, a command) must not meet the last one's table.
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE} (seq integer, sheet text, row integer, code text, "
            "name text, households integer, members integer, note text) ON COMMIT DROP"
        )
        stream = importer.RowStream(
            importer.iter_tables(data, filename),
            survey_date=survey_date,
            columns=columns,
            code_digits=code_format.number_digits(),
        )
        row_issues: list[tuple[int, int, importer.Issue]] = []  # (row's sequence, phase, issue)
        # code → the sequence number of its first row; codes on more rows → all their numbers. Plain
        # ints and strings: 300,000 tuples here would keep the garbage collector busy for a second.
        first: dict[str, int] = {}
        repeated: dict[str, list[int]] = {}
        rows = 0
        try:
            with cursor.copy(f"COPY {STAGE} FROM STDIN") as copy:
                for r in stream:
                    rows += 1
                    if r.issues:
                        row_issues.extend((rows, 0, issue) for issue in r.issues)
                    if r.code:
                        seen = first.setdefault(r.code, rows)
                        if seen != rows:
                            repeated.setdefault(r.code, [seen]).append(rows)
                    code, name, note = r.code, r.name, r.note
                    if "\x00" in code or "\x00" in name or (note and "\x00" in note):
                        code, name, note = _stageable(code), _stageable(name), _stageable(note)
                    copy.write_row(
                        (rows, r.sheet, r.row, code, name, r.households, r.member_households, note)
                    )
        except importer.ImportFileError as e:
            raise _Rejected(_preview(survey_date, [e.issue], (), ward, filename, rows=0), 0) from e
        del first
        report("checked", rows, rows)

        # Duplicate codes: one error per code, on its first row, naming its first places and the total.
        if repeated:
            listed = importer.DUPLICATES_LISTED
            cursor.execute(
                f"SELECT seq, sheet, row FROM {STAGE} WHERE seq = ANY(%s::integer[])",
                [[seq for seqs in repeated.values() for seq in seqs[:listed]]],
            )
            places = {seq: (sheet, row) for seq, sheet, row in cursor.fetchall()}
            for code, seqs in repeated.items():
                duplicates = [
                    importer.ParsedRow(
                        code=code,
                        households=None,
                        member_households=None,
                        sheet=places[n][0],
                        row=places[n][1],
                    )
                    for n in seqs[:listed]
                ]
                issue = importer.duplicate_issue(duplicates[0], duplicates, total=len(seqs))
                row_issues.append((seqs[0], 1, issue))

        row_issues.extend(_register_issues(cursor, checker, survey_date=survey_date, ward=ward))
        row_issues.sort(key=lambda item: (item[0], item[1]))
        issues = [
            *importer.survey_date_issues(survey_date),
            *stream.issues,
            *(issue for _seq, _phase, issue in row_issues),
        ]
        if any(i.is_error for i in issues):
            error_rows = sorted(
                {seq for seq, _phase, issue in row_issues if issue.is_error}
                | {seq for seqs in repeated.values() for seq in seqs[1:]}  # later rows of a duplicate
            )
            totals = _status_totals(
                cursor, survey_date=survey_date, rows=rows, exclude=error_rows, issues=issues
            )
            raise _Rejected(
                _preview(
                    survey_date,
                    issues,
                    stream.issues,
                    ward,
                    filename,
                    totals=totals,
                    candidates=stream.candidates,
                ),
                rows,
            )
        if dry_run:
            totals = _status_totals(cursor, survey_date=survey_date, rows=rows, exclude=[], issues=issues)
            raise _Checked(
                _preview(
                    survey_date,
                    issues,
                    stream.issues,
                    ward,
                    filename,
                    totals=totals,
                    candidates=stream.candidates,
                )
            )

        report("writing", 0, rows)
        per_ward = _write(cursor, actor=actor, survey_date=survey_date, source=source, reason=change_reason)
        cursor.execute(f"DROP TABLE {STAGE}")
    created = sum(f["created"] for f in per_ward.values())
    updated = sum(f["updated"] for f in per_ward.values())
    warnings = len(issues)
    totals = importer.Summary(
        rows=rows,
        new=created,
        changed=updated,
        unchanged=rows - created - updated,
        errors=0,
        warnings=warnings,
    )
    return per_ward, _preview(
        survey_date, issues, stream.issues, ward, filename, totals=totals, candidates=stream.candidates
    )


def _stageable(text: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL: one in a cell becomes U+FFFD in the staging table. The code
    then matches no association and a note with one is already an error of its row (importer), so
    nothing with it is written; the file is refused with messages instead of a database error."""
    return text.replace("\x00", "\ufffd") if text and "\x00" in text else text


def _preview(
    survey_date, issues, file_issues, ward, filename, *, totals=None, rows=None, candidates=()
) -> importer.Preview:
    if totals is None:
        errors = sum(i.is_error for i in issues)
        totals = importer.Summary(
            rows=rows or 0, new=0, changed=0, unchanged=0, errors=errors, warnings=len(issues) - errors
        )
    return importer.Preview(
        survey_date=survey_date,
        rows=(),
        issues=tuple(issues),
        parsed=importer.ParsedFile(rows=(), issues=tuple(file_issues), header_candidates=tuple(candidates)),
        ward=ward,
        filename=filename,
        totals=totals,
    )


def _register_issues(cursor, checker: importer.RowChecker, *, survey_date: dt.date, ward: Ward | None):
    """RowChecker's issues for the staged rows that can have any: (sequence, 2, issue)."""
    wards = {w.pk: w for w in Ward.objects.only("id", "code", "name")}
    # Wards whose associations the rows may name without a word: in the import's ward (if any) and
    # the actor's scope. RowChecker.may_edit caches the policy's answer per ward.
    clean = [pk for pk, w in wards.items() if (ward is None or pk == ward.pk) and checker.may_edit(w)]
    locked = list(
        WardProgress.objects.filter(
            survey_round__survey_date=survey_date, status=WardProgress.Status.APPROVED
        ).values_list("ward_id", flat=True)
    )
    # Submitted wards' counts are read-only (RowChecker refuses changes) except for the system.
    submitted = []
    if checker.actor is not None:
        submitted = list(
            WardProgress.objects.filter(
                survey_round__survey_date=survey_date, status=WardProgress.Status.SUBMITTED
            ).values_list("ward_id", flat=True)
        )
    # The previous survey's counts, for the plausibility rule (rules.check_count) as check_rows has it.
    previous_day = previous_survey_date(survey_date)
    association, count = Association._meta.db_table, HouseholdCount._meta.db_table
    # The arrays are cast to the columns' types: psycopg sends small ids as smallint[], and
    # PostgreSQL hashes `= ANY(array)` only when both sides hash alike, so an uncast list of 1,000
    # ward ids was compared element by element on 300,000 rows (~1 s instead of ~0.1 s).
    if locked:
        # Approved wards' counts are compared with the file below: lock them first, as check_rows does.
        cursor.execute(
            f"SELECT c.id FROM {count} c JOIN {association} a ON a.id = c.association_id "
            f"JOIN {STAGE} s ON s.code = a.code WHERE c.survey_date = %s AND a.ward_id = ANY(%s::bigint[]) "
            "ORDER BY c.id FOR UPDATE OF c",
            [survey_date, locked],
        )
    # Rows RowChecker could say anything about; for the rest it would say nothing: the association
    # exists, is active, is in a clean ward that is neither approved nor submitted, has the file's
    # name exactly (names equal as written are equal once folded), and its figures pass the
    # plausibility rule: members not above households, no zero, and no change over a fifth against
    # the previous survey (5 × |new − previous| > previous is rules.is_large_change, 0 included).
    held = locked + submitted
    cursor.execute(
        f"SELECT s.seq, s.sheet, s.row, s.code, s.name, s.households, s.members, s.note, "
        f"p.households, p.member_households, a.id, a.name, a.status, a.ended_on, a.ward_id "
        f"FROM {STAGE} s LEFT JOIN {association} a ON a.code = s.code "
        f"LEFT JOIN {count} p ON p.association_id = a.id AND p.survey_date = %s "
        "WHERE a.id IS NULL OR a.status <> %s OR NOT (a.ward_id = ANY(%s::bigint[])) OR a.name <> s.name "
        "OR a.ward_id = ANY(%s::bigint[]) "
        "OR s.members > s.households OR s.households = 0 OR s.members = 0 "
        "OR 5 * abs(s.households::bigint - p.households) > p.households "
        "OR 5 * abs(s.members::bigint - p.member_households) > p.member_households "
        "ORDER BY s.seq",
        [previous_day, Association.Status.ACTIVE, clean, held],
    )
    flagged = cursor.fetchall()
    # The survey date's current counts of those rows' associations only (through the unique index on
    # (association, survey date)): joined into the query above, every staged row's count was read
    # (a scan of all counts and a hash of 300,000 rows) for the few rows that need a word.
    current_of = {}
    ids = sorted({row[10] for row in flagged if row[10] is not None})
    if ids:
        cursor.execute(
            f"SELECT association_id, id, households, member_households, note, version FROM {count} "
            "WHERE survey_date = %s AND association_id = ANY(%s::bigint[])",
            [survey_date, ids],
        )
        current_of = {aid: tuple(figures) for aid, *figures in cursor.fetchall()}
    locked_set, submitted_set = set(locked), set(submitted)
    found = []
    for seq, sheet, row, code, name, households, members, note, ph, pm, aid, *rest in flagged:
        r = importer.ParsedRow(
            code=code,
            households=households,
            member_households=members,
            name=name,
            note=note,
            sheet=sheet,
            row=row,
        )
        registered = current = None
        if aid is not None:
            a_name, status, ended_on, ward_id = rest
            registered = importer.Registered(
                aid,
                code,
                a_name,
                status,
                ended_on,
                wards[ward_id],
                ward_id in locked_set,
                ward_id in submitted_set,
            )
            current = current_of.get(aid)
        previous = (ph, pm) if ph is not None else None
        found.extend((seq, 2, issue) for issue in checker.issues(r, registered, current, previous=previous))
    return found


def _status_totals(cursor, *, survey_date, rows, exclude, issues) -> importer.Summary:
    """The preview's figures for a rejected file: rows without an error, by what they would do."""
    cursor.execute(
        f"SELECT count(*) FILTER (WHERE c.id IS NULL), "
        "count(*) FILTER (WHERE c.id IS NOT NULL AND c.households = s.households "
        "AND c.member_households = s.members AND COALESCE(s.note, c.note) = c.note) "
        f"FROM {STAGE} s JOIN {Association._meta.db_table} a ON a.code = s.code "
        f"LEFT JOIN {HouseholdCount._meta.db_table} c ON c.association_id = a.id AND c.survey_date = %s "
        "WHERE NOT (s.seq = ANY(%s::integer[]))",
        [survey_date, exclude],
    )
    new, unchanged = cursor.fetchone()
    counted = rows - len(exclude)
    errors = sum(i.is_error for i in issues)
    return importer.Summary(
        rows=rows,
        new=new,
        changed=counted - new - unchanged,
        unchanged=unchanged,
        errors=errors,
        warnings=len(issues) - errors,
    )


def _write(cursor, *, actor, survey_date, source, reason) -> dict[str, dict]:
    """The upsert and its history rows, in one statement; ward code → {ward_id, created, updated}.

    A blank note in the file (NULL in staging) keeps the note recorded: the proposed row carries ''
    for it — never a note the file can give, blanks being read as "no note" — and the update keeps
    the old note then. Rows whose figures and note are as recorded are not updated (the WHERE of DO
    UPDATE): no write, no history row, as on the other path. RETURNING gives the written rows: a
    version of 1 is a new count, above 1 an updated one.
    """
    now = timezone.now()
    user_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    count, history = HouseholdCount._meta.db_table, HouseholdCount.history.model._meta.db_table
    association, ward = Association._meta.db_table, Ward._meta.db_table
    columns = ", ".join(COUNT_COLUMNS)
    cursor.execute(
        f"""
        WITH written AS (
            INSERT INTO {count} AS c ({columns})
            SELECT a.id, %(day)s, s.households, s.members, %(source)s, COALESCE(s.note, ''), %(user)s, %(now)s, 1
            FROM {STAGE} s JOIN {association} a ON a.code = s.code
            ON CONFLICT (association_id, survey_date) DO UPDATE SET
                households = EXCLUDED.households,
                member_households = EXCLUDED.member_households,
                note = CASE WHEN EXCLUDED.note = '' THEN c.note ELSE EXCLUDED.note END,
                source = EXCLUDED.source,
                entered_by_id = EXCLUDED.entered_by_id,
                entered_at = EXCLUDED.entered_at,
                version = c.version + 1
            WHERE c.households <> EXCLUDED.households
               OR c.member_households <> EXCLUDED.member_households
               OR (EXCLUDED.note <> '' AND EXCLUDED.note <> c.note)
            RETURNING c.id, {", ".join(f"c.{name}" for name in COUNT_COLUMNS)}
        ), history AS (
            INSERT INTO {history} ({", ".join(HISTORY_COLUMNS)})
            SELECT id, {columns}, %(now)s, %(reason)s, CASE WHEN version = 1 THEN '+' ELSE '~' END, %(user)s
            FROM written
        )
        SELECT w.code, w.id, count(*) FILTER (WHERE written.version = 1), count(*) FILTER (WHERE written.version > 1)
        FROM written JOIN {association} a ON a.id = written.association_id JOIN {ward} w ON w.id = a.ward_id
        GROUP BY w.code, w.id
        """,
        {
            "day": survey_date,
            "source": source,
            "user": user_id,
            "now": now,
            "reason": reason,
        },
    )
    return {
        code: {"ward_id": ward_id, "created": created, "updated": updated}
        for code, ward_id, created, updated in cursor.fetchall()
    }
