"""manage.py membership_stats: the same figures for staff who script."""

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import AssociationFactory, HouseholdCountFactory, ward

pytestmark = pytest.mark.django_db


@pytest.fixture
def counts():
    a = AssociationFactory(ward=ward("01101"))
    b = AssociationFactory(ward=ward("01102"))
    empty = AssociationFactory(ward=ward("01103"))
    HouseholdCountFactory(
        association=a, survey_date=dt.date(2023, 1, 1), households=1000, member_households=694
    )
    HouseholdCountFactory(association=b, survey_date=dt.date(2023, 1, 1), households=3, member_households=1)
    HouseholdCountFactory(
        association=empty, survey_date=dt.date(2023, 1, 1), households=0, member_households=0
    )
    return a, b, empty


def run(*args):
    out = io.StringIO()
    call_command("membership_stats", *args, stdout=out)
    return out.getvalue()


def test_json_has_the_documented_keys_and_two_decimal_rates(counts):
    records = json.loads(run("--survey-date", "2023-01-01", "--level", "ward", "--format", "json"))
    assert [r["code"] for r in records] == ["01101", "01102", "01103"]
    first = records[0]
    assert {
        "level",
        "code",
        "name",
        "survey_date",
        "households",
        "member_households",
        "rate",
        "denominator",
    } <= set(first)
    assert first == first | {
        "level": "ward",
        "name": "中央区",
        "survey_date": "2023-01-01",
        "households": 1000,
        "member_households": 694,
        "rate": 69.4,
        "denominator": "area_households",
    }
    assert records[1]["rate"] == 33.33
    assert records[2]["rate"] is None


def test_city_level_json(counts):
    [city] = json.loads(run("--survey-date", "2023-01-01", "--format", "json"))
    assert (city["level"], city["code"], city["households"], city["member_households"]) == (
        "city",
        "01100",
        1003,
        695,
    )


def test_ward_filter(counts):
    records = json.loads(
        run("--survey-date", "2023-01-01", "--level", "association", "--ward", "01102", "--format", "json")
    )
    assert [r["code"] for r in records] == [counts[1].code]


def test_csv_and_table_formats(counts):
    csv_text = run("--survey-date", "2023-01-01", "--level", "ward", "--format", "csv")
    assert csv_text.splitlines()[0].startswith(
        "level,code,name,survey_date,households,member_households,rate"
    )
    assert "01101,中央区,2023-01-01,1000,694,69.4" in csv_text
    table = run("--survey-date", "2023-01-01", "--level", "ward")
    assert "中央区" in table and "69.40" in table and "—" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--survey-date", "2023-13-01"], "日付として読めません"),
        (["--survey-date", "yesterday"], "日付として読めません"),
        (["--survey-date", "2023-01-01", "--level", "ward", "--ward", "99999"], "区はありません"),
        (["--survey-date", "2030-01-01"], "登録されていません"),
        (["--survey-date", "2023-01-01", "--ward", "01101"], "--level"),
    ],
)
def test_bad_input_fails_with_a_clear_message(counts, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_bad_date_exits_non_zero_from_the_shell(tmp_path):
    # The date is refused before the counts are read. The command still opens the database (its help
    # names the loaded city's areas): an empty one of its own, never the checkout's db.sqlite3.
    database = tmp_path / "empty.sqlite3"
    result = subprocess.run(
        [sys.executable, "manage.py", "membership_stats", "--survey-date", "nope"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={
            **os.environ,
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "chonaikai.test_settings",
            "DATABASE_URL": f"sqlite:///{database}",
        },
    )
    assert result.returncode != 0
    assert "日付として読めません" in result.stderr


def test_table_states_the_survey_date_and_the_date_the_change_compares_with(counts):
    a, _b, _empty = counts
    HouseholdCountFactory(
        association=a, survey_date=dt.date(2022, 1, 1), households=990, member_households=700
    )
    out = run("--survey-date", "2023-01-01", "--format", "table")
    assert "調査基準日: 2023-01-01" in out
    assert "前回比の比較対象: 2022-01-01" in out


def test_table_says_when_there_is_no_previous_survey_to_compare_with(counts):
    out = run("--survey-date", "2023-01-01", "--format", "table")
    assert "調査基準日: 2023-01-01" in out and "前回の調査なし" in out
