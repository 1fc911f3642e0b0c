"""load_city: a profile checked whole, written all or nothing, idempotent, one city per database."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chonaikai.associations.models import Target
from chonaikai.audit.models import AuditEvent
from chonaikai.cities import current
from chonaikai.cities.models import City
from chonaikai.cities.profile import ProfileError, read_profile
from chonaikai.operations import city_profile as loading
from chonaikai.plan.models import Indicator
from chonaikai.subsidies.models import DocumentRequirement, Programme, ProgrammeRule
from wards.models import Ward, WardTotal

from .conftest import MINATO, REPO

pytestmark = pytest.mark.django_db


def load(folder, capsys=None):
    call_command("load_city", str(folder))
    return capsys.readouterr().out if capsys else None


def copy_profile(tmp_path, source=MINATO) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


# Loading a city into an empty database


def test_a_profile_creates_the_city_its_areas_plan_and_programmes(empty_database, capsys):
    out = load(MINATO, capsys)

    city = City.objects.get()
    assert (city.code, city.name, city.area_label, city.area_office_label, city.district_label) == (
        "99100",
        "湊市",
        "地区",
        "支所",
        "",
    )
    assert (city.survey_month, city.survey_day, city.association_number_digits) == (4, 1, 3)
    assert city.publication_min_households == 10
    assert city.department_short_name == "市民協働課"
    assert list(Ward.objects.values_list("code", "name", "office_name")) == [
        ("99101", "湊北地区", "湊北支所"),
        ("99102", "湊南地区", "湊南支所"),
    ]
    assert sorted(WardTotal.objects.values_list("ward__code", "registry_households")) == [
        ("99101", 4200),
        ("99102", 3100),
    ]
    assert Target.objects.get().value == Decimal("6000")
    assert Indicator.objects.get().target_value == Decimal("50")
    programme = Programme.objects.get()
    assert (programme.code, programme.fiscal_year, programme.review_path, programme.budget) == (
        "hall_repair",
        2026,
        "city_only",
        2_000_000,
    )
    rule = ProgrammeRule.objects.get()
    assert (rule.cap, rule.rounding_unit, rule.requires_hall, rule.needs_confirmation) == (
        300_000,
        1000,
        True,
        True,
    )
    assert [(k.code, k.rate_numerator, k.rate_denominator) for k in rule.kinds.all()] == [("works", 1, 2)]
    assert list(DocumentRequirement.objects.values_list("kind", "description")) == [
        ("estimate", "修繕の内訳がわかるもの")
    ]
    assert "湊市 を読み込みました" in out
    assert "更新 0" in out  # a first load only adds
    assert AuditEvent.objects.filter(action="city.profile_loaded").count() == 1


def test_a_city_without_a_plan_name_gets_a_plan_page_that_names_none(empty_database, client):
    load(MINATO)

    page = client.get("/plan/").content.decode()

    assert "計画の成果指標について、基準値、各年度の実績値、目標値を掲載しています。" in page
    assert "地域活動に参加した市民の割合" in page


def test_english_pages_name_the_plan_by_its_english_name_where_the_profile_gives_one(
    empty_database, tmp_path, client
):
    folder = copy_profile(tmp_path)
    text = (folder / "plan.toml").read_text(encoding="utf-8")
    plan = '[plan]\nname = "湊市地域活動計画"\nname_en = "Minato Community Activity Plan"\n\n'
    write(folder, "plan.toml", plan + text)
    load(folder)

    japanese = client.get("/plan/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/plan/"})
    english = client.get("/plan/").content.decode()

    assert "Minato Community Activity Plan" in english and "湊市地域活動計画" not in english
    assert "湊市地域活動計画" in japanese and "Minato Community Activity Plan" not in japanese
    City.objects.update(plan_name_en="")
    current.forget()
    assert "湊市地域活動計画" in client.get("/plan/").content.decode()


def test_the_loaded_city_is_what_the_program_reads(empty_database):
    load(MINATO)

    assert current.city().name == "湊市"
    assert current.labels().area == "地区"
    assert current.labels().has_districts is False
    assert current.survey_date(2025).isoformat() == "2025-04-01"


def test_loading_the_same_profile_again_changes_nothing(empty_database, capsys):
    load(MINATO)
    history = Programme.history.count(), ProgrammeRule.history.count()
    events = AuditEvent.objects.count()
    capsys.readouterr()

    out = load(MINATO, capsys)

    assert "湊市: 変更はありません。" in out
    assert (Programme.history.count(), ProgrammeRule.history.count()) == history
    assert AuditEvent.objects.count() == events


def test_an_edited_profile_updates_what_changed_and_says_so(empty_database, tmp_path, capsys):
    load(MINATO)
    edited = copy_profile(tmp_path)
    text = (edited / "programmes" / "2026.toml").read_text()
    (edited / "programmes" / "2026.toml").write_text(text.replace("budget = 2000000", "budget = 2500000"))
    capsys.readouterr()

    out = load(edited, capsys)

    assert Programme.objects.get().budget == 2_500_000
    assert "2026 hall_repair: budget 2000000 → 2500000" in out
    assert Programme.history.filter(budget=2_500_000).exists()
    event = AuditEvent.objects.filter(action="city.profile_loaded").latest("id")
    assert "budget 2000000 → 2500000" in event.comment


def test_a_rule_staff_confirmed_stays_confirmed_when_the_profile_is_loaded_again(empty_database, city_admin):
    from chonaikai.subsidies.services.programmes import rule_confirm

    load(MINATO)
    rule_confirm(actor=city_admin, rule_id=ProgrammeRule.objects.get().pk)

    load(MINATO)

    assert ProgrammeRule.objects.get().needs_confirmation is False


def test_an_area_the_profile_no_longer_lists_is_kept_and_named(empty_database, tmp_path, capsys):
    load(MINATO)
    edited = copy_profile(tmp_path)
    areas = (edited / "areas.toml").read_text()
    (edited / "areas.toml").write_text(areas[: areas.index("[[area]]", 10)])
    capsys.readouterr()

    out = load(edited, capsys)

    assert Ward.objects.filter(code="99102").exists()
    assert "プロファイルにない区域（残しています）: 99102 湊南地区" in out


# One municipality per database


def test_a_second_city_is_refused_and_nothing_is_written(capsys):
    # The suite's database holds the Sapporo profile.
    before = City.objects.get().code, Ward.objects.count()

    with pytest.raises(CommandError) as error:
        load(MINATO)

    assert "1つのデータベースには1つの市町村だけ" in str(error.value)
    assert "何も書き込んでいません" in str(error.value)
    assert (City.objects.get().code, Ward.objects.count()) == before
    assert not Ward.objects.filter(code__startswith="991").exists()


def test_areas_of_another_city_without_a_city_row_are_refused(empty_database):
    Ward.objects.create(code="01101", name="よその区", kana="よそのく", romaji="")

    with pytest.raises(CommandError, match="別の市町村のデータ"):
        load(MINATO)

    assert not City.objects.exists()


def test_a_failure_halfway_leaves_the_database_as_it_was(empty_database, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loading, "_load_programme", broken)

    with pytest.raises(RuntimeError):
        load(MINATO)

    assert not City.objects.exists()
    assert not Ward.objects.exists()
    assert not Target.objects.exists()


# Mistakes in a profile: every one named by file and key, nothing written


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("city.toml", 'code = "99100"', 'code = "9910"', "city.toml: city.code: 形式が違います"),
        ("city.toml", 'name = "湊市"\n', "", "city.toml: city.name: 必須の項目がありません"),
        ("city.toml", "month = 4", "month = 13", "city.toml: survey.month: 範囲外の値です"),
        ("city.toml", "day = 1", "day = 31", "city.toml: survey.day: 毎年ある日付にしてください"),
        ("city.toml", "[labels]", '[labels]\nwards = "区"', "city.toml: labels.wards: 知らない項目です"),
        ("city.toml", 'code = "99100"', "code = 99100", "city.toml: city.code: 文字列で書いてください"),
        (
            "city.toml",
            'phone = "0000-00-0000"',
            'phone = ""\nemail = "not-an-address"',
            "市町村 湊市: department_email",
        ),
        (
            "areas.toml",
            'code = "99102"',
            'code = "99101"',
            "areas.toml: area[2].code: 99101 は area[1] と重複",
        ),
        (
            "areas.toml",
            "households = 4200",
            "households = -1",
            "areas.toml: area[1].registry[1].households: 範囲外",
        ),
        ("areas.toml", 'romaji = "Minato-kita"\n', "", "areas.toml: area[1].romaji: 必須の項目がありません"),
        ("areas.toml", 'area_km2 = "12.50"', 'area_km2 = "広い"', "areas.toml: area[1].area_km2: 0以上の数"),
        (
            "plan.toml",
            "[[target]]",
            '[plan]\nname_en = "Plan"\n\n[[target]]',
            "plan.toml: plan.name_en: 英語の名称だけでは書けません",
        ),
        (
            "plan.toml",
            'kind = "target"',
            'kind = "goal"',
            "plan.toml: target[1].kind: 次のどれかにしてください",
        ),
        (
            "programmes/2026.toml",
            "rate = [1, 2]",
            "rate = [3, 2]",
            "programmes/2026.toml: programme[1].rule[1].kind[1].rate: 補助率は",
        ),
        (
            "programmes/2026.toml",
            'review = "city_only"',
            'review = "ward"',
            "programmes/2026.toml: programme[1].review: 次のどれかにしてください",
        ),
        (
            "programmes/2026.toml",
            "fiscal_year = 2026",
            "fiscal_year = 2025",
            "ファイル名の年度（2026）と違います",
        ),
        ("sample.toml", '2024-04-01 = "60.5"', '2024-04-01 = "160"', "sample.toml: rates.2024-04-01"),
        (
            "sample.toml",
            '2023-04-01 = "62.0"',
            '2023-01-01 = "62.0"',
            "sample.toml: rates.2023-01-01: 調査基準日",
        ),
        ("sample.toml", "households = 7000", "", "anchor_members と households のどちらか一方"),
    ],
)
def test_a_mistake_is_named_by_file_and_key_and_nothing_is_written(
    empty_database, tmp_path, file, old, new, message
):
    folder = copy_profile(tmp_path)
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text
    write(folder, file, text.replace(old, new, 1))

    with pytest.raises(CommandError) as error:
        load(folder)

    assert message in str(error.value)
    assert "何も書き込んでいません" in str(error.value)
    assert not City.objects.exists()
    assert not Ward.objects.exists()


def test_every_mistake_is_listed_at_once(tmp_path):
    folder = copy_profile(tmp_path)
    text = (folder / "city.toml").read_text()
    write(folder, "city.toml", text.replace('code = "99100"', 'code = "x"').replace("month = 4", "month = 0"))

    with pytest.raises(ProfileError) as error:
        read_profile(folder)

    assert len(error.value.problems) == 2


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda f: (f / "areas.toml").unlink(), "areas.toml: 必須のファイルがありません"),
        (lambda f: write(f, "city.toml", "[city\ncode = 1"), "city.toml: TOML の書き方の誤り"),
        (
            lambda f: (f / "city.toml").write_bytes("[city]\nname = '湊'".encode("cp932")),
            "city.toml: UTF-8 で保存",
        ),
        (lambda f: write(f, "programmes/next.toml", "fiscal_year = 2027"), "年度の4桁にしてください"),
    ],
)
def test_files_that_cannot_be_read_are_named(tmp_path, setup, message):
    folder = copy_profile(tmp_path)
    setup(folder)

    with pytest.raises(ProfileError, match=message):
        read_profile(folder)


def test_a_folder_that_is_not_there_is_named(tmp_path):
    with pytest.raises(CommandError, match="プロファイルのフォルダがありません"):
        load(tmp_path / "nowhere")


def test_dry_run_checks_and_writes_nothing(empty_database, capsys):
    call_command("load_city", str(MINATO), "--dry-run")

    assert "問題はありません" in capsys.readouterr().out
    assert not City.objects.exists()


# The shipped profiles


@pytest.mark.parametrize(
    "folder", sorted(p for p in (REPO / "cities").iterdir() if p.is_dir()), ids=lambda p: p.name
)
def test_every_shipped_profile_is_valid(folder):
    profile = read_profile(folder)

    assert profile.areas
    assert profile.city["code"]
