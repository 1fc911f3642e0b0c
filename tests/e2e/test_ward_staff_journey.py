"""Journey 1, a ward office: log in, download the ward's survey template, fill it in (one bad row),
upload it, read the rejected row's Japanese message, fix the file, upload it again, commit, go on
from the import result to the submission summary and submit the ward. axe-core checks every page
on the way."""

import io
import re

import openpyxl
import pytest

from chonaikai.associations.models import HouseholdCount, WardProgress
from chonaikai.associations.stats.exporter import PREVIOUS_HOUSEHOLDS, PREVIOUS_MEMBERS

from .conftest import SURVEY
from .harness import BROWSER_TEST, log_in

pytestmark = BROWSER_TEST

BAD_MEMBERS = -5


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def fill_in(workbook_bytes: bytes, *, bad_code: str | None) -> tuple[bytes, dict]:
    """The template as a ward clerk fills it: every association's counts (last year's, or new
    figures for associations without one); `bad_code`'s members negative. Returns the file and
    where the bad cell is (sheet, row, column)."""
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    sheet = workbook.active
    header_row = next(
        row[0].row for row in sheet.iter_rows(min_row=1, max_row=10) if row[0].value == "町内会コード"
    )
    columns = {cell.value: cell.column for cell in sheet[header_row] if cell.value}
    households_col, members_col = columns["区域内世帯数"], columns["加入世帯数"]
    previous_h, previous_m = columns[PREVIOUS_HOUSEHOLDS], columns[PREVIOUS_MEMBERS]
    where = {}
    filled = 0
    for row in range(header_row + 1, sheet.max_row + 1):
        code = sheet.cell(row=row, column=1).value
        if not code:
            continue
        households = sheet.cell(row=row, column=previous_h).value or 150
        members = sheet.cell(row=row, column=previous_m).value or 120
        sheet.cell(row=row, column=households_col).value = households
        sheet.cell(row=row, column=members_col).value = members
        filled += 1
        if code == bad_code:
            sheet.cell(row=row, column=members_col).value = BAD_MEMBERS
            where = {"sheet": sheet.title, "row": row, "column": "加入世帯数"}
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), {**where, "filled": filled}


@pytest.fixture
def ward_staff(survey_round, ward_staff_chuo, association_a, association_b):
    return ward_staff_chuo


def test_ward_staff_import_the_filled_template_fix_a_bad_row_and_submit_the_ward(
    new_journey, ward_staff, association_a, tmp_path
):
    journey = new_journey("ward_staff")
    page = journey.page

    # Log in through the login page: a mistyped password first, refused with the reason shown.
    log_in(journey, "ward_staff_chuo", password="wrong password")
    expect(page.get_by_role("alert")).to_contain_text("ユーザー名かパスワードが違います")
    journey.step("login-refused")
    log_in(journey, "ward_staff_chuo")
    # Lands on the start page, named by office (「中央区役所」), never by the login name.
    expect(page.get_by_role("heading", level=1)).to_have_text("あなたのやること")
    expect(page.locator(".account-menu__user")).to_contain_text("中央区役所")
    expect(page.locator(".account-menu__user")).not_to_contain_text("ward_staff_chuo")
    journey.step("start")

    # The ward's template, from the staff menu.
    page.get_by_role("link", name="様式の出力").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Excel ファイルのダウンロード")
    journey.step("export-page")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="調査票をダウンロード").click()
    download = download_info.value
    assert download.suggested_filename == "chonaikai_01101_template_20260101.xlsx"
    template = download.path().read_bytes()

    # Filled in, with one negative number.
    bad, where = fill_in(template, bad_code=association_a.code)
    assert where["filled"] > 100 and where["row"]  # the whole ward, 中央区's ~200 associations
    bad_file = tmp_path / "chuo_2026.xlsx"
    bad_file.write_bytes(bad)

    page.get_by_role("link", name="ファイル取込").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("世帯数の取込")
    expect(page.get_by_label("調査基準日")).to_have_value(SURVEY.isoformat())
    page.get_by_label(re.compile("取り込むファイル")).set_input_files(str(bad_file))
    journey.step("upload-chosen")
    page.get_by_role("button", name="確認画面へ進む").click()

    # The preview names the sheet, row and column, in Japanese, and offers no commit.
    expect(page.get_by_role("heading", level=1)).to_have_text("取込内容の確認")
    errors = page.locator("#errors-heading + .issue-list")
    expected = f"シート「{where['sheet']}」 {where['row']}行目 「加入世帯数」列: 負の数は入力できません（{BAD_MEMBERS}）。"
    expect(errors).to_contain_text(expected)
    rejected_row = page.locator("tr.preview-row--error")
    expect(rejected_row).to_have_count(1)
    expect(rejected_row).to_contain_text(association_a.code)
    expect(rejected_row).to_contain_text("負の数は入力できません")
    expect(page.get_by_role("button", name="取り込みを確定する")).to_have_count(0)
    journey.step("preview-errors", full_page=False)
    rejected_row.scroll_into_view_if_needed()
    journey.step("preview-rejected-row", full_page=False, audit=False)  # the same page, further down
    assert not HouseholdCount.objects.filter(survey_date=SURVEY).exists()

    # Fixed and chosen again.
    fixed, _where = fill_in(template, bad_code=None)
    fixed_file = tmp_path / "chuo_2026_fixed.xlsx"
    fixed_file.write_bytes(fixed)
    page.locator("#errors-heading ~ p").get_by_role("link", name="ファイルを選び直す").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("世帯数の取込")
    journey.step("upload-again")
    page.get_by_label(re.compile("取り込むファイル")).set_input_files(str(fixed_file))
    page.get_by_role("button", name="確認画面へ進む").click()
    expect(page.locator("tr.preview-row--error")).to_have_count(0)
    expect(page.locator(".figures")).to_contain_text(f"新規{where['filled']}")
    journey.step("preview-ok", full_page=False)

    page.get_by_role("button", name="取り込みを確定する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("取込の結果")
    expect(page.locator(".notice--success")).to_contain_text(f"新規 {where['filled']}件")
    journey.step("import-result")
    assert (
        HouseholdCount.objects.filter(survey_date=SURVEY, association__ward__code="01101").count()
        == (where["filled"])
    )

    # On to submitting, from the import result: a summary first, then the submission.
    page.get_by_role("link", name="提出へ進む").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("中央区の提出前の確認")
    expect(page.locator(".figures")).to_contain_text(f"{where['filled']}／{where['filled']}町内会")
    journey.step("submission-summary")
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".flash-messages")).to_contain_text("中央区の世帯数を提出しました。")
    expect(page.get_by_role("heading", level=1)).to_contain_text("令和8年1月1日調査の提出状況")
    expect(page.locator("#ward-01101")).to_contain_text("提出済み")
    journey.step("submitted")

    journey.finish()
    progress = WardProgress.objects.get(survey_round__survey_date=SURVEY, ward__code="01101")
    assert progress.status == WardProgress.Status.SUBMITTED
