"""/export/: the ward's entry template (ward scope) and the city's published table (any logged-in user)."""

import io

import openpyxl
import pytest

from chonaikai.associations.imports.views import XLSX_CONTENT_TYPE
from tests.factories import AssociationFactory, ward
from tests.imports.conftest import PREVIOUS, SURVEY
from wards.models import Ward

pytestmark = pytest.mark.django_db


def workbook_rows(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_export_page_needs_a_login(client):
    assert client.get("/export/").status_code == 302
    assert client.get("/export/city/").status_code == 302
    assert client.get("/export/template/?ward=01101").status_code == 302


def test_ward_staff_download_their_wards_template_with_formula_text_escaped(client, chuo, ward_staff_chuo):
    AssociationFactory(ward=ward("01101"), code="01101-0003", name='=HYPERLINK("http://evil")町内会')
    client.force_login(ward_staff_chuo)
    response = client.get(f"/export/template/?ward=01101&survey_date={SURVEY.isoformat()}")
    rows = workbook_rows(response)
    assert 'filename="chonaikai_01101_template_20250101.xlsx"' in response["Content-Disposition"]
    codes = [r[0] for r in rows]
    assert "01101-0001" in codes and "01102-0001" not in codes
    names = [r[1] for r in rows]
    assert '\'=HYPERLINK("http://evil")町内会' in names
    assert not any(isinstance(r[1], str) and r[1].startswith("=") for r in rows)
    previous = next(r for r in rows if r[0] == "01101-0001")
    assert previous[2:4] == [500, 400]  # last survey, for reference (PREVIOUS)


def test_ward_staff_get_404_for_another_wards_template(client, chuo, ward_staff_kita):
    client.force_login(ward_staff_kita)
    assert client.get("/export/template/?ward=01101").status_code == 404
    assert client.get("/export/template/?ward=99999").status_code == 404
    assert client.get("/export/template/").status_code == 404


@pytest.mark.parametrize("persona", ["viewer", "leader_a"])
def test_users_without_a_ward_cannot_download_templates_but_can_download_the_city_table(
    client, chuo, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/export/template/?ward=01101").status_code == 404
    html = client.get("/export/").content.decode()
    assert "区の調査票" not in html and "市全体の加入状況表" in html
    rows = workbook_rows(client.get(f"/export/city/?survey_date={PREVIOUS.isoformat()}"))
    assert any(r[0] == "01101" and r[1] == "中央区" for r in rows)


def test_city_admin_downloads_any_wards_template(client, chuo, city_admin):
    client.force_login(city_admin)
    rows = workbook_rows(client.get("/export/template/?ward=01102"))
    assert any(r[0] == "01102-0001" for r in rows)


def test_city_table_has_every_ward_and_the_total(client, chuo, viewer):
    client.force_login(viewer)
    response = client.get(f"/export/city/?survey_date={PREVIOUS.isoformat()}")
    rows = workbook_rows(response)
    assert 'filename="chonaikai_city_20240101.xlsx"' in response["Content-Disposition"]
    ward_codes = list(Ward.objects.order_by("code").values_list("code", flat=True))
    assert [r[0] for r in rows if r[0] in ward_codes] == ward_codes
    total = rows[-1]
    assert total[3] == 800 and total[4] == 500  # 中央区 500/400 + 北区 300/100


def test_city_table_for_an_unknown_date_is_a_form_error(client, chuo, viewer):
    client.force_login(viewer)
    response = client.get("/export/city/?survey_date=1999-01-01")
    assert response.status_code == 400
    assert "候補にありません" in response.content.decode()


def test_export_page_labels_every_field(client, chuo, city_admin):
    client.force_login(city_admin)
    html = client.get("/export/").content.decode()
    assert '<label for="template_ward">' in html and 'id="template_ward"' in html
    assert '<label for="template_survey_date">' in html and '<label for="city_survey_date">' in html
    assert 'name="survey_date"' in html
