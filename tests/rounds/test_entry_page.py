"""The grid entry page /counts/<ward>/<date>/: access, validation round trips, stale saves, queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chonaikai.associations.models import HouseholdCount
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

from .helpers import PREVIOUS, SURVEY, change, form_data, save

pytestmark = pytest.mark.django_db

URL = reverse("associations:count_entry", kwargs={"ward_code": "01101", "survey_date": SURVEY.isoformat()})


@pytest.fixture
def grid(client, ward_staff_chuo, counted_a, counted_b, survey_round):
    """Ward staff of 中央区 logged in, looking at their grid."""
    client.force_login(ward_staff_chuo)
    return client


def text(response) -> str:
    return response.content.decode()


def count(association):
    return HouseholdCount.objects.filter(association=association, survey_date=SURVEY).first()


def post(client, data, **changes):
    """POST the page's form with some inputs changed: a12_households="100" → a12-households."""
    data = dict(data)
    for key, value in changes.items():
        prefix, name = key.split("_", 1)
        data[f"{prefix}-{name}"] = value
    return client.post(URL, data)


def key(association) -> str:
    return f"a{association.pk}"


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("city_admin", 200), ("ward_staff_chuo", 200)])
def test_city_admin_and_the_wards_staff_open_the_grid(
    persona, status, client, counted_a, survey_round, request
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == status


@pytest.mark.parametrize("persona", ["ward_staff_kita", "leader_a", "viewer"])
def test_everyone_else_gets_not_found_for_the_grid(persona, client, counted_a, survey_round, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {f"{key(counted_a)}-households": "1"}).status_code == 404
    assert count(counted_a) is None


def test_anonymous_visitors_are_sent_to_log_in(client, survey_round):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_grid_of_a_date_without_a_round_or_not_a_date_is_not_found(client, city_admin, survey_round):
    client.force_login(city_admin)
    assert client.get(URL.replace("2025-01-01", "2020-01-01")).status_code == 404
    assert client.get(URL.replace("2025-01-01", "2025-13-01")).status_code == 404


# ---------------------------------------------------------------------------------------------
# What the grid shows
# ---------------------------------------------------------------------------------------------


def test_grid_shows_last_surveys_values_beside_inputs_prefilled_with_this_rounds(grid, counted_a, counted_b):
    save(None, "01101", change(counted_a, 101, 70))
    page = text(grid.get(URL))
    assert re.search(rf'id="prev-{counted_a.pk}-households">.*?100</td>', page)
    assert f'name="{key(counted_a)}-households" value="101"' in page
    empty = re.search(rf'<input[^>]*name="{key(counted_b)}-households"[^>]*>', page).group(0)
    assert "value=" not in empty  # not counted yet: empty, last year's figure only beside it


def test_every_input_has_a_label_and_is_described_by_the_previous_value(grid, counted_a):
    page = text(grid.get(URL))
    for name in ("households", "member_households", "note"):
        input_id = f"id_{key(counted_a)}-{name}"
        assert f'<label class="visually-hidden" for="{input_id}">中央テストA町内会' in page
    assert f'aria-describedby="prev-{counted_a.pk}-households"' in page


def test_dissolved_associations_are_not_in_the_grid(grid, chuo):
    import datetime as dt

    from chonaikai.associations.models import Association

    gone = AssociationFactory(
        ward=chuo, name="解散済み町内会", status=Association.Status.DISSOLVED, ended_on=dt.date(2024, 3, 31)
    )
    assert gone.name not in text(grid.get(URL))


# ---------------------------------------------------------------------------------------------
# Saving and validation
# ---------------------------------------------------------------------------------------------


def test_full_width_digits_and_commas_are_accepted(grid, chuo):
    new = AssociationFactory(ward=chuo)  # no previous survey, so no 20% check
    data = form_data(grid.get(URL))
    response = post(
        grid, data, **{f"{key(new)}_households": "１，２３４", f"{key(new)}_member_households": " ８７６ "}
    )
    assert response.status_code == 302
    assert (count(new).households, count(new).member_households) == (1234, 876)


def test_saving_redirects_with_a_message_and_untouched_rows_are_not_written(grid, counted_a, counted_b):
    data = form_data(grid.get(URL))
    response = post(
        grid, data, **{f"{key(counted_a)}_households": "101", f"{key(counted_a)}_member_households": "71"}
    )
    assert response.status_code == 302
    assert "保存しました（新規 1件、更新 0件）" in text(grid.get(URL))
    assert count(counted_b) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [("-5", "負の数は入力できません"), ("abc", "数値ではありません"), ("12.5", "整数で入力してください")],
)
def test_bad_numbers_come_back_with_the_input_and_a_message_tied_to_the_field(
    grid, counted_a, counted_b, value, message
):
    data = form_data(grid.get(URL))
    response = post(
        grid,
        data,
        **{
            f"{key(counted_a)}_households": value,
            f"{key(counted_a)}_member_households": "70",
            f"{key(counted_b)}_households": "201",
            f"{key(counted_b)}_member_households": "151",
        },
    )
    assert response.status_code == 400
    page = text(response)
    field_id = f"id_{key(counted_a)}-households"
    assert message in page
    assert f'value="{value}"' in page  # the user's input is kept …
    assert f'name="{key(counted_b)}-households" value="201"' in page  # … in every row
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in tag
    assert f"{field_id}-errors" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
    assert f'id="{field_id}-errors"' in page
    assert f'href="#{field_id}"' in page  # the summary links to the field
    assert not HouseholdCount.objects.filter(survey_date=SURVEY).exists()  # nothing saved


def test_members_above_households_is_refused_even_when_confirmed(grid, counted_b):
    data = form_data(grid.get(URL))
    response = post(
        grid, data, **{f"{key(counted_b)}_households": "170", f"{key(counted_b)}_member_households": "171"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "上回っています" in page
    assert f'id="id_{key(counted_b)}-member_households-errors"' in page
    data = form_data(response)
    data[f"{key(counted_b)}-confirm_members_over"] = "on"
    assert grid.post(URL, data).status_code == 400
    assert not HouseholdCount.objects.filter(association=counted_b, survey_date=SURVEY).exists()


def test_change_of_more_than_20_percent_asks_for_a_note_then_saves(grid, counted_a):
    data = form_data(grid.get(URL))
    response = post(
        grid, data, **{f"{key(counted_a)}_households": "150", f"{key(counted_a)}_member_households": "70"}
    )
    assert response.status_code == 400
    assert "理由を備考に入力してください" in text(response)
    assert f'id="id_{key(counted_a)}-note-errors"' in text(response)
    data = form_data(response)
    data[f"{key(counted_a)}-note"] = "大型マンション完成"
    assert grid.post(URL, data).status_code == 302
    assert (count(counted_a).households, count(counted_a).note) == (150, "大型マンション完成")


def test_parse_errors_and_rule_warnings_are_shown_together(grid, counted_a, counted_b):
    data = form_data(grid.get(URL))
    response = post(
        grid,
        data,
        **{
            f"{key(counted_a)}_households": "abc",
            f"{key(counted_a)}_member_households": "70",
            f"{key(counted_b)}_households": "170",
            f"{key(counted_b)}_member_households": "171",
        },
    )
    page = text(response)
    assert "数値ではありません" in page and "上回っています" in page


# ---------------------------------------------------------------------------------------------
# Two people at once
# ---------------------------------------------------------------------------------------------


def test_stale_save_is_refused_showing_the_newer_value_and_a_second_save_is_deliberate(
    grid, city_admin, counted_a
):
    save(None, "01101", change(counted_a, 100, 70))
    data = form_data(grid.get(URL))  # version 1
    save(city_admin, "01101", change(counted_a, 110, 75, version=1))  # someone else, meanwhile
    response = post(grid, data, **{f"{key(counted_a)}_households": "105"})
    assert response.status_code == 400
    page = text(response)
    assert "上書きしないよう、保存しませんでした" in page
    assert "最新の値: 区域内世帯数 110、加入世帯数 75" in page
    assert f'name="{key(counted_a)}-households" value="105"' in page  # the user's input is kept
    assert count(counted_a).households == 110
    # The returned form is based on the newer version: saving it again overwrites knowingly.
    again = form_data(response)
    assert again[f"{key(counted_a)}-version"] == "2"
    assert grid.post(URL, again).status_code == 302
    assert (count(counted_a).households, count(counted_a).version) == (105, 3)


def test_rows_someone_else_changed_are_not_overwritten_by_an_untouched_grid(
    grid, city_admin, counted_a, counted_b
):
    save(None, "01101", change(counted_a, 100, 70), change(counted_b, 200, 150))
    data = form_data(grid.get(URL))
    save(city_admin, "01101", change(counted_b, 210, 150, version=1))
    response = post(grid, data, **{f"{key(counted_a)}_households": "101"})
    assert response.status_code == 302
    assert count(counted_a).households == 101
    assert count(counted_b).households == 210  # still the other person's value


# ---------------------------------------------------------------------------------------------
# Queries do not grow with the number of associations
# ---------------------------------------------------------------------------------------------


def _fill(client, associations, households):
    data = form_data(client.get(URL))
    for a in associations:
        data[f"{key(a)}-households"] = str(households)
        data[f"{key(a)}-member_households"] = str(households // 2)
    return data


def _queries(callable_):
    with CaptureQueriesContext(connection) as ctx:
        response = callable_()
    return len(ctx), response


def test_query_count_of_grid_get_and_post_is_constant(client, ward_staff_chuo, survey_round):
    chuo = ward("01101")
    client.force_login(ward_staff_chuo)
    few = [AssociationFactory(ward=chuo) for _ in range(3)]
    for a in few:
        HouseholdCountFactory(association=a, survey_date=PREVIOUS, households=100, member_households=50)
    get_few, _ = _queries(lambda: client.get(URL))
    save(None, "01101", *(change(a, 100, 50) for a in few))  # not started → in progress done
    data = _fill(client, few, 101)
    post_few, response = _queries(lambda: client.post(URL, data))
    assert response.status_code == 302

    many = [AssociationFactory(ward=chuo) for _ in range(12)]
    for a in many:
        HouseholdCountFactory(association=a, survey_date=PREVIOUS, households=100, member_households=50)
    save(None, "01101", *(change(a, 100, 50) for a in many))
    get_many, _ = _queries(lambda: client.get(URL))
    data = _fill(client, few + many, 102)
    post_many, response = _queries(lambda: client.post(URL, data))
    assert response.status_code == 302
    assert get_few == get_many
    assert post_few == post_many


# ---------------------------------------------------------------------------------------------
# What the page's script works from (filter, drafts): present without the script too
# ---------------------------------------------------------------------------------------------


def test_each_row_carries_what_the_filter_matches_and_its_full_name_as_a_title(
    grid, counted_a, chuo, ward_staff_chuo
):
    from chonaikai.associations.models import Federation

    federation = Federation.objects.create(
        code="F-01101-T", name="中央テスト連合町内会", ward=chuo
    )  # i18n: data
    counted_a.kana = "ちゅうおうてすとえー"  # i18n: data
    counted_a.federation = federation
    counted_a.save()
    page = text(grid.get(URL))
    row = re.search(rf'<tr class="count-grid__row"[^>]*data-row="{key(counted_a)}"[^>]*>', page).group(0)
    assert f'data-search="{counted_a.code} 中央テストA町内会 ちゅうおうてすとえー"' in row
    assert 'data-federation="中央テスト連合町内会"' in row
    assert "data-flagged" not in row
    assert 'title="中央テストA町内会"' in page
    assert '<option value="中央テスト連合町内会">中央テスト連合町内会</option>' in page
    # Typed values are kept in the browser per user, ward and round.
    assert f'data-draft-key="count-grid:{ward_staff_chuo.pk}:01101:{SURVEY.isoformat()}"' in page


def test_rows_refused_on_saving_are_marked_for_the_flagged_filter(grid, counted_a, counted_b):
    data = form_data(grid.get(URL))
    response = post(grid, data, **{f"{key(counted_a)}_households": "abc"})
    assert response.status_code == 400
    page = text(response)
    flagged = re.findall(
        r'<tr class="count-grid__row count-grid__row--error"[^>]*data-row="(a\d+)"[^>]*data-flagged', page
    )
    assert flagged == [key(counted_a)]


def test_the_sample_label_is_shown_once(grid, chuo):
    made = AssociationFactory(ward=chuo, name="見本町内会", is_sample=True)  # i18n: data
    labelled = AssociationFactory(ward=chuo, name="見本二町内会（サンプル）", is_sample=True)  # i18n: data
    page = text(grid.get(URL))
    assert f'{made.name}<span class="sample-mark">（サンプル）</span>' in page
    assert f"{labelled.name}<span" not in page
