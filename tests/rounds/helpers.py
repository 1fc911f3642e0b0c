"""Constants and helpers shared by the survey-round tests."""

import datetime as dt

from chonaikai.associations import services
from chonaikai.associations.models import WardProgress

SURVEY = dt.date(2025, 1, 1)
PREVIOUS = dt.date(2024, 1, 1)
DEADLINE = dt.date(2025, 2, 28)


def progress(ward_code: str, survey_date=SURVEY) -> WardProgress:
    return WardProgress.objects.select_related("ward", "survey_round").get(
        ward__code=ward_code, survey_round__survey_date=survey_date
    )


def set_status(ward_code: str, status: str) -> WardProgress:
    """Put a ward's progress in `status` directly (test set-up, not a transition)."""
    p = progress(ward_code)
    p.status = status
    p.save(update_fields=["status"])
    return p


def change(association, households, members, *, note="", version=0, confirm=False):
    return services.CountChange(
        association_id=association.pk,
        households=households,
        member_households=members,
        note=note,
        base_version=version,
        confirm_members_over=confirm,
    )


def save(actor, ward_code, *changes, reason="", survey_date=SURVEY):
    return services.counts_grid_save(
        actor=actor, ward_code=ward_code, survey_date=survey_date, changes=list(changes), reason=reason
    )


def form_data(response, form_class: str = "count-grid-form") -> dict[str, str]:
    """The fields a browser would submit from the page's form (inputs and textareas, as rendered)."""
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data: dict[str, str] = {}
            self.in_form = False
            self.textarea: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form":
                self.in_form = form_class in (a.get("class") or "").split()
            elif self.in_form and tag == "input" and a.get("name"):
                if a.get("type") == "checkbox":
                    if "checked" in a:
                        self.data[a["name"]] = a.get("value") or "on"
                else:
                    self.data[a["name"]] = a.get("value") or ""
            elif self.in_form and tag == "textarea":
                self.textarea = a["name"]
                self.data[self.textarea] = ""

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea] += data

        def handle_endtag(self, tag):
            if tag == "textarea":
                # Browsers drop the newline that follows <textarea>, as Django writes it.
                self.data[self.textarea] = self.data[self.textarea].removeprefix("\n")
                self.textarea = None
            elif tag == "form":
                self.in_form = False

    parser = Parser()
    parser.feed(response.content.decode())
    return parser.data
