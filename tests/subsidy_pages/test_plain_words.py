"""Plain words for applicants: numbers as people say them, names instead of codes, no placeholder
rule text on a leader's screens, and no 「申請済み」 for a draft."""

import re

import pytest
from django.urls import reverse

from chonaikai.subsidies import services
from chonaikai.subsidies.errors import InvalidApplication
from chonaikai.subsidies.models import Application, Hall
from chonaikai.subsidies.workflow import Status
from tests.subsidies.helpers import pdf_file

pytestmark = pytest.mark.django_db

CODE_WORDS = ("new_build", "meeting_hall", "digital", "extension_rebuild")
PLACEHOLDER = ("要綱で要確認", "仮の基準")


def text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)  # what a person reads: no attributes, class names or URLs
    return re.sub(r"\s+", " ", body)


# ---------------------------------------------------------------------------------------------
# Application numbers
# ---------------------------------------------------------------------------------------------


def test_an_application_number_reads_as_people_say_it_and_keeps_a_stable_key(
    association_a, make_app, meeting_hall
):
    digital_app = make_app(association_a)
    hall = Hall.objects.create(association=association_a, name="会館", floor_area_m2=100)
    hall_app = make_app(
        association_a,
        programme=meeting_hall,
        category="extension_rebuild",
        hall=hall,
        lines=[("works", "屋根", 9)],
    )
    assert digital_app.number == f"令和8年度 デジタル 第{digital_app.pk}号"
    assert hall_app.number == f"令和8年度 集会施設 第{hall_app.pk}号"
    assert digital_app.key == f"2026-digital-{digital_app.pk:05d}"


def test_the_short_label_in_the_number_is_data(association_a, make_app, digital):
    digital.short_name = "DX"
    digital.save(update_fields=["short_name"])
    app = make_app(association_a)
    assert app.number == f"令和8年度 DX 第{app.pk}号"
    digital.short_name = ""
    digital.save(update_fields=["short_name"])
    app.programme.refresh_from_db()
    assert app.number == f"令和8年度 町内会デジタル活用促進補助金 第{app.pk}号"


def test_a_leaders_pages_show_the_number_in_words_and_no_code(as_user, leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.SUBMITTED)
    client = as_user(leader_a)
    for name in ("subsidies:home", "subsidies:detail", "subsidies:print"):
        page = text(client.get(reverse(name, args=[] if name == "subsidies:home" else [app.pk])))
        assert f"令和8年度 デジタル 第{app.pk}号" in page, name
        assert not [word for word in CODE_WORDS if word in page], name


# ---------------------------------------------------------------------------------------------
# Names, never codes
# ---------------------------------------------------------------------------------------------


def test_a_missing_category_is_explained_with_the_categories_names_only(
    leader_a, association_a, meeting_hall
):
    with pytest.raises(InvalidApplication) as refused:
        services.application_create(
            actor=leader_a, association_id=association_a.pk, programme_id=meeting_hall.pk, purpose="改築"
        )
    message = refused.value.message
    assert "新築、購入、増築・改築、修繕、借上げ、解体" in message
    assert not [
        word for word in (*CODE_WORDS, "purchase", "repair", "lease", "demolition") if word in message
    ]


def test_the_category_step_error_names_no_code(as_user, leader_a, meeting_hall):
    response = as_user(leader_a).post(reverse("subsidies:new"), {"programme": meeting_hall.pk, "go": "next"})
    page = text(response)
    assert "区分を選んでください" in page
    assert "new_build" not in page and "（new" not in page


# ---------------------------------------------------------------------------------------------
# Placeholder rules: staff see the marker, leaders never see the placeholder text
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def new_build_draft(association_a, meeting_hall, make_app):
    """A draft under the seeded 新築 rule, still a placeholder (written straight to the tables: the
    services take no new applications for such a category, but older ones exist)."""
    hall = Hall.objects.create(association=association_a, name="新会館", floor_area_m2=100)
    app = make_app(
        association_a,
        programme=meeting_hall,
        category="new_build",
        hall=hall,
        purpose="会館の新築",
        lines=[("works", "建築工事", 3_000_000)],
    )
    assert app.breakdown["needs_confirmation"]
    return app


def test_a_leader_never_sees_the_placeholder_rule_text(as_user, leader_a, new_build_draft):
    app = new_build_draft
    client = as_user(leader_a)
    pages = {
        "lines": client.get(reverse("subsidies:edit_lines", args=[app.pk])),
        "confirm": client.get(reverse("subsidies:confirm", args=[app.pk])),
        "detail": client.get(reverse("subsidies:detail", args=[app.pk])),
        "print": client.get(reverse("subsidies:print", args=[app.pk])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = text(response)
        assert "1,000,000円" in page, name  # the amount and its arithmetic are still shown
        assert not [word for word in PLACEHOLDER if word in page], name
    live = client.post(
        reverse("subsidies:breakdown", args=[app.pk]),
        {
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "100",
            "lines-0-description": "建築工事",
            "lines-0-kind": "works",
            "lines-0-amount": "300000",
        },
    ).json()
    assert live["amount"] == 100_000
    assert not [line for line in live["lines"] if "要綱" in line or "仮の基準" in line]


def test_staff_still_see_that_the_rule_needs_confirmation(
    as_user, ward_staff_chuo, leader_a, new_build_draft
):
    Application.objects.filter(pk=new_build_draft.pk).update(status=Status.SUBMITTED)
    page = text(as_user(ward_staff_chuo).get(reverse("subsidies:detail", args=[new_build_draft.pk])))
    assert "要綱で要確認" in page


# ---------------------------------------------------------------------------------------------
# 「申請済み」 only once it is submitted
# ---------------------------------------------------------------------------------------------


def test_a_draft_is_not_called_applied_for_and_the_home_page_leads_back_to_it(
    as_user, leader_a, association_a, make_app
):
    draft = make_app(association_a)
    page = text(as_user(leader_a).get(reverse("subsidies:home")))
    assert "申請済み" not in page
    assert "下書きがあります" in page
    raw = as_user(leader_a).get(reverse("subsidies:home")).content.decode()
    assert reverse("subsidies:edit_purpose", args=[draft.pk]) in raw


def test_a_submitted_application_is_called_applied_for(as_user, leader_a, association_a, make_app):
    make_app(association_a, status=Status.RETURNED)
    assert "今年度は申請済みです" in text(as_user(leader_a).get(reverse("subsidies:home")))


def test_a_paper_entry_refusal_names_no_category_code(ward_staff_chuo, association_a, meeting_hall):
    import datetime as dt

    with pytest.raises(InvalidApplication) as refused:
        services.application_enter_paper(
            actor=ward_staff_chuo,
            association_id=association_a.pk,
            programme_id=meeting_hall.pk,
            purpose="x",
            scanned_form=pdf_file(),
            received_on=dt.date(2026, 11, 20),
            category="nonsense",
        )
    assert "new_build" not in refused.value.message and "nonsense" not in refused.value.message


def test_the_programme_page_tells_leaders_the_city_is_confirming_and_staff_what_to_confirm(
    as_user, leader_a, ward_staff_chuo, meeting_hall
):
    url = reverse("subsidies:programme", args=[meeting_hall.pk])
    leader_page = text(as_user(leader_a).get(url))
    assert "補助率・上限額は市で確認中です" in leader_page
    assert not [word for word in (*PLACEHOLDER, "仮に", "未確認") if word in leader_page]
    staff_page = text(as_user(ward_staff_chuo).get(url))
    assert "要綱で要確認" in staff_page and "未確認" in staff_page


def test_the_programme_page_tells_the_city_admin_why_a_category_takes_no_applications(
    as_user, city_admin, meeting_hall
):
    page = text(as_user(city_admin).get(reverse("subsidies:programme", args=[meeting_hall.pk])))
    assert "確認済みになるまで、この区分は申請を受け付けず" in page


def test_a_line_of_a_kind_the_new_category_lacks_is_named_by_what_was_typed_not_by_its_code(
    as_user, leader_a, association_a, meeting_hall
):
    hall = Hall.objects.create(association=association_a, name="A会館", floor_area_m2=100)
    app = services.application_create(
        actor=leader_a,
        association_id=association_a.pk,
        programme_id=meeting_hall.pk,
        purpose="改築",
        category="extension_rebuild",
        hall_id=hall.pk,
        lines=[services.LineInput("works", "屋根の葺き替え", 3_000_000)],
    )
    with pytest.raises(InvalidApplication) as refused:
        services.application_update(actor=leader_a, application_id=app.pk, category="demolition")
    message = refused.value.message
    assert "屋根の葺き替え" in message and "解体工事費" in message and "解体" in message
    assert "works" not in message and "demolition" not in message
    assert refused.value.extra["kind"] == "works"  # the code stays for programs reading it


def test_step_one_offers_only_the_categories_open_to_applicants(as_user, leader_a, meeting_hall):
    page = as_user(leader_a).get(reverse("subsidies:new"), {"programme": meeting_hall.pk}).content.decode()
    offered = re.findall(r'<option value="([a-z_]+)"', page)
    assert offered == ["extension_rebuild", "demolition"]
