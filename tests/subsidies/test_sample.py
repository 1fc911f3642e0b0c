"""Sample applications for the demo: every state, labelled, replaced on every run."""

import datetime as dt

import pytest

from chonaikai.demo import subsidies as sample
from chonaikai.subsidies import selectors, workflow
from chonaikai.subsidies.models import Application, Hall, HallRepair, PaymentClaim, Programme, Transition
from chonaikai.subsidies.workflow import Status
from tests.factories import AssociationFactory, ward

pytestmark = pytest.mark.django_db
FY = 2026  # the fiscal year of the suite's programmes (the command itself uses the current one)


@pytest.fixture
def sample_associations(digital, meeting_hall):
    return [
        AssociationFactory(
            ward=ward(f"011{1 + i % 9:02d}"), name=f"テスト{i}町内会（サンプル）", is_sample=True
        )
        for i in range(24)
    ]


def test_there_is_a_sample_application_in_every_state(sample_associations):
    summary = sample.seed_sample_applications(seed=3, fiscal_year=FY)
    assert set(summary.states) == set(Status.values)
    assert summary.halls == 4
    apps = Application.objects.filter(is_sample=True)
    assert apps.count() == summary.applications == len(Status.values) + 4
    assert all("（サンプル）" in a.purpose for a in apps)
    assert all(a.association.is_sample for a in apps)
    assert all("（サンプル）" in h.name for h in Hall.objects.all())
    assert HallRepair.objects.filter(grant_amount__gt=0).count() == 1


def test_each_sample_application_has_the_transitions_that_lead_to_its_state(sample_associations):
    sample.seed_sample_applications(seed=3, fiscal_year=FY)
    for app in Application.objects.filter(is_sample=True):
        path = list(app.transitions.order_by("at", "id").values_list("from_status", "to_status"))
        state = Status.DRAFT
        for from_status, to_status in path:
            assert from_status == state
            state = to_status
        assert state == app.status
        if app.status in workflow.GRANTED_STATES:
            assert app.approved_amount == app.computed_amount > 0


def test_sample_amounts_fit_the_budget_and_the_paper_entry_waits_for_its_check(sample_associations, digital):
    sample.seed_sample_applications(seed=3, fiscal_year=FY)
    summary = selectors.programme_summary(digital)
    assert 0 < summary.approved <= summary.budget
    paper = Application.objects.get(is_sample=True, entered_by_staff=True)
    assert paper.status == Status.SUBMITTED and paper.needs_verification


def test_running_it_again_replaces_the_sample_rows_and_leaves_real_ones(
    sample_associations, association_a, make_app
):
    real = make_app(association_a)
    sample.seed_sample_applications(seed=3, fiscal_year=FY)
    first = (Application.objects.count(), Transition.objects.count(), Hall.objects.count())
    sample.seed_sample_applications(seed=3, fiscal_year=FY)
    assert (Application.objects.count(), Transition.objects.count(), Hall.objects.count()) == first
    assert Application.objects.filter(pk=real.pk).exists()
    assert PaymentClaim.objects.filter(application__is_sample=True).exists()
    sample.delete_sample_applications()
    assert list(Application.objects.all()) == [real]
    assert not Hall.objects.exists()
    # No trace of the sample left in the history either (the claims' deletion rows included).
    assert not Application.history.filter(is_sample=True).exists()
    assert not PaymentClaim.history.exclude(application_id=real.pk).exists()


def test_without_sample_associations_nothing_is_created(digital):
    assert sample.seed_sample_applications(seed=1, fiscal_year=FY).applications == 0


def test_the_citys_programmes_are_chosen_by_what_they_are_not_by_their_codes(
    sample_associations, digital, meeting_hall
):
    Programme.objects.filter(pk=digital.pk).update(code="activity")
    Programme.objects.filter(pk=meeting_hall.pk).update(code="halls")
    summary = sample.seed_sample_applications(seed=3, fiscal_year=FY)
    assert summary.sample_programme == ""
    assert not sample.sample_programmes().exists()
    apps = Application.objects.filter(is_sample=True)
    every_state = apps.filter(programme=digital)
    assert set(every_state.values_list("status", flat=True)) == set(Status.values)
    hall_apps = apps.filter(programme=meeting_hall)
    assert hall_apps.count() == 4 and all(a.hall_id for a in hall_apps)
    # The hall with a recorded grant applies under a rule with a repeat-grant interval.
    repair = HallRepair.objects.get()
    draft = hall_apps.get(hall=repair.hall)
    assert draft.status == Status.DRAFT
    assert meeting_hall.rules.get(category=draft.category).repeat_grant_interval_years
    assert repair.category == draft.category


def test_without_a_programme_in_the_fiscal_year_one_sample_programme_is_made_and_removed(
    sample_associations,
):
    summary = sample.seed_sample_applications(seed=3, fiscal_year=FY + 5)
    [made] = sample.sample_programmes()
    assert summary.sample_programme == made.name and made.name.endswith("（サンプル）")
    assert made.fiscal_year == FY + 5 and made.source == "サンプルデータ（実在しない制度）"
    assert made.budget and made in selectors.open_programmes(day=dt.date(FY + 5, 6, 1)), "open to applicants"
    apps = Application.objects.filter(is_sample=True)
    assert set(apps.values_list("programme", flat=True)) == {made.pk}  # no hall programme that year
    assert apps.count() == len(Status.values) and summary.halls == 4
    summary_after = selectors.programme_summary(made)
    assert 0 < summary_after.approved <= summary_after.budget
    assert not Programme.objects.filter(fiscal_year=FY, code=sample.SAMPLE_PROGRAMME_CODE).exists()

    sample.seed_sample_applications(seed=3, fiscal_year=FY + 5)
    assert sample.sample_programmes().count() == 1
    sample.delete_sample_applications()
    assert not sample.sample_programmes().exists()
    assert Programme.objects.filter(fiscal_year=FY).count() == 3, "the city's programmes stay"


def test_on_a_city_only_programme_the_samples_never_pass_through_an_area_office(sample_associations):
    Programme.objects.filter(fiscal_year=FY).update(review_path=workflow.ReviewPath.CITY_ONLY)

    sample.seed_sample_applications(seed=3, fiscal_year=FY)

    apps = Application.objects.filter(is_sample=True)
    assert apps.exists()
    assert not Transition.objects.filter(application__in=apps, action=workflow.Action.FORWARD).exists()
    assert not apps.filter(status=Status.UNDER_REVIEW).exists()
    for app in apps:
        state = Status.DRAFT
        for action, from_status, to_status in app.transitions.order_by("at", "id").values_list(
            "action", "from_status", "to_status"
        ):
            assert from_status == state
            assert workflow.target_status(action, from_status, workflow.ReviewPath.CITY_ONLY) == to_status
            state = to_status
        assert state == app.status
