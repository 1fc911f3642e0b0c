"""/wards/ and /wards/<code>/ : the ten wards, and one ward's history, districts and federations."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    AssociationFactory,
    DistrictFactory,
    FederationFactory,
    HouseholdCountFactory,
    ward,
)
from tests.pages.conftest import LATEST, PREVIOUS, page_text
from wards.models import WardTotal

pytestmark = pytest.mark.django_db


def test_ward_list_shows_all_ten_wards_with_latest_figures(client, city):
    html = page_text(client.get("/wards/"))
    assert len(re.findall(r'<a href="/wards/011\d\d/">', html)) == 10
    assert "区別の加入状況" in html
    assert "調査基準日 令和7年1月1日（令和6年度）" in html
    # 中央区 on 2025-01-01: odori 147/210 + sample 20/40 = 167/250; on 2024-01-01: 190/250.
    assert "66.80%" in html
    assert "-9.20ポイント" in html
    # 北区: 75/100, before 80/100.
    assert "75.00%" in html and "-5.00ポイント" in html
    assert "住民基本台帳世帯数による加入率（参考）" not in html


def test_ward_list_shows_the_registry_rate_where_recorded(client, city):
    WardTotal.objects.create(ward=ward("01102"), survey_date=LATEST, registry_households=300)
    html = page_text(client.get("/wards/"))
    assert "住民基本台帳世帯数による加入率（参考）" in html
    assert "25.00%" in html  # 75 / 300


def test_ward_list_query_count_is_constant(client, city):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/wards/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for code in ("01105", "01106", "01107"):
        association = AssociationFactory(ward=ward(code))
        HouseholdCountFactory(association=association, survey_date=LATEST)
    assert count() == before


def test_ward_detail_shows_history_chart_districts_and_federations(client, city):
    html = page_text(client.get("/wards/01101/"))
    assert "<h1>中央区の加入状況</h1>" in html
    assert "令和6年1月1日" in html and "令和7年1月1日" in html
    assert "76.00%" in html and "66.80%" in html  # 190/250, 167/250
    assert '<svg class="chart__svg"' in html and "<polyline" in html
    assert 'id="ward-series"' in html
    assert 'href="/associations/?district=D-ODORI">大通地区</a>' in html
    assert 'href="/associations/?federation=F-ODORI">大通連合町内会</a>' in html
    assert "（地区未設定）" in html  # the sample association has no district
    assert 'href="/associations/?ward=01101"' in html


def test_ward_detail_for_a_ward_without_counts_still_answers(client, city):
    html = page_text(client.get("/wards/01110/"))
    assert "清田区" in html
    assert "この区の世帯数はまだ登録されていません。" in html


def test_unknown_ward_is_404(client, city):
    assert client.get("/wards/99999/").status_code == 404
    assert client.get("/wards/abc/").status_code == 404


def test_ward_detail_query_count_does_not_grow_with_districts_or_federations(client, city):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/wards/01101/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    chuo = ward("01101")
    for _ in range(4):
        association = AssociationFactory(
            ward=chuo, district=DistrictFactory(ward=chuo), federation=FederationFactory(ward=chuo)
        )
        HouseholdCountFactory(association=association, survey_date=PREVIOUS)
        HouseholdCountFactory(association=association, survey_date=LATEST)
    assert count() == before
