"""A file whose headings are not the template's: the preview offers a column mapping, remembered per ward."""

import datetime as dt
import io

import openpyxl
import pytest

from chonaikai.associations.imports.importer import Col
from chonaikai.associations.models import CountsUpload, HouseholdCount, WardColumnMapping
from tests.associations.test_real_layouts import published_table
from tests.factories import AssociationFactory, ward
from tests.imports.conftest import SURVEY, upload, xlsx

pytestmark = pytest.mark.django_db

# Headings no office's usual name (importer.HEADER_SYNONYMS) matches: only a mapping reads them.
OWN_HEADER = ["番号", "団体", "全体", "うち加入", "メモ"]
ROWS = [["01101-0001", "大通町内会", 510, 405, ""], ["01101-0002", "円山町内会", 200, 150, ""]]
MAPPING = {
    "column_0": "番号",
    "column_1": "団体",
    "column_2": "全体",
    "column_3": "うち加入",
}


def post_file(client, data):
    response = client.post(
        "/import/",
        {"file": upload(data), "survey_date": SURVEY.isoformat(), "ward": "01101"},
    )
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def counts():
    return dict(
        HouseholdCount.objects.filter(survey_date=SURVEY).values_list("association__code", "households")
    )


def test_a_file_with_its_own_headings_gets_a_mapping_form_then_imports(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    url = post_file(client, xlsx(ROWS, header=OWN_HEADER, title_rows=[["令和7年1月1日現在"]]))
    html = client.get(url).content.decode()
    assert "列の対応を指定する" in html
    assert 'name="column_0"' in html and '<option value="番号">番号</option>' in html
    assert "取り込みを確定する" not in html

    response = client.post(url, {"action": "columns", **MAPPING})
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert "列の対応を指定する" not in html and "取り込みを確定する" in html
    assert "円山町内会" in html

    client.post(url)
    assert counts() == {"01101-0001": 510, "01101-0002": 200}
    assert WardColumnMapping.objects.get(ward__code="01101").columns == {
        Col.CODE: "番号",
        Col.NAME: "団体",
        Col.HOUSEHOLDS: "全体",
        Col.MEMBERS: "うち加入",
    }


def test_the_mapping_is_remembered_for_the_wards_next_file(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    first = post_file(client, xlsx(ROWS, header=OWN_HEADER))
    client.post(first, {"action": "columns", **MAPPING})
    # Next year's file: the same headings in another order.
    order = [1, 0, 3, 2, 4]
    header = [OWN_HEADER[i] for i in order]
    rows = [[r[i] for i in order] for r in [["01101-0002", "円山町内会", 210, 160, ""]]]
    html = client.get(post_file(client, xlsx(rows, header=header))).content.decode()
    assert "列の対応を指定する" not in html and "取り込みを確定する" in html
    # The template's own headings still read as they are.
    html = client.get(post_file(client, xlsx(ROWS))).content.decode()
    assert "取り込みを確定する" in html


def test_the_same_heading_for_two_columns_is_refused(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    url = post_file(client, xlsx(ROWS, header=OWN_HEADER))
    response = client.post(url, {"action": "columns", **MAPPING, "column_3": "全体"})
    assert response.status_code == 400
    assert "同じ見出しを2つの列に選んでいます" in response.content.decode()
    assert CountsUpload.objects.get().columns == {}
    assert not WardColumnMapping.objects.exists()


def test_a_large_file_is_checked_and_imported_through_the_mapping_in_the_background(
    client, chuo, ward_staff_chuo, settings, django_capture_on_commit_callbacks
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    client.force_login(ward_staff_chuo)
    with django_capture_on_commit_callbacks(execute=True):
        url = post_file(client, xlsx(ROWS, header=OWN_HEADER))
    assert "列の対応を指定する" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "columns", **MAPPING})
        html = client.get(url).content.decode()  # the background check starts again
    html = client.get(url).content.decode()
    assert "取り込みを確定する" in html, html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert counts() == {"01101-0001": 510, "01101-0002": 200}
    assert CountsUpload.objects.get().status == CountsUpload.Status.IMPORTED


def test_a_file_with_the_offices_usual_headings_needs_no_mapping(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    header = ["団体番号", "団体名", "世帯数", "会員世帯数", "備考"]  # importer.HEADER_SYNONYMS
    url = post_file(client, xlsx(ROWS, header=header))
    html = client.get(url).content.decode()
    assert "列の対応を指定する" not in html and "取り込みを確定する" in html
    client.post(url)
    assert counts() == {"01101-0001": 510, "01101-0002": 200}
    assert not WardColumnMapping.objects.exists()


def test_a_file_with_no_text_to_offer_gets_no_mapping_form_but_the_importers_error(
    client, chuo, ward_staff_chuo
):
    client.force_login(ward_staff_chuo)
    url = post_file(client, xlsx([[11011, 1, 510, 405]], header=[1, 2, 3, 4]))
    html = client.get(url).content.decode()
    assert "列の対応を指定する" not in html and "取り込みを確定する" not in html
    assert "見出し行が見つかりません" in html


def two_row_own_heading() -> bytes:
    """A two-row heading in the office's own words: 人数 merged over 全体 / 会員."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["番号", "団体", "人数", None])
    ws.append([None, None, "全体", "会員"])
    ws.merge_cells("C1:D1")
    for row in ROWS:
        ws.append(row[:4])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_two_row_heading_is_offered_with_its_joined_texts_and_imports_through_them(
    client, chuo, ward_staff_chuo
):
    client.force_login(ward_staff_chuo)
    url = post_file(client, two_row_own_heading())
    html = client.get(url).content.decode()
    assert "列の対応を指定する" in html
    assert '<option value="人数 全体">人数 全体</option>' in html
    mapping = {"column_0": "番号", "column_1": "団体", "column_2": "人数 全体", "column_3": "人数 会員"}
    assert client.post(url, {"action": "columns", **mapping}).status_code == 302
    html = client.get(url).content.decode()
    assert "列の対応を指定する" not in html and "取り込みを確定する" in html
    client.post(url)
    assert counts() == {"01101-0001": 510, "01101-0002": 200}


@pytest.fixture
def atsubetsu(db):
    atsubetsu = ward("01106")
    return [
        AssociationFactory(ward=atsubetsu, code="01106-0001", name="もみじ台町内会"),
        AssociationFactory(ward=atsubetsu, code="01106-0002", name="青葉町内会"),
        AssociationFactory(ward=atsubetsu, code="01106-0003", name="厚別中央町内会"),
    ]


def test_a_published_table_imports_through_the_page(client, atsubetsu, city_admin):
    """Title with its date, two-row merged heading, subtotal rows and "－" zeros (issue 13, point 10)."""
    client.force_login(city_admin)
    response = client.post(
        "/import/",
        {"file": upload(published_table(), "厚別区.xlsx"), "survey_date": "2026-01-01", "ward": "01106"},
    )
    url = response["Location"]
    html = client.get(url).content.decode()
    assert "列の対応を指定する" not in html and "取り込みを確定する" in html
    assert "合計・小計の3行は取り込みません" in html
    client.post(url)
    assert dict(
        HouseholdCount.objects.filter(survey_date=dt.date(2026, 1, 1)).values_list(
            "association__code", "member_households"
        )
    ) == {"01106-0001": 900, "01106-0002": 0, "01106-0003": 0}


def test_a_published_table_with_its_own_headings_imports_through_the_page_after_a_mapping(
    client, atsubetsu, city_admin
):
    client.force_login(city_admin)
    wb = openpyxl.load_workbook(io.BytesIO(published_table()))
    ws = wb.active
    ws["A4"], ws["B4"], ws["C4"], ws["C5"], ws["D5"] = "団体", "番号", "人数", "全体", "会員"
    out = io.BytesIO()
    wb.save(out)
    response = client.post(
        "/import/",
        {"file": upload(out.getvalue(), "厚別区.xlsx"), "survey_date": "2026-01-01", "ward": "01106"},
    )
    url = response["Location"]
    html = client.get(url).content.decode()
    assert "列の対応を指定する" in html and "取り込みを確定する" not in html
    mapping = {"column_0": "番号", "column_1": "団体", "column_2": "人数 全体", "column_3": "人数 会員"}
    assert client.post(url, {"action": "columns", **mapping}).status_code == 302
    client.post(url)
    assert HouseholdCount.objects.filter(survey_date=dt.date(2026, 1, 1)).count() == 3


def test_the_mapping_offers_the_note_column_and_imports_the_notes_through_it(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    rows = [
        ["01101-0001", "大通町内会", 510, 405, "集合住宅が完成"],
        ["01101-0002", "円山町内会", 200, 150, ""],
    ]
    url = post_file(client, xlsx(rows, header=OWN_HEADER))
    html = client.get(url).content.decode()
    # 備考 is offered, and may be left out (the form below without it is the other tests' mapping).
    assert 'name="column_4"' in html and "備考" in html and '<option value="メモ">メモ</option>' in html

    response = client.post(url, {"action": "columns", **MAPPING, "column_4": "メモ"})
    assert response.status_code == 302
    client.post(url)
    notes = dict(HouseholdCount.objects.filter(survey_date=SURVEY).values_list("association__code", "note"))
    assert notes == {"01101-0001": "集合住宅が完成", "01101-0002": ""}
    assert WardColumnMapping.objects.get(ward__code="01101").columns[Col.NOTE] == "メモ"
    # Remembered: the next file's form starts with メモ chosen for 備考.
    html = client.get(post_file(client, xlsx(rows, header=["A", *OWN_HEADER[1:]]))).content.decode()
    assert '<option value="メモ" selected>メモ</option>' in html
