"""The entry grid at the size of a real ward: 298 associations (中央区 in the sample data) and
1,000, posted whole as a browser without JavaScript would post them, and posted as the page's
script posts them (only the rows that changed)."""

import pytest
from django.urls import reverse

from chonaikai.associations.models import Association, HouseholdCount
from tests.factories import ward

from .helpers import PREVIOUS, SURVEY, form_data

pytestmark = pytest.mark.django_db

URL = reverse("associations:count_entry", kwargs={"ward_code": "01101", "survey_date": SURVEY.isoformat()})


def make_ward_of(size: int) -> list[Association]:
    """`size` associations in 中央区, each with last year's count (100 households, 70 members)."""
    chuo = ward("01101")
    associations = Association.objects.bulk_create(
        Association(
            ward=chuo, code=f"01101-{n:04d}", name=f"大きな区の町内会{n}", kana=f"おおきなく{n}"
        )  # i18n: data
        for n in range(1, size + 1)
    )
    HouseholdCount.objects.bulk_create(
        HouseholdCount(association=a, survey_date=PREVIOUS, households=100, member_households=70)
        for a in associations
    )
    return associations


def key(association) -> str:
    return f"a{association.pk}"


@pytest.fixture
def staff(client, ward_staff_chuo, survey_round):
    client.force_login(ward_staff_chuo)
    return client


@pytest.mark.parametrize("size", [298, 1000])
def test_the_whole_grid_of_a_large_ward_posted_without_javascript_saves_every_row(staff, size):
    associations = make_ward_of(size)
    data = form_data(staff.get(URL))
    assert len(data) > 1000  # more fields than Django's default DATA_UPLOAD_MAX_NUMBER_FIELDS
    for n, a in enumerate(associations):
        data[f"{key(a)}-households"] = str(101 + n % 5)
        data[f"{key(a)}-member_households"] = "71"
    response = staff.post(URL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = HouseholdCount.objects.filter(survey_date=SURVEY, association__in=associations)
    assert saved.count() == size
    assert {c.association_id: c.households for c in saved} == {
        a.pk: 101 + n % 5 for n, a in enumerate(associations)
    }


def test_three_changed_rows_posted_alone_save_and_leave_the_rest_untouched(staff):
    """What the page's script sends: only the changed rows, each with its loaded values and version."""
    associations = make_ward_of(298)
    data = form_data(staff.get(URL))
    chosen = [associations[0], associations[150], associations[297]]
    posted = {"csrfmiddlewaretoken": data.get("csrfmiddlewaretoken", "")}
    for a in chosen:
        prefix = key(a)
        posted.update(
            {
                name: value
                for name, value in data.items()
                if name.split("-", 2)[:2]
                in (
                    [prefix, "households"],
                    [prefix, "member_households"],
                    [prefix, "note"],
                    [prefix, "version"],
                    ["initial", prefix],
                )
            }
        )
        posted[f"{prefix}-households"] = "102"
        posted[f"{prefix}-member_households"] = "72"
    assert len(posted) == 1 + 3 * 7
    response = staff.post(URL, posted)
    assert response.status_code == 302
    saved = HouseholdCount.objects.filter(survey_date=SURVEY)
    assert {c.association_id: (c.households, c.member_households) for c in saved} == {
        a.pk: (102, 72) for a in chosen
    }


def test_a_later_save_of_a_few_rows_is_checked_against_the_versions_it_was_loaded_with(staff, city_admin):
    from .helpers import change, save

    associations = make_ward_of(298)
    first, other = associations[0], associations[1]
    save(None, "01101", change(first, 100, 70), change(other, 100, 70))
    data = form_data(staff.get(URL))
    save(city_admin, "01101", change(first, 110, 75, version=1))  # someone else, meanwhile
    prefix = key(first)
    posted = {
        name: value
        for name, value in data.items()
        if name.startswith(f"{prefix}-") or name.startswith(f"initial-{prefix}-")
    }
    posted[f"{prefix}-households"] = "105"
    response = staff.post(URL, posted)
    assert response.status_code == 400
    assert "上書きしないよう、保存しませんでした" in response.content.decode()
    assert HouseholdCount.objects.get(association=first, survey_date=SURVEY).households == 110
    assert HouseholdCount.objects.get(association=other, survey_date=SURVEY).version == 1


def test_a_request_refused_before_the_view_gets_a_japanese_page_that_says_what_to_do(staff, settings):
    """More fields than even the raised bound (or a body over the size limit): Django refuses the
    request before the view runs, and with DEBUG off the clerk reads what happened and what to do."""
    settings.DEBUG = False
    too_many = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = staff.post(URL, too_many)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="ja">' in page
    assert "送信された内容を受け付けられませんでした" in page
    assert "このブラウザに残っています" in page
    assert "もう一度「まとめて保存する」を押してください" in page
    assert "Bad Request (400)" not in page


def test_a_body_over_the_size_limit_gets_the_same_page(staff, settings):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = staff.post(URL, {"a1-note": "x" * 2000})
    assert response.status_code == 400
    assert "送信された内容を受け付けられませんでした" in response.content.decode()
