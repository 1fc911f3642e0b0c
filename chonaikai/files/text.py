"""The one decoder of uploaded CSV text (the counts import, the accounts import).

UTF-8 with or without BOM (Excel's "CSV UTF-8") or CP932 (Excel's plain "CSV" on Japanese
Windows), the encodings Excel and Japanese offices write. UTF-8 is tried first: CP932 text is
almost never valid UTF-8, while the reverse is often "valid" CP932 mojibake. CP932 is Microsoft's
superset of Shift_JIS (①, ㈱, NEC extensions). A UTF-8 BOM says the file is UTF-8, so such a file
is not read as CP932; a UTF-16 file (its BOM says so) is refused. Callers word the refusal.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

UTF8, UTF8_BOM, CP932 = "utf-8", "utf-8-sig", "cp932"


class UndecodableText(ValueError):
    """The bytes are not text in a supported encoding.

    `kind`: UTF16 (a UTF-16 BOM), BAD_UTF8 (a UTF-8 BOM, then bytes that are not UTF-8) or
    UNKNOWN (neither UTF-8 nor CP932). `byte`: the offset in the file where reading failed (the
    attempt that read further); `line`: that byte's line, counted from 1 after any BOM.
    """

    UTF16, BAD_UTF8, UNKNOWN = "utf16", "bad_utf8", "unknown"

    def __init__(self, kind: str, *, byte: int = 0, line: int = 1):
        super().__init__(kind, byte, line)
        self.kind, self.byte, self.line = kind, byte, line


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # UTF8, UTF8_BOM or CP932


def decode_text(data: bytes) -> DecodedText:
    """The text and the encoding it was read with. Raises UndecodableText."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UndecodableText(UndecodableText.UTF16)
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        return DecodedText(body.decode("utf-8"), UTF8_BOM if bom else UTF8)
    except UnicodeDecodeError as e:
        utf8_failed_at = e.start
        if bom:
            raise UndecodableText(
                UndecodableText.BAD_UTF8,
                byte=e.start + len(codecs.BOM_UTF8),
                line=body.count(b"\n", 0, e.start) + 1,
            ) from e
    try:
        return DecodedText(body.decode("cp932"), CP932)
    except UnicodeDecodeError as e:
        # The encoding that read further is the one the file was meant to be in: name its bad line.
        at = max(utf8_failed_at, e.start)
        raise UndecodableText(UndecodableText.UNKNOWN, byte=at, line=body.count(b"\n", 0, at) + 1) from e
