"""Files laid out as ward offices publish their tables (issue 13, point 10): a title with the date,
a two-row merged heading, their own column names, subtotal and total rows, "-" for zero."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from chonaikai.associations.imports import importer
from chonaikai.associations.imports.importer import MISSING_COLUMNS, Col
from chonaikai.associations.models import HouseholdCount
from tests.factories import AssociationFactory, ward

SURVEY = dt.date(2026, 1, 1)


def published_table(title_date="令和８年１月１日現在") -> bytes:
    """厚別区's table as printed: name before code, 世帯数 merged over two columns, federations'
    subtotals and the ward's total without codes, "－" for none."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "厚別区"
    ws.append(["町内会・自治会別 加入世帯数調べ"])
    ws.append([None, None, None, None, title_date])
    ws.append([])
    ws.append(["町内会・自治会名", "町内会コード", "世帯数", None, "備考"])
    ws.append([None, None, "区域内世帯数", "加入世帯数", None])
    for cells in ("A4:A5", "B4:B5", "C4:D4", "E4:E5"):
        ws.merge_cells(cells)
    ws.append(["もみじ台町内会", "01106-0001", 1200, 900, None])
    ws.append(["青葉町内会", "01106-0002", "1,050", "－", "休会中"])
    ws.append(["（もみじ台連合町内会　小計）", None, 2250, 900, None])
    ws.append(["厚別中央町内会", "01106-0003", 800, "-", None])
    ws.append(["（厚別中央連合町内会　小計）", None, 800, 0, None])
    ws.append([])
    ws.append(["厚別区　計", None, 3050, 900, None])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def atsubetsu(db):
    atsubetsu = ward("01106")
    return [
        AssociationFactory(ward=atsubetsu, code="01106-0001", name="もみじ台町内会"),
        AssociationFactory(ward=atsubetsu, code="01106-0002", name="青葉町内会"),
        AssociationFactory(ward=atsubetsu, code="01106-0003", name="厚別中央町内会"),
    ]


def preview(data, *, survey_date=SURVEY, **kwargs):
    return importer.preview_file(data, filename="厚別区.xlsx", survey_date=survey_date, actor=None, **kwargs)


def test_a_published_table_is_read_as_published(atsubetsu):
    p = preview(published_table())
    assert p.errors == []
    assert [(r.code, r.households, r.member_households, r.source.note) for r in p.rows] == [
        ("01106-0001", 1200, 900, None),
        ("01106-0002", 1050, 0, "休会中"),
        ("01106-0003", 800, 0, None),
    ]
    assert [r.source.row for r in p.rows] == [6, 7, 9]
    assert [(i.row, i.message) for i in p.warnings] == [
        (None, "合計・小計の3行は取り込みません（8、10、12行目）。"),
        (None, "「-」の2か所を 0 として読みました（7、9行目）。0 でよいか確かめてください。"),
        # the plausibility rule's notice on each row whose "-" became 0 (rules.check_count: ZERO)
        (7, "加入世帯数が0です。誤りでないか確かめてください。"),
        (9, "加入世帯数が0です。誤りでないか確かめてください。"),
    ]


def test_a_published_table_imports_through_the_command(atsubetsu, tmp_path):
    path = tmp_path / "厚別区.xlsx"
    path.write_bytes(published_table())
    out = io.StringIO()
    call_command("import_counts", str(path), "--survey-date", "2026-01-01", stdout=out, stderr=io.StringIO())
    assert "新規 3件" in out.getvalue()
    assert HouseholdCount.objects.filter(survey_date=SURVEY).count() == 3


def test_a_title_dated_otherwise_is_refused_naming_both_dates(atsubetsu, tmp_path):
    p = preview(published_table(), survey_date=dt.date(2025, 1, 1))
    (error,) = p.errors
    assert (error.sheet, error.row) == ("厚別区", 2)
    assert error.message == (
        "表題の日付（令和8年1月1日（2026-01-01））が調査基準日（令和7年1月1日（2025-01-01））と違います。"
        "ファイルか調査基準日を確かめてください。"
    )

    path = tmp_path / "厚別区.xlsx"
    path.write_bytes(published_table())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_counts", str(path), "--survey-date", "2025-01-01", stdout=io.StringIO(), stderr=err
        )
    assert "2026-01-01" in err.getvalue() and "2025-01-01" in err.getvalue()
    assert not HouseholdCount.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和８年１月１日現在", dt.date(2026, 1, 1)),
        ("町内会別世帯数（令和8年1月1日現在）", dt.date(2026, 1, 1)),
        ("令和元年5月1日現在", dt.date(2019, 5, 1)),
        ("平成31年1月1日現在", dt.date(2019, 1, 1)),
        ("2026年1月1日現在", dt.date(2026, 1, 1)),
        ("２０２６年１月１日 時点", dt.date(2026, 1, 1)),
        ("R8.1.1現在", dt.date(2026, 1, 1)),
        ("調査基準日 2026/1/1", dt.date(2026, 1, 1)),
        ("作成日 令和8年2月15日", None),  # not the survey date: no 現在 / 基準 / 時点
        ("令和8年2月30日現在", None),
        ("町内会別世帯数", None),
    ],
)
def test_a_title_states_its_date_in_the_usual_ways(text, expected):
    assert importer.date_in_text(text) == expected


def _sheet(rows) -> list[importer.Table]:
    return [importer.Table(sheet="S", rows=[list(r) for r in rows])]


def test_households_alone_is_the_areas_households_beside_members():
    parsed = importer.parse_tables(
        _sheet([["団体名", "町内会番号", "世帯数", "加入世帯"], ["A", "01101-0001", 10, 5]])
    )
    assert parsed.issues == ()
    (row,) = parsed.rows
    assert (row.code, row.name, row.households, row.member_households) == ("01101-0001", "A", 10, 5)


def test_a_two_row_heading_with_short_lower_names_is_combined():
    parsed = importer.parse_tables(
        _sheet(
            [
                ["町内会コード", "町内会名", "世帯数", None],
                [None, None, "区域内", "加入"],
                ["01101-0001", "A", 10, 5],
            ]
        )
    )
    assert parsed.issues == ()
    assert [(r.row, r.households, r.member_households) for r in parsed.rows] == [(3, 10, 5)]


def test_totals_in_the_code_column_and_subtotals_are_skipped_and_codes_are_never_totals():
    parsed = importer.parse_tables(
        _sheet(
            [
                ["町内会コード", "町内会名", "区域内世帯数", "加入世帯数"],
                ["01101-0001", "会計町内会計", 10, 5],  # a code: never a total, whatever its name
                ["小計", None, 10, 5],
                [None, "【中央区　合計】", 10, 5],
                ["中央区計", None, 10, 5],
            ]
        )
    )
    assert [r.code for r in parsed.rows] == ["01101-0001"]
    assert [i.message for i in parsed.issues] == ["合計・小計の3行は取り込みません（3、4、5行目）。"]


def test_unrecognised_headings_give_the_candidates_and_a_mapping_reads_the_file(db):
    AssociationFactory(ward=ward("01101"), code="01101-0001", name="大通町内会")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "集計"
    ws.append(["番号", "団体", "全体", "うち加入", "メモ"])
    ws.append(["01101-0001", "大通町内会", 100, 80, "確認済み"])
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()

    p = preview(data)
    assert p.has_errors and all(i.code == MISSING_COLUMNS for i in p.errors)
    (candidates,) = p.parsed.header_candidates
    assert (candidates.sheet, candidates.row, candidates.found) == ("集計", 1, {})
    assert candidates.headers == ((0, "番号"), (1, "団体"), (2, "全体"), (3, "うち加入"), (4, "メモ"))

    mapping = {
        Col.CODE: "番号",
        Col.NAME: "団体",
        Col.HOUSEHOLDS: "全体",
        Col.MEMBERS: "うち加入",
        Col.NOTE: "メモ",
    }
    p = preview(data, columns=mapping)
    assert p.errors == []
    assert [(r.code, r.households, r.member_households, r.note) for r in p.rows] == [
        ("01101-0001", 100, 80, "確認済み")
    ]


def test_a_partial_recognition_offers_what_was_found():
    parsed = importer.parse_tables(
        _sheet([["町内会コード", "町内会名", "全体", "加入"], ["01101-0001", "A", 1, 1]])
    )
    assert {i.column for i in parsed.issues} == {Col.HOUSEHOLDS, Col.MEMBERS}
    (candidates,) = parsed.header_candidates
    assert candidates.found == {Col.CODE: 0, Col.NAME: 1}


def test_a_wrong_mapping_is_an_error_not_a_crash():
    tables = _sheet([["a", "b"], ["01101-0001", "A"]])
    parsed = importer.parse_tables(tables, columns={Col.CODE: "a", Col.NAME: "ａ", "x": "b"})
    assert parsed.rows == ()
    assert {i.code for i in parsed.issues} == {MISSING_COLUMNS}
    assert any("同じ見出し" in i.message for i in parsed.issues)
    assert any("「x」" in i.message for i in parsed.issues)


def test_a_mapping_reads_its_headings_wherever_they_are_and_leaves_other_sheets_to_their_headings():
    mapping = {Col.CODE: "番号", Col.NAME: "団体", Col.HOUSEHOLDS: "全体", Col.MEMBERS: "うち加入"}
    tables = [
        importer.Table(
            "A", [["令和8年1月1日現在"], ["団体", "全体", "番号", "うち加入"], ["X", 10, "01101-0001", 5]]
        ),
        importer.Table("B", [[Col.CODE, Col.NAME, Col.HOUSEHOLDS, Col.MEMBERS], ["01101-0002", "Y", 20, 6]]),
    ]
    parsed = importer.parse_tables(tables, survey_date=SURVEY, columns=mapping)
    assert parsed.issues == ()
    assert [(r.sheet, r.row, r.code, r.name, r.households, r.member_households) for r in parsed.rows] == [
        ("A", 3, "01101-0001", "X", 10, 5),
        ("B", 2, "01101-0002", "Y", 20, 6),
    ]


def test_an_unrecognised_two_row_heading_offers_its_joined_texts_and_a_mapping_of_them_reads_it():
    rows = [
        ["番号", "団体", "人数", None, "備考"],
        [None, None, "全体", "会員", None],
        ["01101-0001", "A", "1,050", "－", "メモ"],
    ]
    parsed = importer.parse_tables(_sheet(rows))
    (candidates,) = parsed.header_candidates
    assert candidates.row == 2
    assert candidates.headers == ((0, "番号"), (1, "団体"), (2, "人数 全体"), (3, "人数 会員"), (4, "備考"))
    mapping = {Col.CODE: "番号", Col.NAME: "団体", Col.HOUSEHOLDS: "人数 全体", Col.MEMBERS: "人数　会員"}
    parsed = importer.parse_tables(_sheet(rows), columns=mapping)
    assert [i.level for i in parsed.issues] == ["warning"]  # the dash read as 0
    assert [(r.row, r.households, r.member_households, r.note) for r in parsed.rows] == [(3, 1050, 0, "メモ")]


@pytest.mark.parametrize(
    "text",
    [
        "調査基準日: 取込時に指定。「区域内世帯数」の列に記入してください（前回（令和7年1月1日）の値は参考）。",
        "令和8年2月15日作成（基準日は別紙）",
    ],
)
def test_other_dates_in_a_title_are_not_the_survey_date(text):
    assert importer.date_in_text(text) is None


def test_the_entry_template_states_its_own_survey_date():
    text = "調査基準日: 令和8年1月1日。「区域内世帯数」の列に記入してください（前回（令和7年1月1日）の値は参考）。"
    assert importer.date_in_text(text) == dt.date(2026, 1, 1)


def test_an_entry_template_for_one_survey_imported_for_another_is_refused(db):
    from chonaikai.associations.stats import exporter

    AssociationFactory(ward=ward("01101"), code="01101-0001", name="大通町内会")
    wb = exporter.ward_template(ward=ward("01101"), actor=None, survey_date=SURVEY)
    wb.active["E5"], wb.active["F5"] = 10, 5
    out = io.BytesIO()
    wb.save(out)
    assert preview(out.getvalue()).errors == []
    (error,) = preview(out.getvalue(), survey_date=dt.date(2025, 1, 1)).errors
    assert "2026-01-01" in error.message and "2025-01-01" in error.message
