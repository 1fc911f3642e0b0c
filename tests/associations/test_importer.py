"""Household-count import: reading, parsing, checking (importer) and the all-or-nothing commit (services)."""

import dataclasses
import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chonaikai.associations import services, tasks
from chonaikai.associations.imports import importer
from chonaikai.associations.imports.importer import Col, RowStatus
from chonaikai.associations.models import Association, CountsUpload, HouseholdCount
from tests.factories import AssociationFactory, HouseholdCountFactory, UserFactory, ward
from wards.models import Ward

SURVEY = dt.date(2024, 1, 1)
HEADER = [Col.CODE, Col.NAME, Col.HOUSEHOLDS, Col.MEMBERS, Col.NOTE]


def xlsx(rows, *, header=HEADER, title_rows=(), sheet="中央区") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for title in title_rows:
        ws.append(title)
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows, *, encoding="utf-8", header=HEADER) -> bytes:
    lines = [",".join(f'"{c}"' if "," in str(c) else str(c) for c in r) for r in [header, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def preview(data, *, actor=None, filename="counts.xlsx", survey_date=SURVEY, ward=None):
    return importer.preview_file(data, filename=filename, survey_date=survey_date, actor=actor, ward=ward)


def messages(p, level=None):
    return [str(i) for i in p.issues if level is None or i.level == level]


def history_rows():
    return HouseholdCount.history.count()


@pytest.fixture
def chuo(db):
    """Three active associations of 中央区 and one of 北区."""
    a = AssociationFactory(ward=ward("01101"), code="01101-0001", name="大通町内会")
    b = AssociationFactory(ward=ward("01101"), code="01101-0002", name="円山町内会")
    c = AssociationFactory(ward=ward("01101"), code="01101-0003", name="桑園町内会")
    k = AssociationFactory(ward=ward("01102"), code="01102-0001", name="北町内会")
    return a, b, c, k


# ---------------------------------------------------------------------------------------------
# Cells (no database)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, expected",
    [
        (1234, 1234),
        (1234.0, 1234),
        ("1234", 1234),
        ("1,234", 1234),
        ("１２３４", 1234),
        ("１，２３４", 1234),
        (" 1,234 ", 1234),
        ("\u3000１２３４\u3000", 1234),
        ("1234.0", 1234),
        ("1,234,567", 1234567),
        (0, 0),
        (None, None),
        ("", None),
        ("\u3000", None),
    ],
)
def test_counts_accept_whole_numbers_in_any_width_with_separators_and_spaces(cell, expected):
    assert importer.parse_count(cell) == expected


@pytest.mark.parametrize(
    "cell, message",
    [
        (12.5, "整数"),
        ("12.5", "整数"),
        ("１２．５", "整数"),
        (-5, "負の数"),
        ("-5", "負の数"),
        ("△5", "負の数"),
        ("abc", "数値ではありません"),
        ("12世帯", "数値ではありません"),
        ("1,23", "数値ではありません"),
        (True, "数値ではありません"),
        (dt.datetime(2024, 1, 1), "数値ではありません"),
        (float("nan"), "数値ではありません"),
    ],
)
def test_counts_reject_non_numbers_negatives_and_fractions(cell, message):
    with pytest.raises(ValueError, match=message):
        importer.parse_count(cell)


@pytest.mark.parametrize("cell", ["０１１０１－０００１", " 01101-0001 ", "01101ー0001", "01101−0001"])
def test_codes_are_folded_to_ascii_with_a_hyphen(cell):
    assert importer.normalize_code(cell) == "01101-0001"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_encoding_is_detected(encoding):
    text = "町内会コード,町内会名\n01101-0001,大通町内会①\n"
    if encoding == "cp932":
        text = text.replace("①", "㈱")  # a CP932-only character, not in plain Shift_JIS
    assert importer.decode_text(text.encode(encoding)) == text


def test_an_unsupported_file_type_cannot_be_read():
    with pytest.raises(importer.ImportFileError, match="読み込めない形式"):
        importer.read_tables(b"x", "counts.pdf")


def test_a_damaged_workbook_cannot_be_read():
    with pytest.raises(importer.ImportFileError, match="Excel ファイルとして読み込めませんでした"):
        importer.read_tables(b"PK\x03\x04 not really a zip", "c.xlsx")


def test_header_below_title_rows_with_columns_in_any_order_is_found():
    tables = importer.read_tables(
        xlsx(
            [["  5,000 ", "０１１０１－０００１", "大通町内会", 4000]],
            header=[" 区域内世帯数 ", "町内会ｺｰﾄﾞ", "町内会名", "加入世帯数"],
            title_rows=[["令和6年1月1日現在 町内会別世帯数"], [], ["中央区"]],
        ),
        "counts.xlsx",
    )
    parsed = importer.parse_tables(tables)
    assert parsed.issues == ()
    (row,) = parsed.rows
    assert (row.sheet, row.row, row.code, row.name, row.households, row.member_households, row.note) == (
        "中央区",
        5,
        "01101-0001",
        "大通町内会",
        5000,
        4000,
        None,
    )


def test_a_header_below_the_tenth_row_is_not_found():
    tables = importer.read_tables(xlsx([], title_rows=[["title"]] * 10), "counts.xlsx")
    parsed = importer.parse_tables(tables)
    (issue,) = parsed.issues
    assert issue.is_error and "見出し行が見つかりません" in issue.message


def test_a_missing_required_column_is_an_error_naming_sheet_row_and_column():
    tables = importer.read_tables(
        xlsx(
            [["01101-0001", "大通町内会", 100]],
            header=[Col.CODE, Col.NAME, Col.HOUSEHOLDS],
            title_rows=[["t"]],
        ),
        "c.xlsx",
    )
    (issue,) = importer.parse_tables(tables).issues
    assert (issue.level, issue.sheet, issue.row, issue.column) == ("error", "中央区", 2, Col.MEMBERS)
    assert (
        str(issue) == "シート「中央区」 2行目 「加入世帯数」列: 必須の列「加入世帯数」が見つかりません。"
        "見出しの名前を「加入世帯数」にするか、どの列が「加入世帯数」かを指定してください。"
    )


def test_empty_rows_are_skipped_and_total_and_unfilled_rows_are_skipped_with_a_warning():
    tables = importer.read_tables(
        xlsx(
            [
                ["01101-0001", "大通町内会", 100, 80],
                [],
                [None, None, None, None, None],
                ["01101-0002", "円山町内会", None, None],  # a template row nobody filled in
                [None, "合計", 100, 80],
            ]
        ),
        "c.xlsx",
    )
    parsed = importer.parse_tables(tables)
    assert [r.code for r in parsed.rows] == ["01101-0001"]
    assert [i.level for i in parsed.issues] == ["warning", "warning"]
    assert parsed.issues[0].message == "合計・小計の1行は取り込みません（6行目）。"
    assert "1行は取り込みません（5行目）" in parsed.issues[1].message


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param([], id="heading-only"),
        pytest.param([["01101-0001", "大通町内会", "", ""]], id="template-not-filled-in"),
        pytest.param([[None, "合計", 100, 80]], id="only-a-total-row"),
    ],
)
def test_a_file_with_no_row_to_import_is_an_error_not_an_empty_success(rows):
    """An empty template uploaded by mistake must not preview as ready with nothing in it."""
    parsed = importer.parse_tables(importer.read_tables(csv_bytes(rows), "c.csv"))
    assert parsed.rows == ()
    errors = [i for i in parsed.issues if i.is_error]
    assert [i.message for i in errors] == [
        "取り込む行がありません。見出し行の下に、町内会ごとの区域内世帯数と加入世帯数を入力してください。"
    ]


def test_a_sheet_with_no_row_beside_one_with_rows_is_no_error():
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.active.append(["01101-0001", "大通町内会", 100, 80])
    wb.create_sheet("北区").append(HEADER)
    out = io.BytesIO()
    wb.save(out)
    parsed = importer.parse_tables(importer.read_tables(out.getvalue(), "c.xlsx"))
    assert [r.code for r in parsed.rows] == ["01101-0001"] and parsed.issues == ()


def test_a_missing_column_is_not_also_reported_as_no_rows():
    parsed = importer.parse_tables(
        importer.read_tables(csv_bytes([], header=[Col.CODE, Col.NAME, Col.HOUSEHOLDS]), "c.csv")
    )
    assert not any("取り込む行がありません" in i.message for i in parsed.issues)


def test_an_exported_formula_escape_is_undone_when_reading():
    tables = importer.read_tables(xlsx([["01101-0001", "'=大通", 1, 1, "'+メモ"]]), "c.xlsx")
    (row,) = importer.parse_tables(tables).rows
    assert (row.name, row.note) == ("=大通", "+メモ")


# ---------------------------------------------------------------------------------------------
# Preview: checks against the register (one query each for associations and counts)
# ---------------------------------------------------------------------------------------------


def test_preview_shows_current_new_and_change_and_writes_nothing(chuo, city_admin):
    a, b, *_ = chuo
    HouseholdCountFactory(association=a, survey_date=SURVEY, households=500, member_households=400)
    HouseholdCountFactory(association=b, survey_date=SURVEY, households=300, member_households=200)
    before = (HouseholdCount.objects.count(), history_rows())

    p = preview(
        xlsx(
            [
                ["01101-0001", "大通町内会", 510, 395],  # changed
                ["01101-0002", "円山町内会", 300, 200],  # unchanged
                ["01101-0003", "桑園町内会", 1000, 700],  # new
            ]
        ),
        actor=city_admin,
    )

    assert not p.has_errors
    changed, unchanged, new = p.rows
    assert (changed.status, changed.current_households, changed.households, changed.households_change) == (
        RowStatus.CHANGED,
        500,
        510,
        10,
    )
    assert changed.member_households_change == -5
    assert unchanged.status == RowStatus.UNCHANGED
    assert (new.status, new.current_households, new.households_change) == (RowStatus.NEW, None, None)
    assert p.summary == importer.Summary(rows=3, new=1, changed=1, unchanged=1, errors=0, warnings=0)
    assert (HouseholdCount.objects.count(), history_rows()) == before


def test_unknown_code_is_an_error(chuo, city_admin):
    p = preview(xlsx([["01101-0999", "幻町内会", 10, 5]]), actor=city_admin)
    (issue,) = p.errors
    assert (issue.row, issue.column) == (2, Col.CODE)
    assert "01101-0999 は登録されていません" in issue.message


def test_malformed_code_is_an_error(chuo, city_admin):
    (issue,) = preview(xlsx([["1101-1", "大通町内会", 10, 5]]), actor=city_admin).errors
    assert "形式が正しくありません" in issue.message


@pytest.mark.parametrize(
    "status, label", [(Association.Status.DISSOLVED, "解散"), (Association.Status.MERGED, "合併により廃止")]
)
def test_dissolved_or_merged_association_is_an_error(chuo, city_admin, status, label):
    a, b, *_ = chuo
    a.status, a.ended_on, a.successor = status, dt.date(2023, 3, 31), b if status == "merged" else None
    a.save()
    (issue,) = preview(xlsx([["01101-0001", "大通町内会", 10, 5]]), actor=city_admin).errors
    assert f"「{label}」です（令和5年3月31日）" in issue.message  # 和暦, as the pages write dates


def test_a_duplicate_code_is_one_error_on_its_first_row_naming_every_row(chuo, city_admin):
    p = preview(
        xlsx(
            [
                ["01101-0001", "大通町内会", 10, 5],
                ["01101-0002", "円山町内会", 1, 1],
                ["01101-0001", "大通", 11, 6],
            ]
        ),
        actor=city_admin,
    )
    (error,) = p.errors
    assert (error.row, error.column) == (2, Col.CODE)
    assert "01101-0001 が2行にあります（シート「中央区」2行目、シート「中央区」4行目）" in error.message
    # The later row is an error row too, with a short issue of its own naming the first.
    later = p.rows[2]
    assert later.status == RowStatus.ERROR
    assert later.issues[0].message == "町内会コード 01101-0001 はシート「中央区」2行目と重複しています。"


def test_4000_copies_of_a_row_give_one_short_error_listing_five_rows_and_the_total(chuo, city_admin):
    data = csv_bytes([["01101-0001", "大通町内会", 100, 80, ""]] * 4_000)
    p = preview(data, actor=city_admin, filename="counts.csv")
    (error,) = p.errors
    assert error.message == (
        "町内会コード 01101-0001 が4,000行にあります（2行目、3行目、4行目、5行目、6行目ほか3,995行）。"
        "1行にまとめてください。"
    )
    assert p.summary.errors == 1 and p.summary.new == 0
    assert {r.status for r in p.rows} == {RowStatus.ERROR}
    assert sum(len(i.message) for r in p.rows for i in r.issues) < 4_000 * 60


@pytest.mark.parametrize(
    "households, members, column, message",
    [
        ("abc", 5, Col.HOUSEHOLDS, "数値ではありません（「abc」）"),
        (10, -1, Col.MEMBERS, "負の数"),
        (12.5, 5, Col.HOUSEHOLDS, "整数"),
        (10, None, Col.MEMBERS, "加入世帯数が空欄です"),
    ],
)
def test_bad_numbers_are_errors_at_their_cell(chuo, city_admin, households, members, column, message):
    (issue,) = preview(xlsx([["01101-0001", "大通町内会", households, members]]), actor=city_admin).errors
    assert (issue.sheet, issue.row, issue.column) == ("中央区", 2, column)
    assert message in issue.message


def test_name_that_does_not_match_the_code_is_only_a_warning(chuo, city_admin):
    p = preview(
        xlsx([["01101-0001", "大通り町内会", 10, 5], ["01101-0002", "円山 町内会", 10, 5]]), actor=city_admin
    )
    assert not p.has_errors
    (warning,) = p.warnings  # width and spaces are not a mismatch
    assert (warning.row, warning.column) == (2, Col.NAME)
    assert "「大通町内会」と一致しません" in warning.message


def test_members_above_households_is_an_error(chuo, city_admin):
    p = preview(xlsx([["01101-0001", "大通町内会", 10, 12, "事業所を含む"]]), actor=city_admin)
    (issue,) = p.errors
    assert "上回っています" in issue.message and issue.column == Col.MEMBERS


def test_note_longer_than_the_field_is_an_error(chuo, city_admin):
    (issue,) = preview(xlsx([["01101-0001", "大通町内会", 10, 5, "あ" * 301]]), actor=city_admin).errors
    assert issue.column == Col.NOTE


def test_a_control_character_in_a_note_is_an_error_and_nothing_is_written(chuo, city_admin):
    data = csv_bytes(
        [
            ["01101-0001", "大通町内会", 10, 5, "前半\x00後半"],
            ["01101-0002", "円山町内会", 20, 10, "改行\tタブ可"],
        ]
    )

    (issue,) = preview(data, actor=city_admin, filename="counts.csv").errors
    assert (issue.row, issue.column) == (2, Col.NOTE)
    assert "制御文字" in str(issue)
    with pytest.raises(services.CountsImportRejected):
        services.counts_import_file(actor=city_admin, data=data, filename="counts.csv", survey_date=SURVEY)
    assert HouseholdCount.objects.count() == 0


def test_a_nul_in_a_code_or_name_is_refused_with_messages_not_a_database_error(chuo, city_admin):
    data = csv_bytes(
        [["01101-0001", "大通\x00町内会", 10, 5, ""], ["01101-\x000002", "円山町内会", 20, 10, ""]]
    )

    with pytest.raises(services.CountsImportRejected) as rejected:
        services.counts_import_file(actor=city_admin, data=data, filename="counts.csv", survey_date=SURVEY)
    assert [issue.row for issue in rejected.value.preview.errors] == [3]
    assert HouseholdCount.objects.count() == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_each_encoding_previews_the_same(chuo, city_admin, encoding):
    data = csv_bytes(
        [["01101-0001", "大通町内会", "1,234", "１，０００", "髙橋さん確認済"]], encoding=encoding
    )
    p = preview(data, actor=city_admin, filename="counts.csv")
    assert not p.issues
    (row,) = p.rows
    assert (row.households, row.member_households, row.note, row.source.sheet, row.source.row) == (
        1234,
        1000,
        "髙橋さん確認済",
        "",
        2,
    )


def test_csv_issues_have_no_sheet_name(chuo, city_admin):
    (issue,) = preview(
        csv_bytes([["01101-0001", "大通町内会", "x", 1]]), filename="c.csv", actor=city_admin
    ).errors
    assert str(issue) == "2行目 「区域内世帯数」列: 数値ではありません（「x」）。"


def test_a_file_that_cannot_be_read_previews_as_one_error(db):
    p = preview(b"not a workbook", filename="c.xlsx")
    (issue,) = p.errors
    assert p.rows == () and "読み込めませんでした" in issue.message


# ---------------------------------------------------------------------------------------------
# Scope: the policy decides which wards' counts an actor may import
# ---------------------------------------------------------------------------------------------


def test_ward_staff_cannot_import_counts_for_another_ward(chuo, ward_staff_kita):
    p = preview(
        xlsx([["01101-0001", "大通町内会", 10, 5], ["01102-0001", "北町内会", 10, 5]]), actor=ward_staff_kita
    )
    (issue,) = p.errors
    assert (issue.row, issue.column) == (2, Col.CODE)
    assert "中央区の世帯数を取り込む権限がありません" in issue.message
    assert [r.status for r in p.rows] == [RowStatus.ERROR, RowStatus.NEW]


def test_ward_staff_imports_their_own_ward(chuo, ward_staff_chuo):
    p = preview(xlsx([["01101-0001", "大通町内会", 10, 5]]), actor=ward_staff_chuo)
    assert not p.issues


@pytest.mark.parametrize("persona", ["viewer", "leader_a", "anonymous"])
def test_viewers_leaders_and_anonymous_can_import_nothing(chuo, request, persona):
    p = preview(xlsx([["01101-0001", "大通町内会", 10, 5]]), actor=request.getfixturevalue(persona))
    (issue,) = p.errors
    assert "中央区の世帯数を取り込む権限がありません" in issue.message


def test_a_user_without_a_role_can_import_nothing(chuo):
    p = preview(xlsx([["01101-0001", "大通町内会", 10, 5]]), actor=UserFactory())
    assert "権限がありません" in p.errors[0].message


def test_city_admin_imports_every_ward(chuo, city_admin):
    p = preview(
        xlsx([["01101-0001", "大通町内会", 10, 5], ["01102-0001", "北町内会", 10, 5]]), actor=city_admin
    )
    assert not p.issues


def test_ward_restriction_rejects_rows_of_other_wards_even_for_city_admin(chuo, city_admin):
    p = preview(
        xlsx([["01101-0001", "大通町内会", 10, 5], ["01102-0001", "北町内会", 10, 5]]),
        actor=city_admin,
        ward=ward("01102"),
    )
    (issue,) = p.errors
    assert issue.row == 2 and "北区の町内会だけが対象です" in issue.message


# ---------------------------------------------------------------------------------------------
# Commit: all or nothing, audited, idempotent, constant queries
# ---------------------------------------------------------------------------------------------


def commit(p, actor):
    return services.counts_import_commit(actor=actor, survey_date=p.survey_date, preview=p)


def test_commit_creates_and_updates_with_history_entered_by_and_source(chuo, ward_staff_chuo):
    a, b, *_ = chuo
    old = HouseholdCountFactory(
        association=a, survey_date=SURVEY, households=500, member_households=400, note="前年"
    )
    data = xlsx([["01101-0001", "大通町内会", 510, 400], ["01101-0002", "円山町内会", 300, 200, "新規"]])

    result = commit(preview(data, actor=ward_staff_chuo, filename="chuo.xlsx"), ward_staff_chuo)

    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    old.refresh_from_db()
    new = HouseholdCount.objects.get(association=b, survey_date=SURVEY)
    for count in (old, new):
        assert count.source == HouseholdCount.Source.IMPORT
        assert count.entered_by == ward_staff_chuo
    assert (old.households, old.note) == (510, "前年")  # a blank 備考 keeps the note
    assert new.note == "新規"
    updated, created = old.history.first(), new.history.first()
    assert (updated.history_type, updated.households, updated.history_user) == ("~", 510, ward_staff_chuo)
    assert (created.history_type, created.history_user) == ("+", ward_staff_chuo)
    assert created.history_change_reason == "ファイル取込 chuo.xlsx"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(chuo, city_admin):
    data = xlsx([["01101-0001", "大通町内会", 510, 400], ["01101-0002", "円山町内会", 300, 200, "メモ"]])
    commit(preview(data, actor=city_admin), city_admin)
    before = (list(HouseholdCount.objects.values_list("id", "entered_at")), history_rows())

    second = commit(preview(data, actor=city_admin), city_admin)

    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert (list(HouseholdCount.objects.values_list("id", "entered_at")), history_rows()) == before


def test_one_error_writes_nothing_at_all(chuo, city_admin):
    a, *_ = chuo
    HouseholdCountFactory(association=a, survey_date=SURVEY, households=500, member_households=400)
    data = xlsx(
        [
            ["01101-0001", "大通町内会", 1, 1],
            ["01101-0002", "円山町内会", 300, 200],
            ["01101-0999", "x", 1, 1],
        ]
    )
    before = (list(HouseholdCount.objects.values_list("households", flat=True)), history_rows())

    with pytest.raises(services.CountsImportRejected) as rejected:
        commit(preview(data, actor=city_admin), city_admin)

    assert [i.row for i in rejected.value.preview.errors] == [4]
    assert (list(HouseholdCount.objects.values_list("households", flat=True)), history_rows()) == before


def test_warnings_do_not_block_the_commit(chuo, city_admin):
    p = preview(xlsx([["01101-0001", "別の名前", 10, 0]]), actor=city_admin)  # name; 0 members
    assert len(p.warnings) == 2 and not p.errors
    assert commit(p, city_admin).created == 1


def test_commit_checks_again_instead_of_trusting_the_preview(chuo, city_admin):
    a, *_ = chuo
    p = preview(xlsx([["01101-0001", "大通町内会", 10, 5]]), actor=city_admin)
    a.status, a.ended_on = Association.Status.DISSOLVED, dt.date(2024, 2, 1)
    a.save()  # dissolved between preview and commit
    with pytest.raises(services.CountsImportRejected):
        commit(p, city_admin)
    assert not HouseholdCount.objects.exists()


def test_commit_from_parsed_rows_and_the_system_actor(chuo):
    rows = [importer.ParsedRow(code="01102-0001", households=7, member_households=3)]
    result = services.counts_import_commit(
        actor=None, survey_date=SURVEY, rows=rows, source=HouseholdCount.Source.API
    )
    assert result.created == 1
    count = HouseholdCount.objects.get()
    assert (count.source, count.entered_by, count.history.get().history_user) == ("api", None, None)


def test_commit_scope_is_checked_for_parsed_rows_too(chuo, ward_staff_kita):
    rows = [importer.ParsedRow(code="01101-0001", name="大通町内会", households=7, member_households=3)]
    with pytest.raises(services.CountsImportRejected):
        services.counts_import_commit(actor=ward_staff_kita, survey_date=SURVEY, rows=rows)
    assert not HouseholdCount.objects.exists()


def test_a_count_entered_meanwhile_rejects_the_import_instead_of_overwriting_it(
    chuo, city_admin, monkeypatch
):
    a, *_ = chuo
    check_rows = importer.check_rows

    def check_then_someone_enters_a_count(*args, **kwargs):
        checked = check_rows(*args, **kwargs)
        HouseholdCount.objects.create(association=a, survey_date=SURVEY, households=1, member_households=1)
        return checked

    p = preview(xlsx([["01101-0001", "大通町内会", 10, 5]]), actor=city_admin)
    monkeypatch.setattr(importer, "check_rows", check_then_someone_enters_a_count)
    with pytest.raises(services.CountsImportRejected) as rejected:
        commit(p, city_admin)
    assert "他の利用者が同じ町内会の世帯数を登録しました" in rejected.value.preview.errors[-1].message
    assert not HouseholdCount.objects.exists()


def _city_file(associations, *, households=100):
    return xlsx([[a.code, a.name, households, households // 2] for a in associations])


def _queries_for_import(data, actor):
    with CaptureQueriesContext(connection) as ctx:
        commit(preview(data, actor=actor), actor)
    return len(ctx)


def _many_associations(n: int) -> list[Association]:
    wards = list(Ward.objects.order_by("code"))
    return Association.objects.bulk_create(
        Association(
            code=f"{wards[i % 10].code}-{5000 + i // 10:04d}",
            name=f"多数{i}町内会",
            ward=wards[i % 10],
            search_text=Association.build_search_text(f"多数{i}町内会", ""),
        )
        for i in range(n)
    )


def _city_csv(associations, *, households=100):
    return csv_bytes([[a.code, a.name, households, households // 2, ""] for a in associations])


def _queries_for_csv(data, actor):
    actor = type(actor).objects.get(pk=actor.pk)  # no cached role
    ContentType.objects.clear_cache()  # each import asks for the audit event's subject type once
    with CaptureQueriesContext(connection) as ctx:
        commit(preview(data, actor=actor, filename="counts.csv"), actor)
    return len(ctx)


def test_query_count_does_not_grow_with_rows(db, city_admin):
    # 220 and 2,200 rows (the city's file): on SQLite too, where Django would split each bulk
    # statement into batches of 999 parameters, one query more per 76 rows.
    associations = _many_associations(2420)
    small = _queries_for_csv(_city_csv(associations[:220]), city_admin)
    large = _queries_for_csv(_city_csv(associations[220:]), city_admin)
    assert small == large
    # Updating is as cheap: every row changed.
    assert _queries_for_csv(_city_csv(associations[220:], households=200), city_admin) == small
    assert HouseholdCount.objects.filter(households=200).count() == 2200
    assert HouseholdCount.history.filter(history_type="~").count() == 2200


@pytest.mark.postgres
def test_query_count_does_not_grow_on_postgresql(chuo, city_admin):
    associations = [AssociationFactory(ward=ward("01103")) for _ in range(510)]
    small = _queries_for_import(_city_file(associations[:10]), type(city_admin).objects.get(pk=city_admin.pk))
    large = _queries_for_import(_city_file(associations[10:]), type(city_admin).objects.get(pk=city_admin.pk))
    assert small == large


def test_preview_takes_three_queries_for_a_superuser(chuo):
    admin = UserFactory(is_superuser=True)
    data = xlsx([["01101-0001", "大通町内会", 10, 5], ["01101-0002", "円山町内会", 10, 5]])
    with CaptureQueriesContext(connection) as ctx:
        preview(data, actor=admin)
    # Associations by code; existing counts; the previous survey's date (none here, so no counts).
    assert len(ctx) == 3


def test_importing_a_file_checks_it_against_the_register_once(chuo, city_admin, monkeypatch):
    """The commit checks inside its transaction; a check before it, outside, was the same work twice."""
    import chonaikai.associations.imports.importer.preview as preview_module

    calls = []
    check_rows = importer.check_rows
    counted = lambda *a, **k: calls.append(1) or check_rows(*a, **k)  # noqa: E731
    monkeypatch.setattr(importer, "check_rows", counted)
    monkeypatch.setattr(preview_module, "check_rows", counted)
    data = xlsx([["01101-0001", "大通町内会", 10, 5], ["01101-0002", "円山町内会", 20, 15]])
    result = services.counts_import_file(actor=city_admin, data=data, filename="c.xlsx", survey_date=SURVEY)
    assert (result.created, result.updated) == (2, 0)
    assert len(calls) <= 1  # none on PostgreSQL, whose fast path checks in SQL
    bad = xlsx([["01101-9999", "幻町内会", 10, 5]])
    with pytest.raises(services.CountsImportRejected) as rejected:
        services.counts_import_file(actor=city_admin, data=bad, filename="c.xlsx", survey_date=SURVEY)
    assert [str(i) for i in rejected.value.preview.errors] == [
        str(i) for i in preview(bad, actor=city_admin, filename="c.xlsx").errors
    ]


# ---------------------------------------------------------------------------------------------
# Large files: the Celery task (eager without a broker)
# ---------------------------------------------------------------------------------------------


def test_small_upload_is_imported_at_once(chuo, city_admin, settings):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 10
    submission = services.counts_import_submit(
        actor=city_admin,
        data=xlsx([["01101-0001", "大通町内会", 10, 5]]),
        filename="c.xlsx",
        survey_date=SURVEY,
    )
    assert not submission.deferred and submission.result.created == 1


def test_large_upload_is_imported_by_the_task_with_progress(
    chuo, city_admin, settings, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 2
    data = xlsx(
        [["01101-0001", "大通町内会", 10, 5], ["01101-0002", "円山町内会", 20, 10]], title_rows=[["t"]]
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submission = services.counts_import_submit(
            actor=city_admin, data=data, filename="c.xlsx", survey_date=SURVEY, ward=ward("01101")
        )
        assert submission.deferred and not HouseholdCount.objects.exists()  # queued after commit only

    # The task is queued once, after commit (other on-commit work, such as maps' cache, may follow).
    assert [cb.__qualname__ for cb in callbacks].count("counts_upload_commit.<locals>.send") == 1
    progress = tasks.import_progress(submission.task_id)
    assert progress["stage"] == "done" and progress["done"] == progress["total"] == 2
    assert progress["result"]["ok"] is True and progress["result"]["created"] == 2
    assert HouseholdCount.objects.filter(entered_by=city_admin).count() == 2
    assert not default_storage.exists(f"imports/uploads/{submission.task_id}/upload")
    assert not CountsUpload.objects.get(pk=submission.task_id).file


def test_task_reports_errors_as_its_outcome_and_writes_nothing(chuo, ward_staff_kita):
    upload = services.counts_upload_create(
        actor=ward_staff_kita,
        data=xlsx([["01101-0001", "大通町内会", 1, 1]]),
        filename="c.xlsx",
        survey_date=SURVEY,
        preview=False,
    )
    outcome = tasks.import_counts_task.apply(args=[str(upload.pk)]).get()
    assert outcome["ok"] is False
    assert outcome["errors"][0]["row"] == 2 and "権限がありません" in outcome["errors"][0]["message"]
    assert not HouseholdCount.objects.exists()
    upload.refresh_from_db()
    assert upload.status == CountsUpload.Status.FAILED and upload.result == outcome


def test_a_task_redelivered_after_its_upload_was_deleted_answers_with_the_recorded_outcome(chuo, city_admin):
    from django.core.files.storage import default_storage

    upload = services.counts_upload_create(
        actor=city_admin,
        data=xlsx([["01101-0001", "大通町内会", 10, 5]]),
        filename="c.xlsx",
        survey_date=SURVEY,
        preview=False,
    )
    name = upload.file.name
    first = tasks.import_counts_task.apply(args=[str(upload.pk)], task_id=str(upload.pk)).get()
    assert first["ok"] is True and not default_storage.exists(name)
    again = tasks.import_counts_task.apply(args=[str(upload.pk)], task_id=str(upload.pk)).get()
    assert again == first
    assert HouseholdCount.objects.count() == 1


def test_the_parsers_rows_are_the_same_objects_as_parsed_rows_built_by_hand():
    from chonaikai.associations.imports.importer import ParsedRow, _parsed_row

    fast = _parsed_row("01101-0001", "A", 1, 2, None, "S", 3, ())
    built = ParsedRow(
        code="01101-0001", name="A", households=1, member_households=2, note=None, sheet="S", row=3
    )
    assert fast == built and hash(fast) == hash(built) and repr(fast) == repr(built)
    with pytest.raises(AttributeError):
        fast.code = "x"
    assert set(vars(fast)) == {f.name for f in dataclasses.fields(ParsedRow)}
