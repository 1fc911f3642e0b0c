"""One TOML table of a city profile being checked: typed getters that record problems, not raise.

The mechanism of every check of chonaikai.cities.profile (which key is required, of which type and
range, which keys are unknown), apart from the format itself, which profile.py reads file by file.
Each problem names its file and key (「areas.toml: area[3].code: …」).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


class Table:
    """One TOML table being checked: typed getters that record problems instead of raising."""

    def __init__(self, problems: list[str], file: str, path: str, data):
        self.problems, self.file, self.path = problems, file, path
        self.data = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            self.fail("", _("表（テーブル）である必要があります。"))
        self.used: set[str] = set()

    def where(self, key: str) -> str:
        return ".".join(x for x in (self.path, key) if x)

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{self.file}: {self.where(key) or '-'}: {message}")

    def has(self, key: str) -> bool:
        return key in self.data

    def present(self, key: str, *, required: bool) -> bool:
        """Whether `key` is written (it counts as read either way); a missing required key is a problem."""
        self.used.add(key)
        if key in self.data:
            return True
        if required:
            self.fail(key, _("必須の項目がありません。"))
        return False

    def get(self, key: str, kind, *, required: bool, default=None, describe: str):
        if not self.present(key, required=required):
            return default
        value = self.data[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            self.fail(
                key, _("%(kind)sで書いてください（今の値: %(value)r）。") % {"kind": describe, "value": value}
            )
            return default
        return value

    def text(self, key, *, required=False, max_length=None, pattern=None, choices=None, default=""):
        value = self.get(key, str, required=required, default=default, describe=_("文字列"))
        if value is None:
            return value
        value = value.strip()
        if required and not value:
            self.fail(key, _("空にできません。"))
        if max_length and len(value) > max_length:
            self.fail(
                key,
                _("%(max)d文字以内にしてください（%(length)d文字）。")
                % {"max": max_length, "length": len(value)},
            )
        if pattern is not None and value and not pattern.match(value):
            self.fail(key, _("形式が違います（今の値: %(value)s）。") % {"value": value})
        if choices is not None and value not in choices:
            self.fail(
                key,
                _("次のどれかにしてください: %(choices)s（今の値: %(value)s）。")
                % {"choices": ", ".join(choices), "value": value},
            )
        return value

    def integer(self, key, *, required=False, minimum=0, maximum=None, default=None):
        value = self.get(key, int, required=required, default=default, describe=_("整数"))
        if isinstance(value, int) and (value < minimum or (maximum is not None and value > maximum)):
            bounds = f"{minimum}–{maximum}" if maximum is not None else f"{minimum}–"
            self.fail(
                key,
                _("範囲外の値です（%(bounds)s、今の値: %(value)s）。") % {"bounds": bounds, "value": value},
            )
            return default
        return value

    def boolean(self, key, *, default=False):
        return self.get(key, bool, required=False, default=default, describe="true / false")

    def date(self, key, *, required=False):
        value = self.get(key, dt.date, required=required, describe=_("日付（例: 2021-01-01）"))
        if isinstance(value, dt.datetime):
            self.fail(key, _("日付だけを書いてください（例: 2021-01-01）。"))
            return None
        return value

    def decimal(self, key, *, required=False):
        if not self.present(key, required=required):
            return None
        value = self.data[key]
        try:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise InvalidOperation
            number = Decimal(str(value).replace(",", ""))
            if not number.is_finite() or number < 0:
                raise InvalidOperation
        except InvalidOperation:
            self.fail(
                key, _('0以上の数（例: "46.42"）で書いてください（今の値: %(value)r）。') % {"value": value}
            )
            return None
        return number

    def tables(self, key, *, required=False) -> list[Table]:
        self.used.add(key)
        value = self.data.get(key, [])
        if required and not value:
            self.fail(key, _("少なくとも1つ必要です（[[%(key)s]]）。") % {"key": self.where(key)})
        if not isinstance(value, list):
            self.fail(key, _("[[%(key)s]] の形の表の並びで書いてください。") % {"key": self.where(key)})
            return []
        return [
            Table(self.problems, self.file, f"{self.where(key)}[{i + 1}]", item)
            for i, item in enumerate(value)
        ]

    def table(self, key, *, required=True) -> Table:
        self.used.add(key)
        if key not in self.data and required:
            self.fail(key, _("必須の表 [%(key)s] がありません。") % {"key": self.where(key)})
        return Table(self.problems, self.file, self.where(key), self.data.get(key, {}))

    def unknown_keys(self) -> None:
        for key in self.data:
            if key not in self.used:
                self.fail(key, _("知らない項目です（綴りを cities/README.md で確かめてください）。"))
