"""A file whose headings are not the template's: the preview offers a column mapping, remembered per ward."""

import pytest

from chonaikai.associations.importer import Col
from chonaikai.associations.models import CountsUpload, HouseholdCount, WardColumnMapping
from tests.imports.conftest import SURVEY, upload, xlsx

pytestmark = pytest.mark.django_db

OWN_HEADER = ["団体番号", "団体名", "世帯数", "会員世帯数", "備考"]
ROWS = [["01101-0001", "大通町内会", 510, 405, ""], ["01101-0002", "円山町内会", 200, 150, ""]]
MAPPING = {
    "column_0": "団体番号",
    "column_1": "団体名",
    "column_2": "世帯数",
    "column_3": "会員世帯数",
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
    assert 'name="column_0"' in html and '<option value="団体番号">団体番号</option>' in html
    assert "取り込みを確定する" not in html

    response = client.post(url, {"action": "columns", **MAPPING})
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert "列の対応を指定する" not in html and "取り込みを確定する" in html
    assert "円山町内会" in html

    client.post(url)
    assert counts() == {"01101-0001": 510, "01101-0002": 200}
    assert WardColumnMapping.objects.get(ward__code="01101").columns == {
        Col.CODE: "団体番号",
        Col.NAME: "団体名",
        Col.HOUSEHOLDS: "世帯数",
        Col.MEMBERS: "会員世帯数",
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
    response = client.post(url, {"action": "columns", **MAPPING, "column_3": "世帯数"})
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
