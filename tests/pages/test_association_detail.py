"""/associations/<code>/ : profile, count history and chart; personal data only where policy allows."""

import pytest

from chonaikai.accounts import policy
from tests.factories import UserFactory
from tests.pages.conftest import page_text

pytestmark = pytest.mark.django_db

REPRESENTATIVE = "大通 花子"
PHONE = "011-111-2222"


def detail(client, association):
    return page_text(client.get(f"/associations/{association.code}/"))


def test_detail_shows_the_profile_in_japanese(client, city):
    html = detail(client, city.odori)
    assert "<h1>大通東町内会" in html
    assert city.odori.code in html
    assert "中央区" in html and "大通地区" in html and "大通連合町内会" in html
    assert "昭和40年4月1日" in html  # founded 1965-04-01
    assert "認可を受けています" in html
    assert "活動中" in html


def test_detail_shows_the_count_history_with_rates_changes_and_a_chart(client, city):
    html = detail(client, city.odori)
    assert "令和6年1月1日" in html and "令和7年1月1日" in html
    assert "令和5年度" in html and "令和6年度" in html
    assert "75.00%" in html  # 150 / 200
    assert "70.00%" in html  # 147 / 210
    assert "-5.00ポイント" in html
    assert "210" in html and "147" in html
    assert '<svg class="chart__svg"' in html and 'role="img"' in html and "<title" in html


def test_merged_association_names_its_date_and_successor_and_the_successor_names_it(client, city):
    html = detail(client, city.merged)
    assert "令和6年3月31日に合併により廃止されました" in html
    assert f'href="/associations/{city.odori.code}/">大通東町内会</a>' in html

    successor = detail(client, city.odori)
    assert "合併により加わった町内会" in successor
    assert f'href="/associations/{city.merged.code}/">旧大通西町内会</a>' in successor


def test_sample_association_is_labelled(client, city):
    assert "（サンプル）</span></h1>" in detail(client, city.sample)


def test_a_sample_name_that_already_carries_the_label_is_not_labelled_twice(client, city):
    city.sample.name = "見本町内会（サンプル）"
    city.sample.save()
    html = detail(client, city.sample)
    assert "<h1>見本町内会（サンプル）</h1>" in html
    assert "（サンプル）（サンプル）" not in html


def test_unknown_code_is_404(client, city):
    assert client.get("/associations/01101-9999/").status_code == 404
    assert client.get("/associations/not-a-code/").status_code == 404


def test_anonymous_visitors_never_see_the_representative_or_contacts(client, city):
    html = detail(client, city.odori)
    assert REPRESENTATIVE not in html
    assert PHONE not in html
    assert "代表者・連絡先" not in html


def test_a_logged_in_user_without_a_role_does_not_see_personal_data(client, city):
    client.force_login(UserFactory())
    html = detail(client, city.odori)
    assert REPRESENTATIVE not in html and PHONE not in html


def test_a_user_the_policy_allows_sees_the_representative_and_contacts(client, city):
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert policy.can_view_personal_data(admin, city.odori)
    client.force_login(admin)
    html = detail(client, city.odori)
    assert "代表者・連絡先" in html
    assert REPRESENTATIVE in html and PHONE in html


def test_the_page_follows_the_policy_for_a_staff_user(client, city, staff_user):
    """Whatever the policy decides for staff, the page shows exactly that, no more."""
    client.force_login(staff_user)
    html = detail(client, city.odori)
    assert (REPRESENTATIVE in html) == policy.can_view_personal_data(staff_user, city.odori)


def test_the_page_asks_the_policy_with_the_association(client, city, monkeypatch):
    asked = []

    def deny_all(user, association=None):
        asked.append(association)
        return False

    monkeypatch.setattr(policy, "can_view_personal_data", deny_all)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert REPRESENTATIVE not in detail(client, city.odori)
    assert asked == [city.odori]


def test_detail_query_count_does_not_grow_with_history_or_predecessors(
    client, city, django_assert_max_num_queries
):
    import datetime as dt

    from tests.factories import AssociationFactory, HouseholdCountFactory

    with django_assert_max_num_queries(8):
        detail(client, city.odori)
    for year in range(2010, 2024):
        HouseholdCountFactory(association=city.odori, survey_date=dt.date(year, 1, 1))
    for _ in range(3):
        AssociationFactory(
            ward=city.odori.ward, status="merged", ended_on=dt.date(2020, 3, 31), successor=city.odori
        )
    with django_assert_max_num_queries(8):
        detail(client, city.odori)
