"""Reading a city profile (cities/<name>/, format in cities/README.md) into checked plain data.

`read_profile(folder)` reads every file, checks every key and returns a `Profile`, or raises
`ProfileError` listing every mistake with its file and key (「areas.toml: area[3].code: …」), so
that a city's staff fix the profile in one pass. Nothing here touches the database:
chonaikai.operations.city_profile writes a Profile. The files are read in the order
cities/README.md documents them, so that the format and its checks are read side by side; the typed
getters every check uses are table.Table's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from .table import Table

CODE_RE = re.compile(r"^[0-9]{5}$")
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PROGRAMME_FILE_RE = re.compile(r"^(?P<year>[0-9]{4})\.toml$")
METRICS = ("member_households", "membership_rate")
TARGET_KINDS = ("baseline", "target")
PROGRAMME_KINDS = ("application", "computed")
REVIEW_PATHS = ("area_then_city", "city_only")
METHODS = ("rate", "floor_area", "per_household")
DOCUMENT_KINDS = (
    "application_form",
    "scanned_form",
    "estimate",
    "receipt",
    "photo",
    "plan",
    "drawing",
    "other",
)
MAX_FILE_BYTES = 2_000_000
RESERVED_PROGRAMME_CODE = (
    "sample_programme"  # seed_demo's labelled sample programme (chonaikai.demo.subsidies)
)


class ProfileError(Exception):
    """A profile that cannot be loaded; `problems` are messages naming file and key (Japanese)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Profile:
    folder: Path
    digest: str
    city: dict
    areas: list[dict]
    targets: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    programmes: dict[int, list[dict]] = field(default_factory=dict)
    sample: dict | None = None

    @property
    def name(self) -> str:
        return self.folder.name


def read_profile(folder) -> Profile:
    folder = Path(folder)
    problems: list[str] = []
    if not folder.is_dir():
        raise ProfileError([_("%(folder)s: プロファイルのフォルダがありません。") % {"folder": folder}])
    digest = hashlib.sha256()
    documents = {}
    paths = [folder / "city.toml", folder / "areas.toml", folder / "plan.toml", folder / "sample.toml"]
    programme_dir = folder / "programmes"
    if programme_dir.is_dir():
        paths += sorted(programme_dir.glob("*.toml"))
    for path in paths:
        relative = path.relative_to(folder).as_posix()
        if not path.exists():
            if relative in ("city.toml", "areas.toml"):
                problems.append(_("%(file)s: 必須のファイルがありません。") % {"file": relative})
            continue
        raw = path.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            problems.append(_("%(file)s: ファイルが大きすぎます（2 MB まで）。") % {"file": relative})
            continue
        digest.update(relative.encode() + b"\0" + raw + b"\0")
        try:
            documents[relative] = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(_("%(file)s: UTF-8 で保存してください。") % {"file": relative})
        except tomllib.TOMLDecodeError as error:
            problems.append(
                _("%(file)s: TOML の書き方の誤り: %(error)s") % {"file": relative, "error": error}
            )
    if problems:
        raise ProfileError(problems)

    city = _read_city(problems, documents["city.toml"])
    areas = _read_areas(problems, documents["areas.toml"], city)
    targets, indicators, plan = _read_plan(problems, documents.get("plan.toml", {}))
    city.update(plan)
    programmes = {}
    for relative, document in documents.items():
        if relative.startswith("programmes/"):
            name = relative.removeprefix("programmes/")
            match = PROGRAMME_FILE_RE.match(name)
            if not match:
                problems.append(
                    _("%(file)s: ファイル名は年度の4桁にしてください（例: programmes/2026.toml）。")
                    % {"file": relative}
                )
                continue
            programmes[int(match["year"])] = _read_programmes(
                problems, relative, document, int(match["year"])
            )
    sample = (
        _read_sample(problems, documents["sample.toml"], areas, city) if "sample.toml" in documents else None
    )
    if problems:
        raise ProfileError(problems)
    return Profile(
        folder=folder,
        digest=digest.hexdigest(),
        city=city,
        areas=areas,
        targets=targets,
        indicators=indicators,
        programmes=programmes,
        sample=sample,
    )


def _read_city(problems, document) -> dict:
    root = Table(problems, "city.toml", "", document)
    identity = root.table("city")
    labels = root.table("labels")
    code_format = root.table("association_code", required=False)
    survey = root.table("survey")
    publication = root.table("publication", required=False)
    organisation = root.table("organisation")
    values = {
        "code": identity.text("code", required=True, pattern=CODE_RE),
        "name": identity.text("name", required=True, max_length=40),
        "kana": identity.text("kana", max_length=80),
        "romaji": identity.text("romaji", max_length=80),
        "prefecture": identity.text("prefecture", required=True, max_length=10),
        "source": identity.text("source", max_length=500),
        "area_label": labels.text("area", required=True, max_length=20),
        "area_office_label": labels.text("area_office", required=True, max_length=20),
        "district_label": labels.text("district", max_length=40),
        "federation_label": labels.text("federation", required=True, max_length=40),
        "labels_en": {},
        "association_number_digits": code_format.integer("number_digits", minimum=1, maximum=9, default=4),
        "survey_month": survey.integer("month", required=True, minimum=1, maximum=12),
        "survey_day": survey.integer("day", required=True, minimum=1, maximum=31),
        "publication_min_households": publication.integer("min_households", default=20),
        "department_name": organisation.text("name", required=True, max_length=120),
        "department_short_name": organisation.text("short_name", required=True, max_length=40),
        "department_phone": organisation.text("phone", max_length=20),
        "department_email": organisation.text("email", max_length=254),
        "department_address": organisation.text("address", max_length=200),
    }
    organisation.text("source", max_length=500)
    english = labels.table("en", required=False)
    for key in ("area", "area_office", "district", "federation", "department"):
        word = english.text(key, max_length=60)
        if word:
            values["labels_en"][key] = word
    month, day = values["survey_month"], values["survey_day"]
    if isinstance(month, int) and isinstance(day, int):
        try:
            dt.date(2001, month, day)  # not a leap year: 29 February would not exist every year
        except ValueError:
            survey.fail(
                "day",
                _("毎年ある日付にしてください（%(month)d月%(day)d日）。") % {"month": month, "day": day},
            )
    for table in (root, identity, labels, english, code_format, survey, publication, organisation):
        table.unknown_keys()
    return values


def _read_areas(problems, document, city) -> list[dict]:
    root = Table(problems, "areas.toml", "", document)
    areas, seen = [], {}
    for table in root.tables("area", required=True):
        area = {
            "code": table.text("code", required=True, pattern=CODE_RE),
            "name": table.text("name", required=True, max_length=40),
            "kana": table.text("kana", required=True, max_length=80),
            "romaji": table.text("romaji", required=True, max_length=80),
            "established_on": table.date("established_on"),
            "area_km2": table.decimal("area_km2"),
            "office_name": table.text("office_name", max_length=80),
            "office_address": table.text("office_address", max_length=200),
            "office_phone": table.text("office_phone", max_length=20),
            "registry": [],
        }
        table.text("source", max_length=500)
        if area["code"] in seen:
            table.fail(
                "code",
                _("%(code)s は %(other)s と重複しています。")
                % {"code": area["code"], "other": seen[area["code"]]},
            )
        seen[area["code"]] = table.path
        dates = set()
        for entry in table.tables("registry"):
            registry = {
                "date": entry.date("date", required=True),
                "households": entry.integer("households", required=True),
                "source": entry.text("source", required=True, max_length=300),
            }
            if registry["date"] in dates:
                entry.fail("date", _("同じ日付が2回あります。"))
            dates.add(registry["date"])
            entry.unknown_keys()
            area["registry"].append(registry)
        table.unknown_keys()
        areas.append(area)
    root.unknown_keys()
    code = city.get("code")
    if code and len(areas) > 1 and any(a["code"] == code for a in areas):
        root.fail(
            "area",
            _("市全体のコード %(code)s は、第1階層が市全体の1つだけのときに使えます。") % {"code": code},
        )
    return areas


def _read_plan(problems, document) -> tuple[list[dict], list[dict], dict]:
    root = Table(problems, "plan.toml", "", document)
    targets, indicators, seen = [], [], set()
    about = root.table("plan", required=False)
    plan = {
        "plan_name": about.text("name", max_length=200),
        "plan_name_en": about.text("name_en", max_length=200),
        "plan_first_fiscal_year": about.integer("first_fiscal_year", minimum=1900, maximum=2200),
        "plan_last_fiscal_year": about.integer("last_fiscal_year", minimum=1900, maximum=2200),
        "plan_source": about.text("source", max_length=500),
    }
    if plan["plan_name_en"] and not plan["plan_name"]:
        about.fail("name_en", _("英語の名称だけでは書けません（name も書いてください）。"))
    first, last = plan["plan_first_fiscal_year"], plan["plan_last_fiscal_year"]
    if first is not None and last is not None and first > last:
        about.fail("last_fiscal_year", _("初年度より前です。"))
    about.unknown_keys()
    for table in root.tables("target"):
        target = {
            "metric": table.text("metric", required=True, choices=METRICS),
            "kind": table.text("kind", required=True, choices=TARGET_KINDS),
            "fiscal_year": table.integer("fiscal_year", required=True, minimum=1900, maximum=2200),
            "value": table.decimal("value", required=True),
            "source": table.text("source", required=True, max_length=300),
        }
        key = (target["metric"], target["kind"], target["fiscal_year"])
        if key in seen:
            table.fail("fiscal_year", _("同じ指標・種別・年度が2回あります。"))
        seen.add(key)
        table.unknown_keys()
        targets.append(target)
    codes = set()
    for table in root.tables("indicator"):
        indicator = {
            "code": table.text("code", required=True, max_length=40, pattern=SLUG_RE),
            "basic_goal": table.integer("basic_goal", required=True, minimum=1, maximum=99),
            "name": table.text("name", required=True, max_length=200),
            "unit": table.text("unit", required=True, max_length=20),
            "decimals": table.integer("decimals", default=0, maximum=4),
            "baseline_fiscal_year": table.integer("baseline_fiscal_year", minimum=1900, maximum=2200),
            "baseline_value": table.decimal("baseline_value"),
            "target_fiscal_year": table.integer("target_fiscal_year", minimum=1900, maximum=2200),
            "target_value": table.decimal("target_value"),
            "linked_target_metric": table.text("linked_target_metric", choices=("", *METRICS)),
            "source": table.text("source", required=True, max_length=300),
        }
        if indicator["code"] in codes:
            table.fail("code", _("同じ指標コードが2回あります。"))
        codes.add(indicator["code"])
        table.unknown_keys()
        indicators.append(indicator)
    root.unknown_keys()
    return targets, indicators, plan


def _read_programmes(problems, file, document, year) -> list[dict]:
    root = Table(problems, file, "", document)
    declared = root.integer("fiscal_year", required=True, minimum=1900, maximum=2200)
    if declared is not None and declared != year:
        root.fail("fiscal_year", _("ファイル名の年度（%(year)d）と違います。") % {"year": year})
    programmes, codes = [], set()
    for table in root.tables("programme", required=True):
        programme = {
            "code": table.text("code", required=True, max_length=40, pattern=SLUG_RE),
            "name": table.text("name", required=True, max_length=120),
            "short_name": table.text("short_name", max_length=20),
            "kind": table.text("kind", default="application", choices=PROGRAMME_KINDS),
            "review_path": table.text("review", default="area_then_city", choices=REVIEW_PATHS),
            "budget": table.integer("budget"),
            "opens_on": table.date("opens_on"),
            "closes_on": table.date("closes_on"),
            "one_application_per_year": table.boolean("one_application_per_year"),
            "summary": table.text("summary"),
            "source": table.text("source"),
            "note": table.text("note"),
        }
        if (
            programme["opens_on"]
            and programme["closes_on"]
            and programme["opens_on"] > programme["closes_on"]
        ):
            table.fail("closes_on", _("受付開始日より前です。"))
        if programme["code"] in codes:
            table.fail("code", _("同じ制度コードが2回あります。"))
        if programme["code"] == RESERVED_PROGRAMME_CODE:
            table.fail(
                "code",
                _("%(code)s はサンプルデータ用に予約されています。") % {"code": RESERVED_PROGRAMME_CODE},
            )
        codes.add(programme["code"])
        programme["documents"] = []
        for entry in table.tables("document"):
            programme["documents"].append(
                {
                    "kind": entry.text("kind", required=True, choices=DOCUMENT_KINDS),
                    "description": entry.text("description", max_length=200),
                }
            )
            entry.unknown_keys()
        programme["rules"] = [_read_rule(entry) for entry in table.tables("rule", required=True)]
        categories = [rule["category"] for rule in programme["rules"]]
        if len(set(categories)) != len(categories):
            table.fail("rule", _("同じ区分（category）の規則が2つあります。"))
        table.unknown_keys()
        programmes.append(programme)
    root.unknown_keys()
    return programmes


def _read_rule(table: Table) -> dict:
    rule = {
        "category": table.text("category", max_length=40, pattern=SLUG_RE),
        "name": table.text("name", required=True, max_length=80),
        "method": table.text("method", default="rate", choices=METHODS),
        "cap": table.integer("cap"),
        "rounding_unit": table.integer("rounding_unit", default=1, minimum=1),
        "per_m2_amount": table.integer("per_m2_amount"),
        "per_household_amount": table.integer("per_household_amount"),
        "tax_numerator": table.integer("tax_numerator", maximum=100),
        "tax_denominator": table.integer("tax_denominator", minimum=1),
        "requires_hall": table.boolean("requires_hall"),
        "repeat_grant_interval_years": table.integer("repeat_grant_interval_years", maximum=100),
        "needs_confirmation": table.boolean("needs_confirmation"),
        "source": table.text("source"),
        "note": table.text("note"),
    }
    if rule["method"] == "floor_area" and rule["per_m2_amount"] is None:
        table.fail("per_m2_amount", _('method = "floor_area" には per_m2_amount が必要です。'))
    if rule["method"] == "per_household" and rule["per_household_amount"] is None:
        table.fail(
            "per_household_amount", _('method = "per_household" には per_household_amount が必要です。')
        )
    if (rule["tax_numerator"] is None) != (rule["tax_denominator"] is None):
        table.fail(
            "tax_numerator", _("tax_numerator と tax_denominator は両方書くか、両方とも省いてください。")
        )
    rule["kinds"], codes = [], set()
    for entry in table.tables("kind"):
        kind = {
            "code": entry.text("code", required=True, max_length=40, pattern=SLUG_RE),
            "name": entry.text("name", required=True, max_length=80),
            "examples": entry.text("examples", max_length=300),
            "rate_numerator": None,
            "rate_denominator": None,
        }
        if entry.has("rate"):
            rate = entry.get("rate", list, required=False, describe=_("[分子, 分母] の形"))
            if (
                not isinstance(rate, list)
                or len(rate) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in rate)
                or rate[0] < 0
                or rate[1] <= 0
                or rate[0] > rate[1]
            ):
                entry.fail(
                    "rate", _("補助率は [分子, 分母] の整数で、分子は分母以下にしてください（例: [2, 3]）。")
                )
            else:
                kind["rate_numerator"], kind["rate_denominator"] = rate
        if kind["code"] in codes:
            entry.fail("code", _("同じ経費の種類コードが2回あります。"))
        codes.add(kind["code"])
        entry.unknown_keys()
        rule["kinds"].append(kind)
    table.unknown_keys()
    return rule


def _read_sample(problems, document, areas, city) -> dict:
    root = Table(problems, "sample.toml", "", document)
    codes = {a["code"] for a in areas}
    sample = {
        "associations": root.integer("associations", required=True, minimum=1, maximum=100_000),
        "districts": root.integer("districts", default=0, maximum=10_000),
        "federations": root.integer("federations", default=0, maximum=10_000),
        "registry_date": root.date("registry_date"),
        "anchor_date": root.date("anchor_date", required=True),
        "anchor_members": root.integer("anchor_members", minimum=1),
        "households": root.integer("households", minimum=1),
        "household_growth": root.get(
            "household_growth", (int, float), required=False, default=0.0, describe=_("数")
        ),
        "interpolated": [],
        "rates_source": root.text("rates_source", required=True, max_length=300),
        "rates": {},
        "districts_per_area": {},
        "offices": {},
    }
    if (sample["anchor_members"] is None) == (sample["households"] is None):
        root.fail("anchor_members", _("anchor_members と households のどちらか一方を書いてください。"))
    interpolated = root.get("interpolated", list, required=False, default=[], describe=_("日付の並び"))
    for value in interpolated or []:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            sample["interpolated"].append(value)
        else:
            root.fail("interpolated", _("日付の並びで書いてください（例: [2024-01-01]）。"))
    rates = root.table("rates")
    for key in rates.data:
        rates.used.add(key)
        try:
            day = dt.date.fromisoformat(key)
            rate = Decimal(str(rates.data[key]))
            if not (0 < rate <= 100):
                raise InvalidOperation
        except (ValueError, InvalidOperation):
            rates.fail(key, _('日付 = "加入率" の形で書いてください（例: 2023-01-01 = "69.40"）。'))
            continue
        sample["rates"][day] = rate
    survey = (city.get("survey_month"), city.get("survey_day"))
    for day in sample["rates"]:
        if (day.month, day.day) != survey and None not in survey:
            rates.fail(
                day.isoformat(),
                _("調査基準日（city.toml の survey: %(month)s月%(day)s日）の日付にしてください。")
                % {"month": survey[0], "day": survey[1]},
            )
    if sample["anchor_date"] and sample["anchor_date"] not in sample["rates"]:
        rates.fail("", _("anchor_date（%(date)s）の加入率がありません。") % {"date": sample["anchor_date"]})
    for day in sample["interpolated"]:
        if day not in sample["rates"]:
            root.fail("interpolated", _("%(date)s は [rates] にありません。") % {"date": day})
    per_area = root.table("districts_per_area", required=False)
    for key, value in per_area.data.items():
        per_area.used.add(key)
        if key not in codes:
            per_area.fail(key, _("areas.toml にない区域コードです。"))
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            per_area.fail(key, _("1以上の整数で書いてください。"))
        else:
            sample["districts_per_area"][key] = value
    offices = root.table("offices", required=False)
    for key, value in offices.data.items():
        offices.used.add(key)
        if key not in codes:
            offices.fail(key, _("areas.toml にない区域コードです。"))
        elif (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)
            or not (-90 <= value[0] <= 90 and -180 <= value[1] <= 180)
        ):
            offices.fail(key, _("[緯度, 経度] の形で書いてください（例: [43.0554, 141.3410]）。"))
        else:
            sample["offices"][key] = (float(value[0]), float(value[1]))
    if sample["registry_date"]:
        missing = [
            a["name"] for a in areas if not any(r["date"] == sample["registry_date"] for r in a["registry"])
        ]
        if missing:
            root.fail(
                "registry_date",
                _("%(date)s の住民基本台帳世帯数が areas.toml にない区域があります: %(names)s")
                % {"date": sample["registry_date"], "names": _("、").join(missing)},
            )
    for table in (root, rates, per_area, offices):
        table.unknown_keys()
    return sample
