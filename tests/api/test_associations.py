"""/api/v1/associations/: the public register, filters, ordering, personal data per persona, history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chonaikai.associations.models import Association
from tests.api.conftest import LATEST, PREVIOUS, error, is_japanese
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

pytestmark = pytest.mark.django_db

URL = "/api/v1/associations/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_anyone_lists_associations_with_their_latest_count(anon, city):
    response = anon.get(URL)
    assert codes(response) == sorted([city.a.code, city.b.code, city.kita.code])
    a = response.json()["results"][0]
    assert a["ward"] == "01101" and a["ward_name"] == "中央区"
    assert a["district"] == "01101-D01" and a["federation"] == "01101-F001"
    assert a["latest_count"] == {
        "survey_date": LATEST.isoformat(),
        "households": 210,
        "member_households": 147,
        "rate": 70.0,
        "suppressed": False,
    }
    assert a["personal_data"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ward": "01102"}, ["kita"]),
        ({"district": "01101-D01"}, ["a"]),
        ({"federation": "01101-F001"}, ["a"]),
        ({"status": "active"}, ["a", "b", "kita"]),
        ({"status": "dissolved"}, []),
        ({"q": "ﾁｭｳｵｳﾃｽﾄｴｰ"}, ["a"]),  # half-width katakana finds the hiragana kana
        ({"q": "北テスト"}, ["kita"]),
    ],
)
def test_associations_filter_by_ward_district_federation_status_and_text(anon, city, params, expected):
    assert codes(anon.get(URL, params)) == sorted(getattr(city, name).code for name in expected)


def test_an_unknown_ward_code_is_a_validation_error_naming_the_field(anon, city):
    body = error(anon.get(URL, {"ward": "99999"}), 400)
    assert "ward" in body["extra"]["fields"]
    assert is_japanese(body["message"]) and is_japanese(body["extra"]["fields"]["ward"][0])


def test_associations_order_by_name_descending(anon, city):
    names = [r["name"] for r in anon.get(URL, {"ordering": "-name"}).json()["results"]]
    assert names == sorted(names, reverse=True)


def test_an_unknown_ordering_field_is_refused(anon, city):
    body = error(anon.get(URL, {"ordering": "representative_name"}), 400)
    assert "ordering" in body["extra"]["fields"]


def test_pagination_takes_a_page_size_and_refuses_one_too_large(anon, city):
    body = anon.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    error(anon.get(URL, {"page_size": 1000}), 400)
    error(anon.get(URL, {"page": 99}), 404)


def test_association_detail_by_code(anon, city):
    response = anon.get(f"{URL}{city.kita.code}/")
    assert response.status_code == 200
    assert response.json()["name"] == "北テスト町内会"
    error(anon.get(f"{URL}01101-9999/"), 404)


# Personal data (representative, contacts): exactly where policy.can_view_personal_data says.
PERSONAL_DATA_MATRIX = {
    "city_admin": {"a", "b", "kita"},
    "ward_staff_chuo": {"a", "b"},
    "ward_staff_kita": {"kita"},
    "leader_a": {"a"},
    "leader_b": {"b"},
    "viewer": set(),
    None: set(),
}


@pytest.mark.parametrize("persona", list(PERSONAL_DATA_MATRIX), ids=[str(p) for p in PERSONAL_DATA_MATRIX])
def test_personal_data_appears_only_where_the_policy_allows(
    request, client_for, city, leader_a, leader_b, persona
):
    user = request.getfixturevalue(persona) if persona else None
    rows = client_for(user).get(URL).json()["results"]
    shown = {
        name
        for name in ("a", "b", "kita")
        for row in rows
        if row["code"] == getattr(city, name).code and row["personal_data"]
    }
    assert shown == PERSONAL_DATA_MATRIX[persona]
    detail = client_for(user).get(f"{URL}{city.a.code}/").json()
    assert (detail["personal_data"] is not None) == ("a" in PERSONAL_DATA_MATRIX[persona])
    if detail["personal_data"]:
        assert detail["personal_data"]["contact_email"] == "a@example.jp"


def test_session_users_see_what_token_users_see(client_for, city, leader_a):
    detail = client_for(leader_a, session=True).get(f"{URL}{city.a.code}/").json()
    assert detail["personal_data"]["representative_name"] == "札幌 太郎"


def test_counts_history_has_rate_and_change_oldest_first(anon, city):
    rows = anon.get(f"{URL}{city.a.code}/counts/").json()
    assert [r["survey_date"] for r in rows] == [PREVIOUS.isoformat(), LATEST.isoformat()]
    assert rows[0]["rate"] == 75.0 and rows[0]["change"] is None
    assert rows[1]["rate"] == 70.0 and rows[1]["change"] == -5.0
    assert rows[1]["fiscal_year"] == 2024
    assert all(r["entry_details"] is None for r in rows)


def test_counts_history_filtered_by_survey_date_keeps_the_change(anon, city):
    rows = anon.get(f"{URL}{city.a.code}/counts/", {"survey_date": LATEST.isoformat()}).json()
    assert len(rows) == 1 and rows[0]["change"] == -5.0
    error(anon.get(f"{URL}{city.a.code}/counts/", {"survey_date": "2025-13-01"}), 400)


def test_the_leader_sees_notes_of_their_own_association_only(client_for, city, leader_a):
    own = client_for(leader_a).get(f"{URL}{city.a.code}/counts/").json()
    assert own[1]["entry_details"]["note"] == "a の備考"
    other = client_for(leader_a).get(f"{URL}{city.kita.code}/counts/").json()
    assert all(r["entry_details"] is None for r in other)


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", [None, "ward_staff_chuo", "leader_a"])
def test_the_association_list_costs_the_same_queries_for_5_or_50_rows(
    request, client_for, city, leader_a, persona
):
    for _ in range(60):
        a = AssociationFactory(ward=ward("01103"))
        HouseholdCountFactory(association=a, survey_date=LATEST)
    client = client_for(request.getfixturevalue(persona) if persona else None)
    client.get(URL)  # the token's first use records last_used_at: not part of what is measured
    small = _queries(client, URL, {"page_size": 5})
    large = _queries(client, URL, {"page_size": 50, "ward": "01103"})
    assert large == small + 1  # + the ward filter's own lookup of the code
    assert _queries(client, URL, {"page_size": 50}) == small


def test_dissolved_associations_show_their_status(anon, city):
    Association.objects.filter(pk=city.b.pk).update(status="dissolved", ended_on="2025-03-31")
    row = anon.get(f"{URL}{city.b.code}/").json()
    assert (row["status"], row["status_label"], row["ended_on"]) == ("dissolved", "解散", "2025-03-31")
