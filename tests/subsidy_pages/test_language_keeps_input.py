"""Switching the language on a step of the application keeps what was typed: the language buttons
send the step's form, which is saved as a draft (as 「下書き保存」 would) and shown again in the
chosen language — nothing typed is lost, and nothing needs JavaScript."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse

from chonaikai.subsidies.models import Application

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"


def test_the_language_buttons_of_a_step_send_the_steps_form(as_user, leader_a, association_a, make_app):
    app = make_app(association_a)
    page = as_user(leader_a).get(reverse("subsidies:edit_purpose", args=[app.pk])).content.decode()
    assert '<form method="post" id="step-form"' in page
    assert 'form="step-form" name="switch_language" value="en"' in page


def test_switching_the_language_on_a_step_saves_what_was_typed_and_shows_it_in_that_language(
    as_user, leader_a, association_a, make_app
):
    app = make_app(association_a)
    client = as_user(leader_a)
    url = reverse("subsidies:edit_purpose", args=[app.pk])
    typed = {
        "purpose": "回覧板をLINEで配る",
        "planned_start": "2027-01-10",
        "planned_end": "2027-03-20",
        "switch_language": "en",
    }
    response = client.post(url, urlencode(typed), content_type=FORM)  # as a browser sends the form
    assert response.status_code == 302 and response["Location"] == url
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert Application.objects.get(pk=app.pk).purpose == "回覧板をLINEで配る"
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page and "回覧板をLINEで配る" in page


def test_an_unknown_language_changes_nothing(as_user, leader_a, association_a, make_app):
    app = make_app(association_a)
    client = as_user(leader_a)
    url = reverse("subsidies:edit_purpose", args=[app.pk])
    response = client.post(url, urlencode({"purpose": "x", "switch_language": "xx"}), content_type=FORM)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_lines_step_keeps_its_rows_when_the_language_is_switched(
    as_user, leader_a, association_a, make_app
):
    app = make_app(association_a)
    page = as_user(leader_a).get(reverse("subsidies:edit_lines", args=[app.pk])).content.decode()
    assert 'form="lines-form" name="switch_language" value="en"' in page
