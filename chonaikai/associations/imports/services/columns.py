"""Column mapping: read a counts file whose headings are not the template's, remembered per ward.

When the importer does not find a file's required columns (a ward's own headings: 番号, 全体 …), it
says so with errors of Issue.code importer.MISSING_COLUMNS and gives each sheet's heading row as
importer.HeaderCandidates (a two-row heading's texts joined). The preview then offers a mapping:
for each required column, which of those headings holds it, and which holds 備考 (optional). The mapping is {required column
(importer.Col): the heading's text}; the importer reads through it (RowStream's `columns`) on the
row-by-row path and on the PostgreSQL fast path alike. It is kept with the upload and remembered per
ward (models.WardColumnMapping) for that ward's next file — by text, so that next year's file with
the same headings in another order is read without asking again.
"""

from __future__ import annotations

from django.utils import timezone

from wards.models import Ward

from ...models import WardColumnMapping
from .. import importer


def needs_mapping(preview: importer.Preview) -> bool:
    """The importer did not find the required columns (and says so), so a mapping can be offered."""
    return any(i.code == importer.MISSING_COLUMNS for i in preview.issues)


def candidates_to_map(preview: importer.Preview) -> importer.HeaderCandidates | None:
    """The heading row to offer a mapping from: that of the first sheet missing a required column
    (else the first sheet's), or None when the file has no heading text at all."""
    candidates = [c for c in preview.parsed.header_candidates if c.headers]
    missing = {i.sheet for i in preview.issues if i.code == importer.MISSING_COLUMNS}
    for found in candidates:
        if found.sheet in missing:
            return found
    return candidates[0] if candidates else None


def initial_mapping(found: importer.HeaderCandidates, given: dict[str, str] | None) -> dict[str, str]:
    """The mapping to show first: the one given (kept with the upload or remembered) where its heading
    is in this file, else the heading the importer recognised for the column."""
    texts = dict(found.headers)
    offered = {importer.heading_key(t) for t in texts.values()}
    initial = {}
    for column in importer.MAPPABLE_COLUMNS:
        text = (given or {}).get(column)
        if text and importer.heading_key(text) in offered:
            initial[column] = text
        elif column in found.found and found.found[column] in texts:
            initial[column] = texts[found.found[column]]
    return initial


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
