"""/ : the city's latest membership, the plan target, the trend and the ward table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AssociationFactory, HouseholdCountFactory, ward
from tests.pages.conftest import LATEST, PREVIOUS, page_text
from wards.models import Ward, WardTotal

pytestmark = pytest.mark.django_db


def test_dashboard_shows_the_latest_city_figures_in_japanese(client, city):
    html = page_text(client.get("/"))
    # 350 households, 242 members on 2025-01-01; 350 and 270 on 2024-01-01.
    assert "令和7年1月1日" in html
    assert "令和6年度" in html
    assert "69.14%" in html
    assert "242世帯" in html
    assert "-8.00ポイント" in html
    assert "前回調査（令和6年1月1日）からの変化" in html


def test_dashboard_shows_the_distance_to_the_fy2028_target(client, city):
    html = page_text(client.get("/"))
    assert "加入世帯数の目標（令和10年度）" in html
    assert "685,497世帯" in html  # FY2022 baseline
    assert "723,778世帯" in html  # FY2028 target
    assert "あと 723,536世帯" in html  # 723,778 − 242
    assert "<progress" in html


def test_dashboard_draws_the_city_trend_as_inline_svg_with_its_table(client, city):
    html = page_text(client.get("/"))
    assert html.count('<svg class="chart__svg"') == 2  # rate, member households
    assert 'role="img"' in html and ">加入率の推移（市全体）</title>" in html
    assert "<polyline" in html
    assert 'id="city-series"' in html  # the table behind the charts
    assert "77.14%" in html  # the previous survey's rate, in the table


def test_dashboard_lists_the_wards_with_links(client, city):
    html = page_text(client.get("/"))
    assert 'href="/wards/01101/">中央区</a>' in html
    assert 'href="/wards/01102/">北区</a>' in html


def test_registry_based_rate_is_absent_when_no_registry_total_is_recorded_for_the_survey(client, city):
    assert "住民基本台帳世帯数による加入率（参考）" not in page_text(client.get("/"))


def test_registry_based_rate_is_shown_separately_and_labelled_when_every_ward_has_a_total(client, city):
    for w in Ward.objects.all():
        WardTotal.objects.create(ward=w, survey_date=LATEST, registry_households=100)
    html = page_text(client.get("/"))
    # 242 members / 1,000 registry households; the area-based 69.14% stays the headline.
    assert "住民基本台帳世帯数による加入率（参考）" in html
    assert "24.20%" in html
    assert "69.14%" in html


def test_ward_table_gets_a_registry_column_when_one_ward_has_a_total(client, city):
    WardTotal.objects.create(ward=ward("01101"), survey_date=LATEST, registry_households=1000)
    html = page_text(client.get("/"))
    assert html.count("住民基本台帳世帯数による加入率（参考）") == 1  # the ward table's column only
    assert "16.70%" in html  # 中央区: 167 members / 1,000


def test_dashboard_says_so_when_no_counts_exist_yet(client, db):
    html = page_text(client.get("/"))
    assert "まだ世帯数が登録されていません。" in html


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_grow_with_associations_or_wards(client, city):
    before = _queries(client, "/")
    for code in ("01103", "01104", "01105"):
        for _ in range(5):
            association = AssociationFactory(ward=ward(code))
            HouseholdCountFactory(association=association, survey_date=PREVIOUS)
            HouseholdCountFactory(association=association, survey_date=LATEST)
    assert _queries(client, "/") == before
    assert before <= 20
