"""Every subsidy page: a title of its own, a label for every input, errors tied to their fields, and
no inline script or style (the Content-Security-Policy allows neither)."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from chonaikai.subsidies.models import Hall
from chonaikai.subsidies.workflow import Status

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []
        self.label_for: set[str] = set()
        self.title = ""
        self._in_title = False
        self.inline_scripts = 0
        self.style_attributes = 0
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "style" in attrs:
            self.style_attributes += 1
        if tag == "title":
            self._in_title = True
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.inline_scripts += 1
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea"):
            if attrs.get("type") not in ("hidden", "submit", "button"):
                self.inputs.append(attrs)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(response) -> Page:
    page = Page()
    page.feed(response.content.decode())
    return page


@pytest.fixture
def pages(association_a, make_app, meeting_hall, digital, resident_grant):
    Hall.objects.create(association=association_a, name="A会館", floor_area_m2=100)
    draft = make_app(
        association_a, programme=meeting_hall, category="repair", lines=(("works", "屋根", 3_000),)
    )
    forwarded = make_app(association_a, status=Status.FORWARDED)
    approved = make_app(
        association_a,
        programme=meeting_hall,
        category="repair",
        status=Status.APPROVED,
        lines=(("works", "x", 3),),
    )
    return {
        "leader_a": [
            reverse("subsidies:home"),
            reverse("subsidies:new"),
            reverse("subsidies:edit_programme", args=[draft.pk]),
            reverse("subsidies:edit_purpose", args=[draft.pk]),
            reverse("subsidies:edit_lines", args=[draft.pk]),
            reverse("subsidies:edit_attachments", args=[draft.pk]),
            reverse("subsidies:confirm", args=[draft.pk]),
            reverse("subsidies:detail", args=[draft.pk]),
            reverse("subsidies:print", args=[draft.pk]),
            reverse("subsidies:withdraw", args=[draft.pk]),
            reverse("subsidies:report", args=[approved.pk]),
        ],
        "ward_staff_chuo": [reverse("subsidies:queue"), reverse("subsidies:paper_new")],
        "city_admin": [
            reverse("subsidies:detail", args=[forwarded.pk]),
            reverse("subsidies:programmes"),
            reverse("subsidies:programme", args=[meeting_hall.pk]),
            reverse("subsidies:programme", args=[resident_grant.pk]),
            reverse("subsidies:exports"),
        ],
    }


def test_every_page_has_its_title_labels_for_every_input_and_no_inline_code(as_user, pages, request):
    titles = set()
    for persona, urls in pages.items():
        client = as_user(request.getfixturevalue(persona))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            page = parse(response)
            title = page.title.strip()
            assert title and not title.startswith("|"), url
            titles.add(title)
            for attrs in page.inputs:
                assert attrs.get("id") in page.label_for or attrs.get("aria-label"), (url, attrs)
            assert page.inline_scripts == 0, url
            assert page.style_attributes == 0, url
            duplicates = {i for i in page.ids if page.ids.count(i) > 1}
            assert not duplicates, (url, duplicates)
    assert len(titles) == sum(len(urls) for urls in pages.values())  # every page says what it is


def test_field_errors_are_announced_and_tied_to_their_input(as_user, leader_a, association_a, make_app):
    app = make_app(association_a)
    response = as_user(leader_a).post(
        reverse("subsidies:edit_purpose", args=[app.pk]), {"planned_start": "あした", "go": "stay"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and 'id="error-summary"' in html
    assert "日付は 2026-12-01 のように入力してください。" in html
    field = re.search(r"<input[^>]*name=\"planned_start\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_planned_start_error"' in field
    assert 'value="あした"' in field
    assert 'href="#id_planned_start"' in html


def test_pages_load_the_subsidy_script_from_a_file(as_user, leader_a, association_a, make_app):
    app = make_app(association_a)
    html = as_user(leader_a).get(reverse("subsidies:edit_lines", args=[app.pk])).content.decode()
    assert re.search(r'<script src="/static/js/subsidies\.js[^"]*" defer></script>', html)
    assert f'data-breakdown-url="{reverse("subsidies:breakdown", args=[app.pk])}"' in html
    assert 'id="breakdown-live" aria-live="polite"' in html


def test_the_print_page_hides_navigation_when_printed(client):
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/site.css"), encoding="utf-8").read()
    block = css[css.index("/* Subsidies (subsidies/)") :]
    printed = block[block.index("@media print") :]
    for selector in (".site-header", ".site-footer", ".no-print", ".flash-messages"):
        assert selector in printed
