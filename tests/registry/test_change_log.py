"""変更履歴 on the association's page: row history and domain events, only for those allowed."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chonaikai.accounts import policy
from chonaikai.accounts.names import display_name
from chonaikai.associations import services
from chonaikai.associations.imports.importer import ParsedRow
from chonaikai.associations.registry.selectors import association_change_log
from chonaikai.associations.registry.services import (
    association_dissolve,
    association_merge,
    association_update,
)
from tests.factories import UserFactory
from tests.registry.conftest import LATEST
from wards.models import District

pytestmark = pytest.mark.django_db

URL = "/associations/01101-0001/"


@pytest.fixture
def edited(register, ward_staff_chuo):
    """大通町内会 renamed and its phone changed by ward_staff_chuo, and a count re-imported."""
    association_update(
        actor=ward_staff_chuo,
        association_id=register.a.pk,
        values={"name": "大通東町内会", "contact_phone": "011-999-8888"},
        comment="総会で改称",
    )
    services.counts_import_commit(
        actor=ward_staff_chuo,
        survey_date=LATEST,
        rows=[ParsedRow(code="01101-0001", households=210, member_households=150, row=2)],
        reason="総会資料で再集計",  # twice the previous survey's figures: a large change needs a reason
    )
    return register


def page(client, user=None) -> str:
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_staff_in_scope_see_who_changed_what_before_and_after(client, edited, ward_staff_chuo):
    html = page(client, ward_staff_chuo)
    assert "変更履歴" in html
    assert "町内会名: 大通町内会 → 大通東町内会" in html
    assert "連絡先電話番号: 011-000-0000 → 011-999-8888" in html
    assert "総会で改称" in html
    assert display_name(ward_staff_chuo) in html  # by display name (中央区役所), never the login name
    assert "ward_staff_chuo" not in html
    # The count's row history: households and members before → after.
    assert "世帯数（令和6年1月1日）" in html
    assert "区域内世帯数: 200 → 210" in html and "加入世帯数: 140 → 150" in html
    assert "ファイル取込" in html


@pytest.mark.parametrize("persona", ["city_admin", "leader_a_of_odori"])
def test_city_admins_and_the_associations_leader_see_it(client, edited, persona, request):
    if persona == "leader_a_of_odori":
        from chonaikai.accounts.models import RoleAssignment

        user = UserFactory()
        RoleAssignment.objects.create(user=user, role="association_leader", association=edited.a)
    else:
        user = request.getfixturevalue(persona)
    html = page(client, user)
    assert "変更履歴" in html and "中央区役所" in html and "ward_staff_chuo" not in html


@pytest.mark.parametrize("persona", [None, "viewer", "ward_staff_kita", "leader_b"])
def test_anonymous_visitors_viewers_and_other_wards_see_no_history_and_no_staff_names(
    client, edited, persona, request
):
    html = page(client, request.getfixturevalue(persona) if persona else None)
    assert "変更履歴" not in html
    assert "ward_staff_chuo" not in html
    assert "011-999-8888" not in html


def test_staff_the_policy_denies_personal_data_see_the_history_without_it(
    client, edited, ward_staff_chuo, monkeypatch
):
    monkeypatch.setattr(policy, "can_view_personal_data", lambda user, association=None: False)
    html = page(client, ward_staff_chuo)
    assert "変更履歴" in html and "町内会名: 大通町内会 → 大通東町内会" in html
    assert "011-999-8888" not in html and "011-000-0000" not in html
    assert "連絡先電話番号" not in html


def test_domain_events_are_listed_with_their_reason(client, edited, ward_staff_chuo):
    association_dissolve(
        actor=ward_staff_chuo,
        association_id=edited.a.pk,
        dissolved_on=dt.date(2024, 3, 31),
        reason="担い手不足",
    )
    html = page(client, ward_staff_chuo)
    assert "解散" in html and "担い手不足" in html
    assert "状態: 活動中 → 解散" in html
    assert "解散・合併日: 令和6年3月31日" in html
    assert "合併先:" not in html  # unchanged values are not listed


def test_merge_events_name_the_successor_and_the_predecessors(edited, city_admin):
    association_merge(
        actor=city_admin,
        predecessor_ids=[edited.b.pk],
        successor_id=edited.a.pk,
        merged_on=dt.date(2024, 4, 1),
    )
    successor_log = association_change_log(edited.a, include_personal=True)
    received = next(e for e in successor_log.events if e.what == "合併（存続・新設）")
    assert ("合併した町内会", "01101-0002") in {(c.label, c.after) for c in received.changes}
    predecessor_log = association_change_log(edited.b, include_personal=True)
    merged = next(e for e in predecessor_log.events if e.what == "合併（廃止）")
    assert ("合併先", "大通東町内会") in {(c.label, c.after) for c in merged.changes}


def test_the_history_section_query_count_does_not_grow_with_history(client, edited, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    client.get(URL)  # warm the content-type cache

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx)

    small = count_queries()
    for year in range(2010, 2020):
        services.counts_import_commit(
            actor=ward_staff_chuo,
            survey_date=dt.date(year, 1, 1),
            rows=[ParsedRow(code="01101-0001", households=100 + year, member_households=50, row=2)],
        )
    for n in range(5):
        association_update(actor=ward_staff_chuo, association_id=edited.a.pk, values={"kana": f"かな{n}"})
    association_update(
        actor=ward_staff_chuo,
        association_id=edited.a.pk,
        values={"district": District.objects.get(code="D-CHUO")},
    )
    assert count_queries() <= small + 1  # + the district named in a change
    assert small <= 20
