"""Column mapping: read a counts file whose headings are not the template's.

When a file's header row names none or only some of the required columns (a ward's own layout:
団体番号, 世帯数 …), the preview offers a mapping: for each required column, which of the file's
headings holds it. The mapping is {required column (importer.Col): the heading's text}; it is kept
with the upload and remembered per ward (models.WardColumnMapping) for that ward's next file.

It is applied to the cells as they are read (`mapped_tables`): in the first rows of each sheet, the
first row holding every mapped heading has those headings replaced by the required columns' names,
so the importer finds its header row as in a template file. Everything else — the checks before
reading (importer.iter_tables), parsing, the row checks — is the importer's, unchanged; a file that
does not hold those headings is read as it is.
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import PurePath

from django.utils import timezone

from wards.models import Ward

from .. import importer
from ..models import WardColumnMapping


def heading_key(value) -> str:
    """A heading as compared: NFKC, no spaces (全角・半角 and stray blanks do not matter)."""
    if value is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def header_candidates(data: bytes, filename: str) -> list[str]:
    """The headings of the row most likely to be the file's header row (first sheet, first rows).

    The row with the most text cells (not numbers) among the first importer.HEADER_SEARCH_ROWS;
    empty when the file cannot be read or has no such row.
    """
    try:
        for _sheet, rows in importer.iter_tables(data, filename):
            best: list[str] = []
            for cells in itertools.islice(rows, importer.HEADER_SEARCH_ROWS):
                texts = [heading_key(c) for c in cells if _is_text(c)]
                texts = list(dict.fromkeys(t for t in texts if t))
                if len(texts) > len(best):
                    best = texts
            return best
    except importer.ImportFileError:
        return []
    return []


def _is_text(value) -> bool:
    if value is None or isinstance(value, (int, float, dt.date)):
        return False
    text = heading_key(value)
    return bool(text) and not text.replace(",", "").replace(".", "").isdigit()


def apply(tables: Iterable[tuple[str, Iterable[list]]], columns: dict[str, str]):
    """The sheets with the header row's mapped headings renamed to the required columns' names."""
    wanted = {heading_key(text): column for column, text in columns.items() if text}
    for sheet, rows in tables:
        if not wanted:
            yield sheet, rows
            continue
        rows = iter(rows)
        head = list(itertools.islice(rows, importer.HEADER_SEARCH_ROWS))
        for index, cells in enumerate(head):
            keys = [heading_key(c) for c in cells]
            if set(wanted) <= set(keys):
                head[index] = [wanted.get(k, cell) for k, cell in zip(keys, cells, strict=True)]
                break
        yield sheet, itertools.chain(head, rows)


def mapped_tables(data: bytes, filename: str, columns: dict[str, str] | None) -> Iterator:
    """importer.iter_tables (its checks before reading included), with `columns` applied."""
    tables = importer.iter_tables(data, filename)
    return apply(tables, columns) if columns else tables


def preview_file(
    data: bytes,
    *,
    filename: str,
    survey_date: dt.date,
    actor,
    ward: Ward | None = None,
    reason: str = "",
    columns: dict[str, str] | None = None,
) -> importer.Preview:
    """importer.preview_file, reading the file through `columns`."""
    if not columns:
        return importer.preview_file(
            data, filename=filename, survey_date=survey_date, actor=actor, ward=ward, reason=reason
        )
    try:
        tables = [
            importer.Table(sheet=s, rows=list(rows)) for s, rows in mapped_tables(data, filename, columns)
        ]
    except importer.ImportFileError as e:
        parsed = importer.ParsedFile(rows=(), issues=(e.issue,))
    else:
        parsed = importer.parse_tables(tables)
    return importer.check_rows(
        parsed,
        survey_date=survey_date,
        actor=actor,
        ward=ward,
        filename=PurePath(filename).name,
        reason=reason,
    )


def needs_mapping(preview: importer.Preview) -> bool:
    """The file was read but no row could be: its header row was not understood."""
    return preview.has_errors and not preview.rows and not preview.summary.rows


def remembered(ward: Ward | None) -> dict[str, str]:
    """The mapping last given for `ward` (None: city-wide), or {}."""
    found = WardColumnMapping.objects.filter(ward=ward).values_list("columns", flat=True).first()
    return dict(found or {})


def remember(*, ward: Ward | None, columns: dict[str, str], actor) -> None:
    """Keep `columns` as `ward`'s mapping for its next file."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    updated = WardColumnMapping.objects.filter(ward=ward).update(
        columns=columns, updated_by=user, updated_at=timezone.now()
    )
    if not updated:
        WardColumnMapping.objects.create(ward=ward, columns=columns, updated_by=user)
