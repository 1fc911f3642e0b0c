"""Reading the account CSV for import_accounts: encoding, headers, cells. No database access.

Header: username,role,ward,association,email — or ユーザー名,役割,区コード,町内会コード,メールアドレス.
Encodings: UTF-8, UTF-8 with BOM (Excel's "CSV UTF-8"), CP932 (Excel's plain "CSV" on Japanese
Windows). Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import unicodedata

from django.utils.translation import gettext as _

from chonaikai.files import text as csv_text

from .models import Role
from .services import AccountRow, RowError

# The file format's Japanese headings (accepted as aliases, and named in messages as written).
COLUMN_LABELS = {  # i18n: data
    "username": "ユーザー名",
    "role": "役割",
    "ward": "区コード",
    "association": "町内会コード",
    "email": "メールアドレス",
    "password": "パスワード",
}
REQUIRED_COLUMNS = ("username", "role")
_HEADER_ALIASES = {  # i18n: data
    **{field: field for field in COLUMN_LABELS},
    **{label: field for field, label in COLUMN_LABELS.items()},
    "区": "ward",
    "町内会": "association",
    "メール": "email",
    "ロール": "role",
}
_ROLE_ALIASES = {  # i18n: data
    **{role.value: role.value for role in Role},
    **{str(role.label): role.value for role in Role},
    "市の管理者": Role.CITY_ADMIN.value,
    "区職員": Role.WARD_STAFF.value,
    "役員": Role.ASSOCIATION_LEADER.value,
    "町内会長": Role.ASSOCIATION_LEADER.value,
    "閲覧": Role.VIEWER.value,
}


def role_aliases() -> dict[str, str]:
    """The role names a file may use: the roles' values and labels, common words, the loaded city's
    department (its name and short name) for city administrators, and its own words for the area's
    staff (市役所職員, 市職員 in a city without wards)."""
    from chonaikai.cities.current import city

    current = city()
    department = {
        name: Role.CITY_ADMIN.value for name in (current.department_name, current.department_short_name)
    }
    area_staff = {
        f"{word}職員": Role.WARD_STAFF.value  # i18n: data
        for word in (current.area_office_label, current.area_label)
        if word
    }
    return {**department, **area_staff, **_ROLE_ALIASES}


def header_aliases() -> dict[str, str]:
    """The headings a file may use: the format's (English and Japanese) and the loaded city's word
    for its areas (「市」「市コード」 where the city names them so)."""
    from chonaikai.cities.current import city

    area = city().area_label
    own = {area: "ward", f"{area}コード": "ward"} if area else {}  # i18n: data
    return {**own, **_HEADER_ALIASES}


def column_label(field: str) -> str:
    """A column's Japanese heading as messages name it: the area's code in the city's word."""
    from chonaikai.cities.current import city

    area = city().area_label
    if field == "ward" and area:
        return f"{area}コード"  # i18n: data
    return COLUMN_LABELS.get(field, field)


class CsvFileError(Exception):
    """The file as a whole cannot be read (encoding, header)."""


def _clean(value: str | None) -> str:
    # NFKC folds full-width digits and letters (０１２３４ → 01234); strip() also removes U+3000.
    return unicodedata.normalize("NFKC", value or "").strip()


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read with (chonaikai.files.text)."""
    try:
        decoded = csv_text.decode_text(data)
    except csv_text.UndecodableText as e:
        if e.kind == e.UTF16:
            raise CsvFileError(
                _(
                    "UTF-16 のファイルは読めません。Excel では「CSV UTF-8（コンマ区切り）」で保存してください。"
                )
            ) from e
        if e.kind == e.BAD_UTF8:
            raise CsvFileError(
                _("UTF-8 として読めない箇所があります（%(byte)dバイト目）。") % {"byte": e.byte}
            ) from e
        raise CsvFileError(
            _("文字コードを判別できません。UTF-8 または Shift_JIS（CP932）の CSV で保存してください。")
        ) from e
    names = {
        csv_text.UTF8_BOM: _("UTF-8（BOM付き）"),
        csv_text.UTF8: "UTF-8",
        csv_text.CP932: _("CP932（Shift_JIS）"),
    }
    return decoded.text, names[decoded.encoding]


def parse_rows(data: bytes) -> tuple[list[AccountRow], list[RowError], str]:
    """Rows, per-row errors found while reading, and the encoding. Raises CsvFileError."""
    text, encoding = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvFileError(
            _("ファイルが空です。1行目に見出し（username,role,ward,association,email）が必要です。")
        ) from None
    except csv.Error as e:
        raise CsvFileError(_("1行目: CSV として読めません（%(error)s）。") % {"error": e}) from e

    fields: list[str] = []
    problems: list[str] = []
    aliases = header_aliases()
    for position, name in enumerate(header, start=1):
        cleaned = _clean(name)
        field = aliases.get(cleaned) or aliases.get(cleaned.lower())
        if not cleaned:
            field = ""  # an empty heading (a trailing comma): the column must stay empty
        elif field == "password":
            problems.append(
                _(
                    "パスワードの列は取り込みません。ファイルから削除してください（パスワードは各自が設定します）。"
                )
            )
        elif field is None:
            problems.append(
                _("%(position)d列目の見出し「%(heading)s」は使えません。")
                % {"position": position, "heading": cleaned}
            )
        elif field in fields:
            problems.append(_("見出し「%(heading)s」が2回あります。") % {"heading": column_label(field)})
        fields.append(field or "")
    for required in REQUIRED_COLUMNS:
        if required not in fields:
            problems.append(
                _("見出し「%(heading)s」（%(label)s）の列がありません。")
                % {"heading": required, "label": COLUMN_LABELS[required]}
            )
    if problems:
        raise CsvFileError(
            _(
                "1行目（見出し）: %(problems)s 使える見出し: username,role,ward,association,email または %(labels)s"
            )
            % {
                "problems": " ".join(problems),
                "labels": ",".join(
                    column_label(f) for f in ("username", "role", "ward", "association", "email")
                ),
            }
        )

    rows: list[AccountRow] = []
    errors: list[RowError] = []
    line = 1
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            errors.append(RowError(line, None, _("CSV として読めません（%(error)s）。") % {"error": e}))
            break
        if not any(_clean(cell) for cell in cells):
            continue  # blank line
        if len(cells) > len(fields) and any(_clean(cell) for cell in cells[len(fields) :]):
            errors.append(
                RowError(
                    line,
                    None,
                    _("列が多すぎます（見出しは%(expected)d列、この行は%(found)d列）。")
                    % {"expected": len(fields), "found": len(cells)},
                )
            )
            continue
        values = {field: _clean(cells[i]) if i < len(cells) else "" for i, field in enumerate(fields)}
        if any(_clean(cell) for cell, field in zip(cells, fields, strict=False) if not field):
            errors.append(RowError(line, None, _("見出しのない列に値があります。")))
            continue
        role = values.get("role", "")
        rows.append(
            AccountRow(
                line=line,
                username=values.get("username", ""),
                role=role_aliases().get(role, role),
                ward=values.get("ward", ""),
                association=values.get("association", ""),
                email=values.get("email", ""),
            )
        )
    return rows, errors, encoding


def format_error(error: RowError) -> str:
    if error.field:
        return _("%(line)d行目「%(column)s」: %(message)s") % {
            "line": error.line,
            "column": column_label(error.field),
            "message": error.message,
        }
    return _("%(line)d行目: %(message)s") % {"line": error.line, "message": error.message}
