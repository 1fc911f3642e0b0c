"""The same rows give the same plausibility flags in the import preview, the grid and the approval
view (issue 13, acceptance: "one test feeds the same rows to all three")."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from chonaikai.associations import rules, services
from chonaikai.associations.counts.services.entry import entry_row_issues
from tests.factories import AssociationFactory, HouseholdCountFactory, ward
from tests.imports.conftest import upload, xlsx

from .helpers import DEADLINE, PREVIOUS, SURVEY, change

pytestmark = pytest.mark.django_db

# code: (previous households, previous members), (households, members), note — and the flags.
ROWS = {
    "01101-0101": ((93, 60), (930, 60), "区画整理で区域が広がった", {rules.LARGE_CHANGE_CODE}),
    "01101-0102": ((200, 150), (200, 0), "役員不在で集計できず", {rules.LARGE_CHANGE_CODE, rules.ZERO}),
    "01101-0103": ((100, 70), (100, 72), "", set()),
    "01101-0104": ((50, 40), (0, 0), "全戸転出", {rules.LARGE_CHANGE_CODE, rules.ZERO}),
    "01101-0105": ((120, 80), (118, 79), "", set()),
}


@pytest.fixture(autouse=True)
def fresh_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def associations(db):
    chuo = ward("01101")
    made = {}
    for code, ((h, m), _now, _note, _flags) in ROWS.items():
        made[code] = AssociationFactory(ward=chuo, code=code, name=f"町内会{code[-3:]}")
        HouseholdCountFactory(association=made[code], survey_date=PREVIOUS, households=h, member_households=m)
    services.round_open(actor=None, survey_date=SURVEY, deadline=DEADLINE)
    return made


def flags_by_association(html: str) -> dict[str, set[str]]:
    """{association code: the data-flag values in its table row} for every row that names one."""
    found = {}
    for code, body in re.findall(r'<tr[^>]*data-association="([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        found[code] = set(re.findall(r'data-flag="([^"]+)"', body))
    return found


def test_the_preview_the_grid_and_the_approval_view_show_the_same_flags(
    client, associations, ward_staff_chuo, city_admin
):
    expected = {code: flags for code, (_b, _n, _note, flags) in ROWS.items()}
    file_rows = [[code, associations[code].name, h, m, note] for code, (_b, (h, m), note, _f) in ROWS.items()]

    # 1. The import preview (the page).
    client.force_login(ward_staff_chuo)
    response = client.post("/import/", {"file": upload(xlsx(file_rows)), "survey_date": SURVEY.isoformat()})
    preview_url = response["Location"]
    preview = client.get(preview_url).content.decode()
    assert flags_by_association(preview) == expected
    assert "取り込みを確定する" in preview  # every large change has its note
    client.post(preview_url)

    # 2. The grid: the API's rows carry the flags of the counts now held, and the grid's save
    # refuses the same large changes when they come without a note.
    api = APIClient()
    api.force_authenticate(ward_staff_chuo)
    grid = api.get(f"/api/v1/wards/01101/counts/{SURVEY.isoformat()}/").json()
    assert {r["association"]: {f["code"] for f in r["flags"]} for r in grid["rows"]} == expected
    page = client.get(
        reverse("associations:count_entry", kwargs={"ward_code": "01101", "survey_date": SURVEY})
    )
    assert flags_by_association(page.content.decode()) == expected
    for code, ((ph, pm), (h, m), _note, flags) in ROWS.items():
        issues = entry_row_issues(change(associations[code], h, m), current=None, previous=(ph, pm))
        assert {i.code for i in issues} == flags & {rules.LARGE_CHANGE_CODE}, code

    # 3. The city's approval view, once the ward has submitted.
    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    client.force_login(city_admin)
    review = client.get(
        reverse("associations:count_review", kwargs={"survey_date": SURVEY.isoformat(), "ward_code": "01101"})
    ).content.decode()
    flagged = {code: flags for code, flags in expected.items() if flags}
    assert flags_by_association(review) == flagged  # the approval view lists flagged rows only
    for _b, _n, note, flags in ROWS.values():
        if flags:
            assert note in review


def test_members_above_households_is_refused_by_the_preview_and_the_grid(
    client, associations, ward_staff_chuo
):
    code = "01101-0103"
    client.force_login(ward_staff_chuo)
    row = [[code, associations[code].name, 80, 81, "事業所を含む"]]  # both within 20 % of 100/70
    response = client.post("/import/", {"file": upload(xlsx(row)), "survey_date": SURVEY.isoformat()})
    preview = client.get(response["Location"]).content.decode()
    assert flags_by_association(preview) == {code: {rules.MEMBERS_OVER}}
    assert "取り込みを確定する" not in preview
    issues = entry_row_issues(
        change(associations[code], 80, 81, note="事業所を含む", confirm=True),
        current=None,
        previous=(100, 70),
    )
    assert [i.code for i in issues] == [rules.MEMBERS_OVER]


def test_the_api_s_import_preview_gives_the_same_flags_and_the_previous_survey(associations, ward_staff_chuo):
    file_rows = [[code, associations[code].name, h, m, note] for code, (_b, (h, m), note, _f) in ROWS.items()]
    api = APIClient()
    api.force_authenticate(ward_staff_chuo)
    response = api.post(
        "/api/v1/counts/import/",
        {"file": upload(xlsx(file_rows)), "survey_date": SURVEY.isoformat(), "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 200, response.content[:500]
    rows = response.json()["rows"]
    assert {r["code"]: {f["code"] for f in r["flags"]} for r in rows} == {
        code: flags for code, (_b, _n, _note, flags) in ROWS.items()
    }
    first = next(r for r in rows if r["code"] == "01101-0101")
    assert (first["previous_households"], first["households"]) == (93, 930)
    assert first["flags"][0]["explained"] is True
