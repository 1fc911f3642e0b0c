"""manage.py import_counts: messages, exit codes, --dry-run, --ward and --user."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from chonaikai.associations.models import HouseholdCount
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

HEADER = ["町内会コード", "町内会名", "区域内世帯数", "加入世帯数", "備考"]


@pytest.fixture
def associations(db):
    a = AssociationFactory(ward=ward("01101"), code="01101-0001", name="大通町内会")
    b = AssociationFactory(ward=ward("01102"), code="01102-0001", name="北町内会")
    return a, b


def workbook(tmp_path, rows, name="counts.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "中央区"
    ws.append(["令和6年1月1日現在"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_counts", *map(str, args), stdout=out, stderr=err)
    except CommandError as e:
        return out.getvalue(), err.getvalue(), e
    return out.getvalue(), err.getvalue(), None


def test_import_writes_the_counts_and_says_so(associations, tmp_path):
    path = workbook(tmp_path, [["01101-0001", "大通町内会", 100, 80], ["01102-0001", "北町内会", 50, 20]])
    out, err, error = run(path, "--survey-date", "2024-01-01")
    assert error is None and err == ""
    assert "2024-01-01 の世帯数を取り込みました: 新規 2件、更新 0件、変更なし 0件。" in out
    count = HouseholdCount.objects.get(association__code="01101-0001")
    assert (count.households, count.source, count.entered_by, count.survey_date) == (
        100,
        "import",
        None,
        dt.date(2024, 1, 1),
    )


def test_errors_are_printed_with_sheet_row_and_column_and_nothing_is_written(associations, tmp_path):
    path = workbook(tmp_path, [["01101-0001", "大通町内会", 100, 80], ["01102-0001", "北町内会", 50, "abc"]])
    out, err, error = run(path, "--survey-date", "2024-01-01")
    assert "エラー: シート「中央区」 4行目 「加入世帯数」列: 数値ではありません（「abc」）。" in err
    assert "エラー 1件" in out
    assert str(error) == "エラーが1件あるため、取り込みませんでした。"
    assert not HouseholdCount.objects.exists()


def test_warnings_are_printed_and_do_not_stop_the_import(associations, tmp_path):
    path = workbook(tmp_path, [["01101-0001", "大通り町内会", 100, 0]])  # the name differs; 0 members
    out, _, error = run(path, "--survey-date", "2024-01-01")
    assert error is None
    assert out.count("警告: シート「中央区」 3行目") == 2
    assert HouseholdCount.objects.count() == 1


def test_errors_exit_with_a_non_zero_status(associations, tmp_path, capsys):
    path = workbook(tmp_path, [["01101-0999", "幻町内会", 1, 1]])
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "import_counts", str(path), "--survey-date", "2024-01-01"]).execute()
    assert exit_.value.code == 1
    assert "01101-0999 は登録されていません" in capsys.readouterr().err


def test_dry_run_prints_the_summary_and_writes_nothing(associations, tmp_path):
    a, _ = associations
    HouseholdCountFactory(association=a, survey_date=dt.date(2024, 1, 1), households=90, member_households=80)
    path = workbook(tmp_path, [["01101-0001", "大通町内会", 100, 80], ["01102-0001", "北町内会", 50, 20]])
    out, _, error = run(path, "--survey-date", "2024-01-01", "--dry-run")
    assert error is None
    assert (
        "counts.xlsx（調査基準日 2024-01-01）: 2行、新規 1件、変更 1件、変更なし 0件、エラー 0件、警告 0件"
        in out
    )
    assert "何も書き込んでいません" in out
    assert list(HouseholdCount.objects.values_list("households", flat=True)) == [90]


def test_dry_run_with_errors_still_exits_non_zero(associations, tmp_path):
    path = workbook(tmp_path, [["01101-0001", "大通町内会", -1, 0]])
    _, err, error = run(path, "--survey-date", "2024-01-01", "--dry-run")
    assert error is not None and "負の数" in err


def test_verbosity_2_lists_every_row_with_its_change(associations, tmp_path):
    a, _ = associations
    HouseholdCountFactory(association=a, survey_date=dt.date(2024, 1, 1), households=90, member_households=80)
    path = workbook(tmp_path, [["01101-0001", "大通町内会", 100, 80]])
    out, _, _ = run(path, "--survey-date", "2024-01-01", "--dry-run", "--verbosity", "2")
    assert "変更\t01101-0001\t大通町内会\t90 / 80 → 100（+10） / 80" in out


def test_ward_option_turns_rows_of_other_wards_into_errors(associations, tmp_path):
    path = workbook(tmp_path, [["01101-0001", "大通町内会", 100, 80], ["01102-0001", "北町内会", 50, 20]])
    _, err, error = run(path, "--survey-date", "2024-01-01", "--ward", "01102")
    assert error is not None
    assert (
        "3行目 「町内会コード」列: 大通町内会（01101-0001）は中央区の町内会です。この取込は北区の町内会だけが対象です。"
        in err
    )
    assert not HouseholdCount.objects.exists()


def test_user_option_applies_the_users_scope(associations, ward_staff_kita, tmp_path):
    path = workbook(tmp_path, [["01101-0001", "大通町内会", 100, 80], ["01102-0001", "北町内会", 50, 20]])
    _, err, error = run(path, "--survey-date", "2024-01-01", "--user", ward_staff_kita.username)
    assert error is not None and "中央区の世帯数を取り込む権限がありません" in err

    own = workbook(tmp_path, [["01102-0001", "北町内会", 50, 20]], name="kita.xlsx")
    _, _, error = run(own, "--survey-date", "2024-01-01", "--user", ward_staff_kita.username)
    assert error is None
    count = HouseholdCount.objects.get()
    assert count.entered_by == ward_staff_kita and count.history.get().history_user == ward_staff_kita


def test_second_run_of_the_same_file_changes_nothing(associations, tmp_path):
    path = workbook(tmp_path, [["01101-0001", "大通町内会", 100, 80]])
    run(path, "--survey-date", "2024-01-01")
    out, _, _ = run(path, "--survey-date", "2024-01-01")
    assert "新規 0件、更新 0件、変更なし 1件" in out
    assert HouseholdCount.history.count() == 1


def test_cp932_csv_is_read(associations, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_bytes(
        '町内会コード,町内会名,区域内世帯数,加入世帯数\r\n01101-0001,大通町内会,"1,000",８００\r\n'.encode(
            "cp932"
        )
    )
    _, _, error = run(path, "--survey-date", "2024-01-01")
    assert error is None
    assert HouseholdCount.objects.get().member_households == 800


def test_export_template_fill_and_import_through_the_commands(associations, tmp_path):
    template = tmp_path / "chuo.xlsx"
    call_command(
        "export_counts",
        "--ward",
        "01101",
        "--survey-date",
        "2024-01-01",
        "--out",
        str(template),
        stdout=io.StringIO(),
    )
    wb = openpyxl.load_workbook(template)
    wb.active["E5"], wb.active["F5"] = 120, 95
    wb.save(template)
    _, _, error = run(template, "--survey-date", "2024-01-01", "--ward", "01101")
    assert error is None
    assert HouseholdCount.objects.get().households == 120


@pytest.mark.parametrize(
    "args, message",
    [
        (["--survey-date", "2024/01/01"], "日付として読めません"),
        (["--survey-date", "2024-01-01", "--ward", "09999"], "区コード「09999」の区はありません"),
        (["--survey-date", "2024-01-01", "--user", "nobody"], "利用者「nobody」はいないか"),
    ],
)
def test_bad_options_are_refused(associations, tmp_path, args, message):
    path = workbook(tmp_path, [["01101-0001", "大通町内会", 100, 80]])
    _, _, error = run(path, *args)
    assert error is not None and message in str(error)


def test_a_missing_file_is_refused(db, tmp_path):
    _, _, error = run(tmp_path / "none.xlsx", "--survey-date", "2024-01-01")
    assert "を読めません" in str(error)
