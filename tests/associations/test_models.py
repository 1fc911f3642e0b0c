"""Database constraints and the stored search key."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from chonaikai.associations.models import Association, HouseholdCount
from tests.factories import AssociationFactory, HouseholdCountFactory

pytestmark = pytest.mark.django_db


def test_ten_sapporo_wards_exist_right_after_migrate():
    from wards.models import Ward

    assert dict(Ward.objects.values_list("code", "name")) == {
        "01101": "中央区",
        "01102": "北区",
        "01103": "東区",
        "01104": "白石区",
        "01105": "豊平区",
        "01106": "南区",
        "01107": "西区",
        "01108": "厚別区",
        "01109": "手稲区",
        "01110": "清田区",
    }


def test_registry_households_of_2021_are_loaded_as_facts():
    from wards.models import WardTotal

    totals = WardTotal.objects.filter(survey_date=dt.date(2021, 1, 1))
    assert sum(totals.values_list("registry_households", flat=True)) == 1_078_932
    assert all(t.source for t in totals)


def test_plan_target_and_baseline_are_seeded():
    from chonaikai.associations.models import Target

    figures = {
        (t.kind, t.fiscal_year): int(t.value) for t in Target.objects.filter(metric="member_households")
    }
    assert figures == {("baseline", 2022): 685_497, ("target", 2028): 723_778}


@pytest.mark.parametrize("field", ["households", "member_households"])
def test_counts_cannot_be_negative(field):
    count = HouseholdCountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdCount.objects.filter(pk=count.pk).update(**{field: -1})


def test_one_count_per_association_and_survey_date():
    count = HouseholdCountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdCount.objects.create(
            association=count.association, survey_date=count.survey_date, households=1, member_households=1
        )


def test_same_association_may_have_counts_for_other_survey_dates():
    count = HouseholdCountFactory()
    HouseholdCountFactory(association=count.association, survey_date=dt.date(2024, 1, 1))
    assert count.association.counts.count() == 2


def test_association_code_is_unique():
    association = AssociationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AssociationFactory(code=association.code)


@pytest.mark.parametrize(
    ("status", "ended_on", "with_successor"),
    [
        ("dissolved", None, False),  # dissolved needs a date
        ("merged", dt.date(2024, 4, 1), False),  # merged needs a successor
        ("active", dt.date(2024, 4, 1), False),  # active has no end
    ],
)
def test_status_dates_and_successor_must_agree(status, ended_on, with_successor):
    successor = AssociationFactory() if with_successor else None
    with pytest.raises(IntegrityError), transaction.atomic():
        AssociationFactory(status=status, ended_on=ended_on, successor=successor)


def test_merged_association_keeps_its_successor():
    successor = AssociationFactory()
    merged = AssociationFactory(status="merged", ended_on=dt.date(2024, 4, 1), successor=successor)
    assert list(successor.predecessors.all()) == [merged]


def test_search_ignores_width_and_kana_type():
    target = AssociationFactory(name="北1条町内会", kana="きたいちじょうちょうないかい")
    AssociationFactory(name="南町内会", kana="みなみちょうないかい")
    for query in ["ｷﾀｲﾁｼﾞｮｳ", "キタイチジョウ", "きたいちじょう", "北１条", "北1条"]:
        assert list(Association.objects.search(query)) == [target], query


def test_search_key_follows_a_rename():
    association = AssociationFactory(name="旧名町内会", kana="きゅうめい")
    association.name, association.kana = "新名町内会", "しんめい"
    association.save(update_fields=["name", "kana"])
    assert list(Association.objects.search("シンメイ")) == [association]
    assert not Association.objects.search("キュウメイ").exists()


def test_changes_to_associations_and_counts_are_kept_in_history():
    count = HouseholdCountFactory(households=100, member_households=70)
    count.member_households = 75
    count.save()
    assert [h.member_households for h in count.history.order_by("history_date")] == [70, 75]
    assert count.association.history.count() == 1
