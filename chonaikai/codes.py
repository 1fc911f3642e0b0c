"""Association codes (町内会コード, 「区コード5桁-番号4桁」) as people type them → one written form.

One normaliser for every file that carries association codes: the counts importer
(associations.importer.normalize_code) and boundary files (wards.boundaries.normalise_area_code).
It lives here, outside both apps, so that wards need not import associations; it imports no app.
"""

from __future__ import annotations

import re
import unicodedata

# Hyphens, dashes and the long-vowel marks people type between the two parts (after NFKC, which
# turns the half-width ｰ into ー and the full-width － into -).
DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー－ｰ", "-"))  # i18n: data
# [0-9], not \d: \d would also take Arabic-Indic and other digits that NFKC leaves alone.
ASSOCIATION_CODE_RE = re.compile(r"[0-9]{5}-[0-9]{4}")


def normalize_association_code(text: str) -> str:
    """「０１１０１－０００１」, 「 01101ー0001 」, 「01101 - 0001」, 「011010001」 → 01101-0001.

    Width folded (NFKC), every dash made "-", spaces (also 　) removed, and nine digits split 5-4.
    Text that is not a code comes back folded in the same way, for the caller to refuse.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = "".join(text.translate(DASHES).split())
    if len(text) == 9 and text.isdigit() and text.isascii():
        text = f"{text[:5]}-{text[5:]}"
    return text
