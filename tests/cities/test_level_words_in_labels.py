"""A city without wards (旭川市: one area, the whole city, 市 / 市役所, 市民委員会) sees its words in
the labels that come from the program's models and messages, not only on its pages: the admin's
model and field names, form labels, the counts workbook's headings, the roles' names and the
constraint and refusal messages. (Pages: test_labels.)

Models declare these names with placeholders (verbose_name=_("%(area)sコード")); migrations keep the
placeholders, the screens show the loaded city's words.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from chonaikai.accounts.imports import format_error, parse_rows
from chonaikai.accounts.models import Role, RoleAssignment
from chonaikai.accounts.services import RowError
from chonaikai.associations.stats import exporter
from chonaikai.subsidies import services as subsidy_services
from chonaikai.subsidies.errors import RuleNotConfirmed
from chonaikai.subsidies.models import Hall, ProgrammeRule
from chonaikai.subsidies.services import LineInput
from tests.cities.test_labels import assert_city_words, visible_text
from tests.cities.test_labels import ward_words as level_words
from tests.factories import HouseholdCountFactory
from wards.models import Ward

pytestmark = pytest.mark.django_db

SURVEY = dt.date(2024, 1, 1)


@pytest.fixture
def no_wards(city_row):
    return city_row(
        name="旭川市",  # i18n: data
        area_label="市",  # i18n: data
        area_office_label="市役所",  # i18n: data
        district_label="",
        federation_label="市民委員会",  # i18n: data
        department_short_name="地域活動推進課",  # i18n: data
    )


def ward_words(text: str) -> list[str]:
    """Where a text still says 区 for a level (区分, a programme's category, is another word)."""
    return level_words(text.replace("区分", ""))


def page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return visible_text(response.content.decode())


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/", ("市・地区", "市の住民基本台帳世帯数", "市民委員会")),
        ("/admin/wards/ward/", ("市コード", "市名")),
        ("/admin/wards/wardtotal/", ("市",)),
        ("/admin/wards/district/", ("市",)),
        ("/admin/associations/association/", ("市",)),
        ("/admin/associations/federation/", ("市",)),
        ("/admin/associations/federation/add/", ("市民委員会コード", "市民委員会名")),
        ("/admin/associations/countsupload/", ("市",)),
        ("/admin/accounts/roleassignment/", ("担当市",)),
        ("/admin/subsidies/application/", ("市で審査中",)),
        ("/admin/accounts/roleassignment/add/", ("担当市", "市役所職員")),
    ],
)
def test_the_admin_names_the_city_s_levels(admin_client, no_wards, path, expected):
    text = page(admin_client, path)
    assert_city_words(text, *expected)
    assert ward_words(text) == []


def test_the_admin_s_change_forms_name_the_area_and_its_office(admin_client, no_wards, association_a):
    ward = Ward.objects.get(code="01101")
    text = page(admin_client, f"/admin/wards/ward/{ward.pk}/change/")
    assert_city_words(text, "市コード", "市名", "市役所の名称", "市役所の所在地", "市役所の電話番号")
    assert ward_words(text) == []
    text = page(admin_client, f"/admin/associations/association/{association_a.pk}/change/")
    assert_city_words(text)
    assert ward_words(text) == []


def test_model_and_field_names_follow_the_city_and_keep_the_placeholders_for_migrations(no_wards):
    ward_model = apps.get_model("wards", "Ward")
    assert str(ward_model._meta.verbose_name) == "市"
    assert str(ward_model._meta.get_field("office_name").verbose_name) == "市役所の名称"
    assert str(ward_model._meta.get_field("office_name")._verbose_name) == "%(area_office)sの名称"
    assert ward_model._meta.original_attrs["verbose_name"] == "%(area)s"
    field = RoleAssignment._meta.get_field("ward")
    assert str(field.formfield().label) == "担当市"
    for model in apps.get_models(include_auto_created=True):
        names = [model._meta.verbose_name, model._meta.verbose_name_plural]
        names += [getattr(f, "verbose_name", "") for f in model._meta.get_fields()]
        for name in names:
            assert "%(" not in str(name or ""), (model, name)


def test_the_roles_and_the_scope_rule_name_the_city_s_office(no_wards):
    assert dict(RoleAssignment._meta.get_field("role").flatchoices)[Role.WARD_STAFF] == "市役所職員"
    assignment = RoleAssignment(role=Role.WARD_STAFF)
    with pytest.raises(ValidationError) as refused:
        assignment.validate_constraints()
    message = " ".join(refused.value.messages)
    assert "市役所職員には担当市だけを" in message and "区" not in message


def test_the_city_s_counts_workbook_names_the_area(no_wards, association_a):
    HouseholdCountFactory(association=association_a, survey_date=SURVEY)
    sheet = exporter.city_summary(survey_date=SURVEY).active
    headings = [
        [str(cell.value) for cell in row if cell.value]
        for row in sheet.iter_rows()
        if row[0].value == "市コード"
    ]
    assert headings and headings[0][:2] == ["市コード", "市名"]


def test_a_category_not_yet_open_sends_applicants_to_the_city_s_office(no_wards, leader_a, association_a):
    rule = ProgrammeRule.objects.filter(needs_confirmation=True, requires_hall=True).select_related(
        "programme"
    )[0]
    hall = Hall.objects.create(association=association_a, name="A会館", floor_area_m2=100)
    with pytest.raises(RuleNotConfirmed) as refused:
        subsidy_services.application_create(
            actor=leader_a,
            association_id=association_a.pk,
            programme_id=rule.programme.pk,
            purpose="会館の工事",
            category=rule.category,
            hall_id=hall.pk,
            lines=[LineInput("works", "工事", 300_000)],
        )
    message = refused.value.message
    assert "市役所にお問い合わせください" in message and "区役所" not in message


def test_an_account_file_may_name_the_area_and_its_staff_with_the_city_s_words(no_wards):
    rows, errors, _encoding = parse_rows("ユーザー名,役割,市コード\nclerk,市役所職員,01101\n".encode())
    assert errors == [] and (rows[0].role, rows[0].ward) == (Role.WARD_STAFF, "01101")
    _rows, errors, _encoding = parse_rows("ユーザー名,役割,市コード\nclerk,市職員,x\n".encode())
    assert errors == []
    assert format_error(RowError(2, "ward", "…")) == "2行目「市コード」: …"


def test_permissions_are_named_with_the_city_s_words_when_the_city_is_saved(no_wards):
    from django.contrib.auth.models import Permission

    assert not Permission.objects.filter(name__contains="%(").exists()  # migrate wrote them filled
    no_wards.save()  # as load_city does
    names = dict(Permission.objects.values_list("codename", "name"))
    assert names["view_ward"] == "Can view 市"
    assert names["add_federation"] == "Can add 市民委員会"
