"""The subsidy pages in English (chosen in the language menu): every word of the interface is
translated, including the amount's breakdown and the unit of the amounts; what stays Japanese is
data (names of associations, programmes, expense kinds, and what people typed). The record itself
(the stored breakdown, the e-mails) stays in Japanese whatever language the person acting chose."""

import html
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from chonaikai.associations.models import Association
from chonaikai.cities.models import City
from chonaikai.subsidies.models import (
    Application,
    ExpenseKindRule,
    ExpenseLine,
    Hall,
    Programme,
    ProgrammeRule,
)
from chonaikai.subsidies.workflow import Status

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """A request activates its language in this thread and leaves it: later tests expect the default."""
    yield
    translation.deactivate()


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def main_text(response) -> str:
    """The words of the page's <main>: text between tags and the labels read out (aria-label, title)."""
    main = response.content.decode().split('<main id="main"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    labels = re.findall(r'(?:aria-label|title)="([^"]*)"', main)
    words = re.sub(r"<[^>]+>", "\n", main)
    return html.unescape("\n".join([words, *labels]))


def data_strings(*extra: str) -> list[str]:
    """Japanese that is data, not interface: names from the database and what people typed."""
    values = [
        *Programme.objects.values_list("name", flat=True),
        *Programme.objects.values_list("short_name", flat=True),
        *ProgrammeRule.objects.values_list("name", flat=True),
        *ExpenseKindRule.objects.values_list("name", flat=True),
        *Hall.objects.values_list("name", flat=True),
        *ExpenseLine.objects.values_list("description", flat=True),
        *Application.objects.values_list("purpose", flat=True),
        *Association.objects.values_list("name", flat=True),
        *Association.objects.values_list("ward__name", flat=True),
        *Association.objects.values_list("representative_name", flat=True),
        *City.objects.values_list("name", "department_name", "department_short_name").get(),
        *extra,
    ]
    return sorted({v for v in values if v}, key=len, reverse=True)


def interface_japanese(response, *extra: str) -> list[str]:
    """Lines of the page's <main> that still hold Japanese once the data is taken out."""
    words = main_text(response)
    for value in data_strings(*extra):
        words = words.replace(value, " ")
    return [line.strip() for line in words.splitlines() if JAPANESE.search(line)]


def test_the_lines_step_reads_in_english_with_the_breakdown_and_amounts_in_english(
    client, leader_a, association_a, make_app
):
    app = make_app(association_a)
    client.force_login(leader_a)
    response = english(client).get(reverse("subsidies:edit_lines", args=[app.pk]))
    page = text(response)
    assert response.status_code == 200 and '<html lang="en">' in page
    for expected in (
        "Expenses (step 3)",
        "Subsidy amount (calculated) <strong>¥70,000</strong>",
        "¥30,000 × 10/10 = ¥30,000",
        "¥60,000 × 2/3 = ¥40,000",
        "Subtotal ¥30,000 + ¥40,000 = ¥70,000",
        "Subsidy ¥70,000",
        'data-text-amount="Subsidy amount (as you type)"',
    ):
        assert expected in page, expected
    assert "円" not in main_text(response)
    assert interface_japanese(response) == []


def test_the_wards_queue_reads_in_english(client, ward_staff_chuo, association_a, association_b, make_app):
    make_app(association_a, status=Status.SUBMITTED, changed_days_ago=1)
    make_app(association_b, status=Status.UNDER_REVIEW, changed_days_ago=9)
    client.force_login(ward_staff_chuo)
    response = english(client).get(reverse("subsidies:queue"))
    page = text(response)
    for expected in (
        "Subsidy applications",
        "Applications by status",
        "Under review by the ward",
        "Waiting for action (Submitted · Under review by the ward · Completion reported)",
        "2 applications (longest waiting first)",
        "1 day",
        "9 days",
        "¥70,000",
    ):
        assert expected in page, expected
    assert interface_japanese(response) == []


def test_the_citys_application_page_and_its_refusals_read_in_english(
    client, city_admin, association_a, make_app, digital
):
    Programme.objects.filter(pk=digital.pk).update(budget=None)
    app = make_app(association_a, status=Status.FORWARDED)
    client.force_login(city_admin)
    page = english(client).get(reverse("subsidies:detail", args=[app.pk]))
    assert "Actions for this application" in text(page) and "Decide not to grant" in text(page)
    assert interface_japanese(page) == []

    refused = client.post(reverse("subsidies:action", args=[app.pk, "approve"]), {"approve-amount": "70000"})
    assert refused.status_code == 400
    assert (
        f"No budget is registered for {digital.name}. A city administrator must register the budget "
        "before a grant decision." in text(refused)
    )
    assert interface_japanese(refused) == []
    assert Application.objects.get(pk=app.pk).status == Status.FORWARDED


def test_the_live_breakdown_answers_in_english(client, leader_a, association_a, make_app):
    app = make_app(association_a)
    client.force_login(leader_a)
    url = reverse("subsidies:breakdown", args=[app.pk])
    rows = {"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0"}
    rows.update({"lines-0-description": "講師", "lines-0-kind": "service", "lines-0-amount": "10,000"})
    rows.update({"lines-1-description": "PC", "lines-1-kind": "goods", "lines-1-amount": "¥100,000"})
    data = english(client).post(url, rows).json()
    assert data["amount_text"] == "¥76,666"
    assert "物品・備品購入費・工事費 ¥100,000 × 2/3 = ¥66,666 (rounded down to the yen)" in data["lines"]
    assert data["lines"][-1] == "Subsidy ¥76,666"

    refused = client.post(url, {**rows, "lines-1-amount": "-1"})
    assert refused.status_code == 400
    assert refused.json()["message"] == "Line 2: The amount must be 0 yen or more."


def test_lines_saved_from_an_english_page_are_recorded_in_japanese_and_shown_in_each_language(
    client, leader_a, association_a, make_app
):
    app = make_app(association_a, lines=())
    client.force_login(leader_a)
    rows = {"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "go": "stay"}
    rows.update({"lines-0-description": "講師謝礼", "lines-0-kind": "service", "lines-0-amount": "30000"})
    rows.update({"lines-1-description": "タブレット", "lines-1-kind": "goods", "lines-1-amount": "60000"})
    assert english(client).post(reverse("subsidies:edit_lines", args=[app.pk]), rows).status_code == 302
    app.refresh_from_db()
    assert app.breakdown["lines"][-2:] == ["小計 30,000円 + 40,000円 = 70,000円", "補助額 70,000円"]

    assert "Subtotal ¥30,000 + ¥40,000 = ¥70,000" in text(
        client.get(reverse("subsidies:detail", args=[app.pk]))
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    japanese = text(client.get(reverse("subsidies:detail", args=[app.pk])))
    assert "小計 30,000円 + 40,000円 = 70,000円" in japanese and "Subtotal" not in japanese


def test_the_mail_after_an_english_submission_is_in_japanese(
    client, leader_a, association_a, make_app, django_capture_on_commit_callbacks
):
    app = make_app(association_a)
    client.force_login(leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = english(client).post(reverse("subsidies:confirm", args=[app.pk]), {"go": "submit"})
    assert response.status_code == 302
    assert "Submitted (application number" in text(client.get(response["Location"]))
    assert mail.outbox, "no mail was sent"
    message = mail.outbox[0]
    assert "申請を受け付けました" in message.subject
    assert "申請額（算定額）: 70,000円" in message.body and "Application number" not in message.body


def test_a_stored_breakdown_line_shows_as_stored_in_japanese_and_falls_back_for_an_unknown_phrase():
    from chonaikai.subsidies import rules, wording

    phrase = {"id": "subtotal", "parts": [30000, 40000], "total": 70000}
    stored = rules.Step("subtotal", "小計（保存時の文言）", 70000, {}, phrase)
    # Japanese: the record itself, not the sentence written again.
    assert wording.step_text(stored) == "小計（保存時の文言）"
    unknown = rules.Step("note", "保存時の文言", 0, {}, {"id": "a-phrase-from-a-later-release"})
    with translation.override("en"):
        assert wording.step_text(unknown) == "保存時の文言"
