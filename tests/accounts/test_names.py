"""People are named by office and family name (「中央区役所 山田」), never by their login name: on the
header, in the histories that copy a name (audit events, subsidy transitions, a ward's progress)
and in emails."""

import pytest
from django.urls import reverse

from chonaikai.accounts.names import display_name, display_names
from chonaikai.audit.models import AuditEvent
from chonaikai.audit.services import audit_record
from tests.factories import ward


@pytest.fixture
def chuo_office(db):
    w = ward("01101")
    w.office_name = "中央区役所"
    w.save(update_fields=["office_name"])
    return w


def test_ward_staff_are_their_office_and_family_name(chuo_office, ward_staff_chuo):
    ward_staff_chuo.last_name = "山田"
    assert display_name(ward_staff_chuo) == "中央区役所 山田"


def test_without_a_recorded_name_ward_staff_are_their_office(chuo_office, ward_staff_chuo):
    ward_staff_chuo.last_name = ward_staff_chuo.first_name = ""
    assert display_name(ward_staff_chuo) == "中央区役所"


def test_a_ward_without_an_office_name_is_named_after_the_ward(ward_staff_kita):
    ward_staff_kita.last_name = ""
    assert display_name(ward_staff_kita) == f"{ward('01102').name}役所"


def test_the_city_and_leaders_are_named_by_section_and_association(city_admin, leader_a, association_a):
    city_admin.last_name = leader_a.last_name = ""
    assert display_name(city_admin) == "市民自治推進室"
    assert display_name(leader_a) == association_a.name


def test_no_one_is_ever_named_by_their_login_name(viewer):
    viewer.last_name = viewer.first_name = ""
    assert display_name(viewer) == "利用者"
    assert "viewer" not in display_name(viewer)


def test_display_names_reads_every_role_in_one_query(
    django_assert_num_queries, chuo_office, ward_staff_chuo, leader_a, city_admin
):
    from django.contrib.auth import get_user_model

    users = list(get_user_model().objects.filter(pk__in=[ward_staff_chuo.pk, leader_a.pk, city_admin.pk]))
    for user in users:
        user.last_name = ""
    with django_assert_num_queries(1):
        names = display_names(users)
    assert names[ward_staff_chuo.pk] == "中央区役所"


def test_the_header_shows_the_display_name_not_the_login_name(client, chuo_office, ward_staff_chuo):
    ward_staff_chuo.last_name = "山田"
    ward_staff_chuo.save()
    client.force_login(ward_staff_chuo)
    html = client.get(reverse("associations:list")).content.decode()
    assert "中央区役所 山田 さん" in html
    assert "ward_staff_chuo さん" not in html


def test_audit_events_copy_the_display_name(chuo_office, ward_staff_chuo, association_a):
    ward_staff_chuo.last_name = "山田"
    ward_staff_chuo.save()
    audit_record(actor=ward_staff_chuo, action="test.named", subject=association_a)
    assert AuditEvent.objects.get(action="test.named").actor_name == "中央区役所 山田"
