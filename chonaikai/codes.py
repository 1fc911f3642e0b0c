"""Codes as people and files write them → one written form: association codes (町内会コード,
「区コード5桁-番号4桁」) and 5-digit local-government codes (全国地方公共団体コード).

One normaliser for every file that carries association codes: the counts importer
(associations.importer.normalize_code) and boundary files (wards.boundaries.normalise_area_code);
and one for municipality and ward codes (boundary files, and the city profile to come).
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
    """「０１２３４－０００１」, 「 01234ー0001 」, 「01234 - 0001」, 「012340001」 → 01234-0001.

    Width folded (NFKC), every dash made "-", spaces (also 　) removed, and nine digits split 5-4.
    Text that is not a code comes back folded in the same way, for the caller to refuse.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = "".join(text.translate(DASHES).split())
    if len(text) == 9 and text.isdigit() and text.isascii():
        text = f"{text[:5]}-{text[5:]}"
    return text


def normalize_municipality_code(value) -> str | None:
    """A 5-digit local-government code from a file value: 4101 → 04101; 041017 (check digit) → 04101.

    Numbers read from spreadsheets (1101.0) and full-width digits are accepted; anything else is None.
    """
    text = cell_text(value)
    if text is None or not text.isdigit() or not text.isascii():
        return None
    if len(text) < 5:
        text = text.zfill(5)
    if len(text) == 6 and check_digit(text[:5]) == int(text[5]):
        text = text[:5]
    return text if len(text) == 5 else None


def check_digit(code5: str) -> int:
    """全国地方公共団体コードの検査数字: weights 6-2, modulus 11 (04101 → 7, 13101 → 6)."""
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def cell_text(value) -> str | None:
    """A file value as code text: None for missing values, 1101.0 → "1101", full-width → half-width."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()
