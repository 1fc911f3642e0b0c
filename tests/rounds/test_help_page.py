"""The in-app help for the yearly counts: staff read how a ward's counts go from a file or the grid
to the city's approval, with the figures the pages enforce."""

import pytest

pytestmark = pytest.mark.django_db

URL = "/counts/help/"


def test_ward_staff_read_how_counts_go_from_file_or_grid_to_the_citys_approval(client, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    html = client.get(URL).content.decode()
    for step in (
        "市が調査を開始する",
        "入力画面で入れる",
        "ファイルから取り込む",
        "区役所が提出する",
        "承認または差し戻す",
    ):
        assert step in html
    assert "前回調査から20%を超えて" in html  # rules.LARGE_CHANGE, not a copy of it
    assert "取り下げ" in html


def test_the_help_states_the_threshold_and_the_upload_limit_from_their_settings(
    client, ward_staff_chuo, settings
):
    settings.COUNTS_IMPORT_MAX_UPLOAD_BYTES = 3 * 1024 * 1024
    client.force_login(ward_staff_chuo)
    assert "3MB まで" in client.get(URL).content.decode()


def test_the_round_list_and_the_import_page_link_to_the_help(client, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    assert URL in client.get("/counts/").content.decode()
    assert URL in client.get("/import/").content.decode()


@pytest.mark.parametrize("persona", [None, "leader_a", "viewer"])
def test_people_without_counts_work_do_not_get_the_help(client, persona, request):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code in (302, 404)
