"""A programme's page before step 1, and step 1 that never asks for the programme again: what the
programme pays for with examples per kind, rates, cap, a worked example computed by the rules from
the rule rows, the period, documents and whom to ask; the hall registered on the first step."""

import re

import pytest
from django.urls import reverse

from chonaikai.subsidies.models import Application, ExpenseKindRule, Hall
from chonaikai.subsidies.workflow import Status

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def guide(client, programme):
    return client.get(reverse("subsidies:guide", args=[programme.pk]))


def test_the_home_page_leads_to_the_programmes_page_first(as_user, leader_a, digital):
    page = as_user(leader_a).get(reverse("subsidies:home")).content.decode()
    assert reverse("subsidies:guide", args=[digital.pk]) in page
    assert f"{reverse('subsidies:new')}?programme=" not in page


def test_the_digital_programmes_page_states_rates_examples_cap_period_documents_and_whom_to_ask(
    as_user, leader_a, association_a, digital
):
    ward = association_a.ward
    ward.office_phone = "011-000-0000"
    ward.save()
    page = text(guide(as_user(leader_a), digital))
    assert "報償費・役務費・委託費" in page and "補助率 10/10（全額）" in page
    assert "クラウドサービス" in page  # a cloud service is 役務費 at 10/10
    assert "物品・備品購入費・工事費" in page and "補助率 2/3" in page
    assert "100,000円" in page  # the cap
    assert "令和8年4月1日 〜 令和9年3月31日" in page  # the period (the fiscal year: no window set)
    assert "見積書" in page  # documents
    assert "中央区役所" in page and "011-000-0000" in page  # whom to ask, from the ward's data
    assert (
        f'href="{reverse("subsidies:new")}?programme={digital.pk}"' in page or "この補助金を申請する" in page
    )


def test_the_worked_example_is_computed_from_the_rule_rows(as_user, leader_a, digital):
    page = text(guide(as_user(leader_a), digital))
    # 3/10 and 9/10 of the ¥100,000 cap: 30,000 × 10/10 + 90,000 × 2/3
    assert "この例の補助額: 90,000円" in page
    ExpenseKindRule.objects.filter(rule__programme=digital, code="goods").update(
        rate_numerator=1, rate_denominator=2
    )
    page = text(guide(as_user(leader_a), digital))
    assert "90,000円 × 1/2 = 45,000円" in page and "この例の補助額: 75,000円" in page


def test_the_meeting_hall_page_shows_applicants_only_the_open_categories_and_staff_why_not_others(
    as_user, leader_a, ward_staff_chuo, meeting_hall
):
    leader_page = text(guide(as_user(leader_a), meeting_hall))
    assert "増築・改築" in leader_page and "解体" in leader_page
    assert "新築" not in leader_page and "要綱で要確認" not in leader_page
    assert "延床面積 100m² の会館" in leader_page  # the demolition example uses a floor area
    staff_page = text(guide(as_user(ward_staff_chuo), meeting_hall))
    assert "新築" in staff_page and "要綱で要確認" in staff_page and "申請を受け付けません" in staff_page


def test_step_one_does_not_ask_for_the_programme_again_nor_for_a_hall_for_the_digital_subsidy(
    as_user, leader_a, digital
):
    response = as_user(leader_a).get(reverse("subsidies:new"), {"programme": digital.pk})
    page = response.content.decode()
    assert 'type="radio"' not in page
    assert f'type="hidden" name="programme" value="{digital.pk}"' in page
    assert "会館" not in text(response)


def test_without_a_programme_step_one_lists_the_programmes_pages(as_user, leader_a, digital):
    response = as_user(leader_a).get(reverse("subsidies:new"))
    assert response.status_code == 200
    assert reverse("subsidies:guide", args=[digital.pk]) in response.content.decode()
    assert "<form" not in response.content.decode().split("<main", 1)[-1]


def test_a_leader_without_a_hall_learns_on_step_one_that_the_category_needs_one(
    as_user, leader_a, meeting_hall
):
    response = as_user(leader_a).post(
        reverse("subsidies:new"),
        {"programme": meeting_hall.pk, "category": "extension_rebuild", "go": "next"},
    )
    assert response.status_code == 400
    assert "対象の会館が必要です" in text(response)
    assert not Application.objects.exists()


def test_a_leader_registers_the_hall_on_step_one_and_goes_on(as_user, leader_a, association_a, meeting_hall):
    response = as_user(leader_a).post(
        reverse("subsidies:new"),
        {
            "programme": meeting_hall.pk,
            "category": "demolition",
            "hall_name": "テスト会館",
            "hall_address": "札幌市中央区南1条西1丁目",
            "hall_floor_area": "１２０．５㎡",
            "hall_tenure": "owned",
            "hall_year_built": "1980",
            "go": "next",
        },
    )
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "subsidies:edit_purpose", args=[app.pk]
    )
    hall = Hall.objects.get()
    assert app.hall == hall and hall.association == association_a and hall.awaiting_check
    assert str(hall.floor_area_m2) == "120.50" and hall.year_built == 1980
    assert app.status == Status.DRAFT


def test_a_half_filled_hall_is_refused_on_step_one_naming_what_is_missing(as_user, leader_a, meeting_hall):
    response = as_user(leader_a).post(
        reverse("subsidies:new"),
        {"programme": meeting_hall.pk, "category": "demolition", "hall_name": "テスト会館", "go": "next"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "会館の所在地を入力してください" in page and "会館の延床面積を入力してください" in page
    assert not Hall.objects.exists()


def test_the_ward_sees_a_hall_awaiting_its_check_and_checks_it_on_the_application(
    as_user, leader_a, ward_staff_chuo, association_a, meeting_hall, make_app
):
    hall = Hall.objects.create(association=association_a, name="待ち会館", floor_area_m2=90, address="中央区")
    app = make_app(
        association_a,
        programme=meeting_hall,
        category="extension_rebuild",
        hall=hall,
        status=Status.UNDER_REVIEW,
        lines=(("works", "屋根", 300_000),),
    )
    client = as_user(ward_staff_chuo)
    page = text(client.get(reverse("subsidies:detail", args=[app.pk])))
    assert "区役所の確認待ち" in page  # labels.area_office of the test city
    response = client.post(reverse("subsidies:hall_confirm", args=[app.pk]))
    assert response.status_code == 302
    hall.refresh_from_db()
    assert not hall.awaiting_check and hall.checked_by == ward_staff_chuo
    # a leader cannot check their own hall
    other = Hall.objects.create(association=association_a, name="別の会館", floor_area_m2=50)
    app.hall = other
    app.save()
    as_user(leader_a).post(reverse("subsidies:hall_confirm", args=[app.pk]))
    other.refresh_from_db()
    assert other.awaiting_check


def test_a_draft_without_its_hall_gets_one_registered_on_step_one_again(
    as_user, leader_a, association_a, meeting_hall, make_app
):
    draft = make_app(
        association_a,
        programme=meeting_hall,
        category="extension_rebuild",
        lines=(("works", "屋根", 300_000),),
    )
    client = as_user(leader_a)
    refused = client.post(
        reverse("subsidies:edit_programme", args=[draft.pk]), {"category": "extension_rebuild", "go": "next"}
    )
    assert refused.status_code == 400 and "対象の会館が必要です" in text(refused)
    response = client.post(
        reverse("subsidies:edit_programme", args=[draft.pk]),
        {
            "category": "extension_rebuild",
            "hall_name": "あとから会館",
            "hall_address": "札幌市中央区",
            "hall_floor_area": "80",
            "hall_tenure": "leased",
            "go": "next",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.hall.name == "あとから会館" and draft.hall.tenure == Hall.Tenure.LEASED
    assert draft.hall.awaiting_check


def _guide_documents(page: str) -> list[str]:
    section = page.split('id="documents-heading"', 1)[1].split("</section>", 1)[0]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", section, re.S)]


def _attachment_kinds(page: str) -> list[str]:
    select = page.split('name="kind"', 1)[1].split("</select>", 1)[0]
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]+)</option>", select)]


@pytest.mark.parametrize("programme_name", ["digital", "meeting_hall"])
def test_the_guide_lists_exactly_the_documents_the_attachment_step_asks_for(
    request, as_user, leader_a, association_a, make_app, programme_name
):
    programme = request.getfixturevalue(programme_name)
    hall = (
        {"category": "repair", "lines": (("works", "屋根", 30_000),)}
        if programme_name == "meeting_hall"
        else {}
    )
    app = make_app(association_a, programme=programme, **hall)
    client = as_user(leader_a)
    documents = _guide_documents(guide(client, programme).content.decode())
    kinds = _attachment_kinds(
        client.get(reverse("subsidies:edit_attachments", args=[app.pk])).content.decode()
    )
    asked = [kind for kind in kinds if kind != "その他"]
    assert documents and len(documents) == len(asked)
    for document, kind in zip(documents, asked, strict=True):
        assert document.startswith(kind), (documents, asked)
