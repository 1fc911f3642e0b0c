"""services.registry: create, update, dissolve, merge — scope, rules, row history and domain events."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chonaikai.associations import selectors
from chonaikai.associations.models import Association, HouseholdCount
from chonaikai.associations.registry.selectors import next_association_code
from chonaikai.associations.registry.services import (
    association_create,
    association_dissolve,
    association_merge,
    association_update,
)
from chonaikai.associations.selectors import Level
from chonaikai.audit.models import AuditEvent
from tests.factories import AssociationFactory, ward
from tests.registry.conftest import LATEST, PREVIOUS
from wards.models import District

pytestmark = pytest.mark.django_db


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# ---------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------


def test_next_code_follows_the_wards_highest_and_never_reuses_a_number(register):
    assert next_association_code(ward("01101")) == "01101-0004"
    assert next_association_code(ward("01103")) == "01103-0001"
    register.c.status, register.c.ended_on = "dissolved", dt.date(2024, 3, 31)
    register.c.save()
    assert next_association_code(ward("01101")) == "01101-0004"  # 0003 is dissolved, not free


def test_ward_staff_register_an_association_with_the_next_code_history_and_event(register, ward_staff_chuo):
    created = association_create(
        actor=ward_staff_chuo,
        ward=ward("01101"),
        values={"name": "新町内会", "kana": "しんちょうないかい", "representative_name": "札幌 次郎"},
        comment="新設",
    )
    assert created.code == "01101-0004" and created.status == "active"
    row = created.history.get()
    assert row.history_type == "+" and row.history_user == ward_staff_chuo
    assert row.history_change_reason == "新設"
    (event,) = events("association.created")
    assert event.actor == ward_staff_chuo and event.after["name"] == "新町内会"
    assert event.after["ward"] == ward("01101").pk


def test_ward_staff_cannot_register_in_another_ward(register, ward_staff_kita):
    with pytest.raises(PermissionDenied):
        association_create(actor=ward_staff_kita, ward=ward("01101"), values={"name": "x"})
    assert not Association.objects.filter(name="x").exists()


@pytest.mark.parametrize("persona", ["viewer", "leader_a", "anonymous"])
def test_users_without_a_ward_cannot_register(register, persona, request):
    with pytest.raises(PermissionDenied):
        association_create(actor=request.getfixturevalue(persona), ward=ward("01101"), values={"name": "x"})


def test_a_code_must_be_of_the_ward_and_free(register, city_admin):
    with pytest.raises(ValidationError) as e:
        association_create(actor=city_admin, ward=ward("01101"), code="01102-0009", values={"name": "x"})
    assert "「01101-」で始めてください" in e.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as e:
        association_create(actor=city_admin, ward=ward("01101"), code="01101-0001", values={"name": "x"})
    assert "code" in e.value.message_dict


def test_district_and_federation_must_be_of_the_same_ward(register, city_admin):
    with pytest.raises(ValidationError) as e:
        association_create(
            actor=city_admin,
            ward=ward("01101"),
            values={"name": "x", "district": District.objects.get(code="D-KITA")},
        )
    assert "中央区の地区ではありません" in e.value.message_dict["district"][0]


# ---------------------------------------------------------------------------------------------
# Update
# ---------------------------------------------------------------------------------------------


def test_update_writes_only_changed_fields_with_before_and_after(register, ward_staff_chuo):
    association_update(
        actor=ward_staff_chuo,
        association_id=register.a.pk,
        values={"name": "大通東町内会", "kana": register.a.kana, "contact_phone": "011-222-3333"},
        comment="改称",
    )
    register.a.refresh_from_db()
    assert register.a.name == "大通東町内会" and register.a.contact_phone == "011-222-3333"
    (event,) = events("association.updated")
    assert event.before == {"contact_phone": "011-000-0000", "name": "大通町内会"}
    assert event.after == {"contact_phone": "011-222-3333", "name": "大通東町内会"}
    latest = register.a.history.latest()
    assert latest.history_user == ward_staff_chuo and latest.history_change_reason == "改称"
    assert Association.objects.search("大通東").get() == register.a  # search text follows the name


def test_update_with_nothing_changed_writes_nothing(register, ward_staff_chuo):
    rows = register.a.history.count()
    association_update(actor=ward_staff_chuo, association_id=register.a.pk, values={"name": register.a.name})
    assert register.a.history.count() == rows and not events("association.updated")


def test_kita_staff_can_never_edit_dissolve_or_merge_chuo(register, ward_staff_kita):
    with pytest.raises(PermissionDenied):
        association_update(actor=ward_staff_kita, association_id=register.a.pk, values={"name": "乗っ取り"})
    with pytest.raises(PermissionDenied):
        association_dissolve(
            actor=ward_staff_kita, association_id=register.a.pk, dissolved_on=LATEST, reason="x"
        )
    with pytest.raises(PermissionDenied):
        association_merge(
            actor=ward_staff_kita,
            predecessor_ids=[register.b.pk],
            successor_id=register.a.pk,
            merged_on=LATEST,
        )
    register.a.refresh_from_db()
    assert register.a.name == "大通町内会" and register.a.status == "active"
    assert not AuditEvent.objects.exists()


def test_personal_fields_need_the_personal_data_policy(register, ward_staff_chuo, monkeypatch):
    from chonaikai.accounts import policy

    monkeypatch.setattr(policy, "can_view_personal_data", lambda user, association=None: False)
    with pytest.raises(PermissionDenied):
        association_update(
            actor=ward_staff_chuo, association_id=register.a.pk, values={"representative_name": "別人"}
        )
    # Other fields still can be changed.
    association_update(actor=ward_staff_chuo, association_id=register.a.pk, values={"kana": "おおどおり"})


def test_ward_and_code_are_not_editable(register, city_admin):
    with pytest.raises(ValueError):
        association_update(actor=city_admin, association_id=register.a.pk, values={"ward": ward("01102")})
    with pytest.raises(ValueError):
        association_update(actor=city_admin, association_id=register.a.pk, values={"status": "dissolved"})


# ---------------------------------------------------------------------------------------------
# Dissolve
# ---------------------------------------------------------------------------------------------


def test_dissolve_sets_status_and_date_keeps_counts_and_records_the_reason(register, ward_staff_chuo):
    association_dissolve(
        actor=ward_staff_chuo,
        association_id=register.c.pk,
        dissolved_on=dt.date(2024, 3, 31),
        reason="担い手不足",
    )
    register.c.refresh_from_db()
    assert (register.c.status, register.c.ended_on) == ("dissolved", dt.date(2024, 3, 31))
    assert register.c.counts.count() == 2
    (event,) = events("association.dissolved")
    assert event.comment == "担い手不足"
    assert event.before["status"] == "active" and event.after["status"] == "dissolved"
    assert register.c.history.latest().history_user == ward_staff_chuo


def test_dissolve_needs_a_reason_an_active_association_and_no_later_counts(register, city_admin):
    with pytest.raises(ValidationError) as e:
        association_dissolve(actor=city_admin, association_id=register.c.pk, dissolved_on=LATEST, reason=" ")
    assert "reason" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        association_dissolve(
            actor=city_admin, association_id=register.c.pk, dissolved_on=PREVIOUS, reason="x"
        )
    assert "2024-01-01" in e.value.message_dict["dissolved_on"][0]
    with pytest.raises(ValidationError) as e:
        association_dissolve(
            actor=city_admin, association_id=register.a.pk, dissolved_on=dt.date(1960, 1, 1), reason="x"
        )
    assert "設立日" in e.value.message_dict["dissolved_on"][0]
    association_dissolve(actor=city_admin, association_id=register.c.pk, dissolved_on=LATEST, reason="x")
    with pytest.raises(ValidationError, match="既に「解散」です"):
        association_dissolve(actor=city_admin, association_id=register.c.pk, dissolved_on=LATEST, reason="x")


# ---------------------------------------------------------------------------------------------
# Merge
# ---------------------------------------------------------------------------------------------


def _totals(day):
    city = selectors.membership_stats(survey_date=day, level=Level.CITY)
    wards = selectors.membership_stats(survey_date=day, level=Level.WARD)
    return [(r.code, r.households, r.member_households, r.rate) for r in [*city, *wards]]


def test_merge_into_an_existing_association_keeps_every_count_and_past_totals(register, ward_staff_chuo):
    before = {day: _totals(day) for day in (PREVIOUS, LATEST)}
    counts_before = list(
        HouseholdCount.objects.order_by("id").values_list("id", "association_id", "households")
    )
    series_before = selectors.membership_series(level=Level.WARD, ward=ward("01101"))

    successor = association_merge(
        actor=ward_staff_chuo,
        predecessor_ids=[register.b.pk, register.c.pk],
        successor_id=register.a.pk,
        merged_on=dt.date(2024, 4, 1),
        comment="3町内会の統合",
    )

    assert successor == register.a and successor.status == "active"
    for predecessor in (register.b, register.c):
        predecessor.refresh_from_db()
        assert predecessor.status == "merged"
        assert predecessor.ended_on == dt.date(2024, 4, 1)
        assert predecessor.successor == register.a
    assert list(register.a.predecessors.order_by("code")) == [register.b, register.c]
    # Counts are neither moved nor deleted; ward and city history is unchanged.
    assert list(HouseholdCount.objects.order_by("id").values_list("id", "association_id", "households")) == (
        counts_before
    )
    assert {day: _totals(day) for day in (PREVIOUS, LATEST)} == before
    assert selectors.membership_series(level=Level.WARD, ward=ward("01101")) == series_before
    merged = events("association.merged")
    assert [e.subject_repr for e in merged] == [str(register.b), str(register.c)]
    assert merged[0].after["successor"] == register.a.pk and merged[0].comment == "3町内会の統合"
    (received,) = events("association.merge_received")
    assert received.after["predecessors"] == ["01101-0002", "01101-0003"]
    assert register.b.history.latest().history_user == ward_staff_chuo


def test_merge_into_a_new_association_creates_it_with_the_next_code(register, city_admin):
    successor = association_merge(
        actor=city_admin,
        predecessor_ids=[register.a.pk, register.b.pk],
        new_successor={"name": "大通円山町内会", "kana": "おおどおりまるやま"},
        merged_on=dt.date(2024, 4, 1),
    )
    assert successor.code == "01101-0004" and successor.ward == ward("01101")
    assert successor.founded_on == dt.date(2024, 4, 1)
    assert set(successor.predecessors.all()) == {register.a, register.b}
    assert not successor.counts.exists()
    assert events("association.created")[0].subject_id == str(successor.pk)


def test_a_new_association_needs_two_predecessors_and_an_existing_one_needs_one(register, city_admin):
    with pytest.raises(ValidationError) as e:
        association_merge(
            actor=city_admin, predecessor_ids=[register.a.pk], new_successor={"name": "x"}, merged_on=LATEST
        )
    assert "2つ以上" in e.value.message_dict["predecessors"][0]
    with pytest.raises(ValidationError) as e:
        association_merge(actor=city_admin, predecessor_ids=[], successor_id=register.a.pk, merged_on=LATEST)
    assert "1つ以上" in e.value.message_dict["predecessors"][0]


def test_the_successor_cannot_also_be_a_predecessor(register, city_admin):
    with pytest.raises(ValidationError) as e:
        association_merge(
            actor=city_admin,
            predecessor_ids=[register.a.pk, register.b.pk],
            successor_id=register.a.pk,
            merged_on=LATEST,
        )
    assert "successor" in e.value.message_dict


def test_mergers_across_wards_are_refused_even_for_a_city_admin(register, city_admin, ward_staff_chuo):
    with pytest.raises(ValidationError) as e:
        association_merge(
            actor=city_admin, predecessor_ids=[register.kita.pk], successor_id=register.a.pk, merged_on=LATEST
        )
    assert "区をまたぐ合併はできません" in e.value.message_dict["predecessors"][0]
    with pytest.raises(PermissionDenied):  # ward staff: the other ward is out of scope
        association_merge(
            actor=ward_staff_chuo,
            predecessor_ids=[register.kita.pk],
            successor_id=register.a.pk,
            merged_on=LATEST,
        )
    register.kita.refresh_from_db()
    assert register.kita.status == "active"


def test_only_active_associations_merge_and_not_before_their_last_count(register, city_admin):
    gone = AssociationFactory(ward=ward("01101"), status="dissolved", ended_on=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError) as e:
        association_merge(
            actor=city_admin, predecessor_ids=[gone.pk], successor_id=register.a.pk, merged_on=LATEST
        )
    assert "「解散」のため合併できません" in e.value.message_dict["predecessors"][0]
    with pytest.raises(ValidationError) as e:
        association_merge(
            actor=city_admin, predecessor_ids=[register.b.pk], successor_id=register.a.pk, merged_on=PREVIOUS
        )
    assert "円山町内会には合併日より後の調査基準日（2024-01-01）" in e.value.message_dict["merged_on"][0]


def test_new_successor_errors_are_keyed_for_the_form(register, city_admin):
    with pytest.raises(ValidationError) as e:
        association_merge(
            actor=city_admin,
            predecessor_ids=[register.a.pk, register.b.pk],
            new_successor={"name": "x", "code": "01101-0001"},
            merged_on=dt.date(2024, 4, 1),
        )
    assert "new_code" in e.value.message_dict
    register.a.refresh_from_db()
    assert register.a.status == "active"  # all or nothing
