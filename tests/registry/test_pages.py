"""Register pages: register, edit, dissolve, merge — 404 outside scope, forged posts change nothing."""

import datetime as dt
import re

import pytest

from chonaikai.associations.models import Association
from chonaikai.audit.models import AuditEvent
from tests.registry.conftest import LATEST, PREVIOUS

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def state(association):
    association.refresh_from_db()
    return (association.name, association.status, association.ended_on, association.successor_id)


# ---------------------------------------------------------------------------------------------
# Who reaches which page
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/registry/",
        "/registry/01101/new/",
        "/registry/01101/merge/",
        "/associations/01101-0001/edit/",
        "/associations/01101-0001/dissolve/",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, register, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["viewer", "leader_a", "ward_staff_kita"])
@pytest.mark.parametrize(
    "url",
    [
        "/registry/01101/new/",
        "/registry/01101/merge/",
        "/associations/01101-0001/edit/",
        "/associations/01101-0001/dissolve/",
    ],
)
def test_pages_of_chuo_are_404_for_everyone_outside_its_scope(client, register, persona, url, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"name": "乗っ取り", "reason": "x", "dissolved_on": "2024-03-31"}).status_code == 404
    )


def test_unknown_codes_are_404_too(client, register, city_admin):
    client.force_login(city_admin)
    assert client.get("/associations/01101-9999/edit/").status_code == 404
    assert client.get("/registry/99999/new/").status_code == 404


def test_registry_home_lists_only_the_users_wards(client, register, ward_staff_kita, city_admin, viewer):
    client.force_login(ward_staff_kita)
    html = html_of(client.get("/registry/"))
    assert "/registry/01102/new/" in html and "/registry/01101/new/" not in html
    client.force_login(city_admin)
    assert "/registry/01101/new/" in html_of(client.get("/registry/"))
    client.force_login(viewer)
    assert client.get("/registry/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Register and edit
# ---------------------------------------------------------------------------------------------


def test_the_register_form_suggests_the_next_code_and_labels_every_field(client, register, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    html = html_of(client.get("/registry/01101/new/"))
    assert 'value="01101-0004"' in html
    for name in re.findall(r'<(?:input|select|textarea)[^>]*\bid="(id_[a-z_]+)"', html):
        assert f'for="{name}"' in html, name
    assert "中央地区" in html and "北地区" not in html  # districts of the ward only
    assert "代表者氏名" in html


def test_registering_redirects_to_the_new_page_with_a_message(client, register, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/registry/01101/new/",
        {"code": "01101-0004", "name": "新町内会", "kana": "しん", "representative_name": "札幌 三郎"},
    )
    assert response.status_code == 302 and response["Location"] == "/associations/01101-0004/"
    html = html_of(client.get(response["Location"]))
    assert "新町内会を登録しました。" in html
    assert Association.objects.get(code="01101-0004").representative_name == "札幌 三郎"


def test_errors_are_shown_by_the_field_and_nothing_typed_is_lost(client, register, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/registry/01101/new/",
        {
            "code": "01102-0100",
            "name": "新町内会",
            "kana": "しんちょうないかい",
            "contact_email": "not-an-email",
        },
    )
    html = html_of(response)
    assert "入力内容を確かめてください" in html
    assert (
        'value="新町内会"' in html and 'value="しんちょうないかい"' in html and 'value="not-an-email"' in html
    )
    assert re.search(r'name="contact_email"[^>]*aria-invalid="true"', html)
    assert not Association.objects.filter(name="新町内会").exists()


def test_a_code_of_another_ward_is_an_error_on_the_code_field(client, register, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    html = html_of(client.post("/registry/01101/new/", {"code": "01102-0100", "name": "新町内会"}))
    assert "「01101-」で始めてください" in html
    assert re.search(r'name="code"[^>]*aria-invalid="true"', html)


def test_edit_changes_the_association_and_keeps_the_code(client, register, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    form = html_of(client.get("/associations/01101-0001/edit/"))
    assert 'value="大通町内会"' in form and 'name="code"' not in form
    response = client.post(
        "/associations/01101-0001/edit/",
        {"name": "大通東町内会", "kana": register.a.kana, "founded_on": "1970-04-01", "comment": "改称"},
    )
    assert response["Location"] == "/associations/01101-0001/"
    assert state(register.a)[0] == "大通東町内会"


def test_forged_posts_against_another_ward_change_nothing(client, register, ward_staff_kita):
    client.force_login(ward_staff_kita)
    before = state(register.a), state(register.b)
    client.post("/associations/01101-0001/edit/", {"name": "乗っ取り"})
    client.post("/associations/01101-0001/dissolve/", {"dissolved_on": "2024-03-31", "reason": "x"})
    client.post("/registry/01101/merge/", {"predecessors": ["01101-0002"], "successor_kind": "existing"})
    # Through their own ward's merge page, naming 中央区's associations: not a choice there.
    response = client.post(
        "/registry/01102/merge/",
        {
            "predecessors": ["01101-0002"],
            "successor_kind": "existing",
            "successor": "01101-0001",
            "merged_on": "2024-04-01",
        },
    )
    assert "候補にありません" in html_of(response)
    assert (state(register.a), state(register.b)) == before
    assert not AuditEvent.objects.exists()


# ---------------------------------------------------------------------------------------------
# Dissolve and merge
# ---------------------------------------------------------------------------------------------


def test_dissolving_through_the_page(client, register, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/associations/01101-0003/dissolve/", {"dissolved_on": "2024-03-31", "reason": "担い手不足"}
    )
    assert response["Location"] == "/associations/01101-0003/"
    assert state(register.c)[1:3] == ("dissolved", dt.date(2024, 3, 31))
    html = html_of(client.get("/associations/01101-0003/"))
    assert "解散しました" in html and "解散を記録" not in html
    assert "この町内会は既に「解散」です" in html_of(client.get("/associations/01101-0003/dissolve/"))


def test_a_dissolution_before_a_counted_survey_is_an_error_on_the_date(client, register, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    html = html_of(
        client.post(
            "/associations/01101-0003/dissolve/", {"dissolved_on": "2023-06-30", "reason": "担い手不足"}
        )
    )
    assert "解散日より後の調査基準日（2024-01-01）" in html
    assert "担い手不足" in html  # kept
    assert state(register.c)[1] == "active"


def test_merge_page_preselects_and_merges_into_an_existing_association(client, register, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    form = html_of(client.get("/registry/01101/merge/?predecessors=01101-0002"))
    assert re.search(r'value="01101-0002"[^>]*checked', form)
    assert "北町内会" not in form  # only the ward's associations
    assert "<legend>合併により廃止する町内会" in form

    response = client.post(
        "/registry/01101/merge/",
        {
            "predecessors": ["01101-0002", "01101-0003"],
            "successor_kind": "existing",
            "successor": "01101-0001",
            "merged_on": "2024-04-01",
            "comment": "統合",
        },
    )
    assert response["Location"] == "/associations/01101-0001/"
    html = html_of(client.get("/associations/01101-0001/"))
    assert "2件の町内会を大通町内会に合併しました。" in html
    assert "合併により加わった町内会" in html
    assert 'href="/associations/01101-0002/">円山町内会</a>' in html
    assert 'href="/associations/01101-0003/">桑園町内会</a>' in html
    predecessor = html_of(client.get("/associations/01101-0002/"))
    assert 'href="/associations/01101-0001/">大通町内会</a>' in predecessor


def test_merge_into_a_new_association_through_the_page(client, register, city_admin):
    client.force_login(city_admin)
    response = client.post(
        "/registry/01101/merge/",
        {
            "predecessors": ["01101-0002", "01101-0003"],
            "successor_kind": "new",
            "new_code": "",
            "new_name": "円山桑園町内会",
            "new_kana": "まるやまそうえん",
            "merged_on": "2024-04-01",
        },
    )
    assert response["Location"] == "/associations/01101-0004/"
    assert Association.objects.get(code="01101-0004").predecessors.count() == 2


def test_merge_form_errors_keep_what_was_chosen(client, register, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    html = html_of(
        client.post(
            "/registry/01101/merge/",
            {"predecessors": ["01101-0002"], "successor_kind": "existing", "merged_on": "2023-06-01"},
        )
    )
    assert "存続する町内会を選んでください。" in html
    assert re.search(r'value="01101-0002"[^>]*checked', html)
    html = html_of(
        client.post(
            "/registry/01101/merge/",
            {
                "predecessors": ["01101-0002"],
                "successor_kind": "existing",
                "successor": "01101-0001",
                "merged_on": "2023-06-01",
            },
        )
    )
    assert "合併日より後の調査基準日（2024-01-01）" in html
    assert state(register.b)[1] == "active"


def test_a_merger_through_the_page_leaves_ward_and_city_totals_of_past_surveys_unchanged(
    client, register, ward_staff_chuo
):
    from chonaikai.associations import selectors

    def totals():
        return {
            (day, level): [
                (r.code, r.households, r.member_households, r.associations, r.rate)
                for r in selectors.membership_stats(survey_date=day, level=level)
            ]
            for day in (PREVIOUS, LATEST)
            for level in ("city", "ward")
        }

    before = totals()
    client.force_login(ward_staff_chuo)
    client.post(
        "/registry/01101/merge/",
        {
            "predecessors": ["01101-0002", "01101-0003"],
            "successor_kind": "existing",
            "successor": "01101-0001",
            "merged_on": "2024-04-01",
        },
    )
    assert state(register.b)[1] == "merged"
    assert totals() == before
    chuo = dict((r[0], r) for r in before[(LATEST, "ward")])["01101"]
    assert chuo[1:4] == (360, 240, 3)


# ---------------------------------------------------------------------------------------------
# Links on the association's page
# ---------------------------------------------------------------------------------------------


def test_edit_links_appear_only_for_users_who_may_edit(
    client, register, ward_staff_chuo, ward_staff_kita, viewer
):
    for user, shown in ((None, False), (viewer, False), (ward_staff_kita, False), (ward_staff_chuo, True)):
        client.logout()
        if user is not None:
            client.force_login(user)
        html = html_of(client.get("/associations/01101-0001/"))
        assert ('href="/associations/01101-0001/edit/"' in html) is shown
        assert ('href="/associations/01101-0001/dissolve/"' in html) is shown
        assert ('href="/registry/01101/merge/?predecessors=01101-0001"' in html) is shown


def test_the_merge_form_can_filter_its_lists_of_associations(client, register, ward_staff_chuo):
    """Both the tick list of associations that end and the one that continues can be narrowed by name,
    reading or code (a ward has ~300)."""
    client.force_login(ward_staff_chuo)
    form = html_of(client.get("/registry/01101/merge/"))
    assert re.search(
        r'<input type="checkbox" name="predecessors" value="01101-0002"[^>]*data-search="01101-0002円山町内会',
        form,
    )
    assert re.search(r'<option value="01101-0003"[^>]*data-search="01101-0003桑園町内会', form)
    for field in ("predecessors", "successor"):
        assert re.search(rf'<div class="select-filter"[^>]*data-filter-for="id_{field}"[^>]*hidden', form), (
            field
        )
