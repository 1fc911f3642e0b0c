"""/associations/ : search, filters, pagination and the latest figures per association."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chonaikai.associations.models import Association
from tests.factories import AssociationFactory, HouseholdCountFactory, ward
from tests.pages.conftest import LATEST, PREVIOUS, page_text

pytestmark = pytest.mark.django_db


def names_in(html: str) -> set[str]:
    return set(re.findall(r'<a href="/associations/[\d-]+/">([^<]+)</a>', html))


def test_list_shows_every_association_with_its_latest_figures(client, city):
    html = page_text(client.get("/associations/"))
    assert names_in(html) == {"大通東町内会", "北ノ森自治会", "旧大通西町内会", "見本町内会"}
    assert "町内会・自治会の一覧" in html
    assert city.odori.code in html
    assert "大通連合町内会" in html
    assert "70.00%" in html  # 大通東: 147 / 210 on the latest survey
    assert "80.00%" in html  # 旧大通西: 40 / 50 on its last survey…
    assert "（令和6年1月1日）" in html  # …which is not the latest, so its date is shown
    assert "合併により廃止" in html
    assert "（サンプル）" in html


@pytest.mark.parametrize(
    "query",
    [
        "大通東",
        "おおどおりひがし",  # hiragana
        "オオドオリヒガシ",  # full-width katakana
        "ｵｵﾄﾞｵﾘﾋｶﾞｼ",  # half-width katakana
        "おおどおり　ひがし",  # with an ideographic space
    ],
)
def test_search_ignores_width_and_kana_type(client, city, query):
    html = page_text(client.get("/associations/", {"q": query}))
    assert names_in(html) == {"大通東町内会"}


def test_search_with_no_match_shows_the_empty_state(client, city):
    html = page_text(client.get("/associations/", {"q": "存在しない町内会"}))
    assert names_in(html) == set()
    assert "条件に合う町内会・自治会は見つかりませんでした。" in html
    assert "すべての町内会を表示する" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ward": "01102"}, {"北ノ森自治会"}),
        ({"district": "D-ODORI"}, {"大通東町内会"}),
        ({"federation": "F-ODORI"}, {"大通東町内会"}),
        ({"status": "merged"}, {"旧大通西町内会"}),
        ({"ward": "01101", "status": "active"}, {"大通東町内会", "見本町内会"}),
        ({"ward": "01101", "q": "みほん"}, {"見本町内会"}),
    ],
)
def test_filters_narrow_the_list(client, city, params, expected):
    assert names_in(page_text(client.get("/associations/", params))) == expected


def test_an_unknown_ward_code_is_reported_not_a_crash(client, city):
    html = page_text(client.get("/associations/", {"ward": "99999"}))
    assert 'role="alert"' in html


def test_pagination_shows_50_per_page_and_keeps_the_filters(client, db):
    chuo = ward("01101")
    for i in range(60):
        AssociationFactory(ward=chuo, name=f"桜町内会{i:02d}", kana=f"さくらちょうないかい{i:02d}")
    AssociationFactory(ward=ward("01102"), name="桜北町内会", kana="さくらきたちょうないかい")

    first = page_text(client.get("/associations/", {"q": "さくら", "ward": "01101"}))
    assert len(names_in(first)) == 50
    assert "60件中 1〜50件目" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1)
    assert (
        "q=%E3%81%95%E3%81%8F%E3%82%89" in next_link and "ward=01101" in next_link and "page=2" in next_link
    )

    second = page_text(client.get("/associations/" + next_link.replace("&amp;", "&")))
    assert len(names_in(second)) == 10
    assert "桜北町内会" not in second  # the ward filter survived the page change
    assert 'aria-current="page">2<' in second


def test_an_out_of_range_page_shows_the_last_page(client, city):
    html = page_text(client.get("/associations/", {"page": "999"}))
    assert len(names_in(html)) == 4


def _list_queries(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/associations/", params or {}).status_code == 200
    return len(ctx.captured_queries)


def _add_associations(n):
    for i in range(n):
        association = AssociationFactory(ward=ward("01103"), name=f"東テスト{i}")
        HouseholdCountFactory(association=association, survey_date=PREVIOUS)
        HouseholdCountFactory(association=association, survey_date=LATEST)


def test_list_query_count_is_the_same_for_5_and_60_associations(client, db):
    _add_associations(5)
    five = _list_queries(client)
    _add_associations(55)
    assert Association.objects.count() == 60
    assert _list_queries(client) == five
    assert five <= 10


def test_filtered_list_query_count_is_constant(client, city, django_assert_max_num_queries):
    params = {
        "q": "ちょう",
        "ward": "01101",
        "district": "D-ODORI",
        "federation": "F-ODORI",
        "status": "active",
    }
    before = _list_queries(client, params)
    _add_associations(20)
    assert _list_queries(client, params) == before
    with django_assert_max_num_queries(12):
        client.get("/associations/", params)
