"""Sample applications for the demo: every state, labelled, replaced on every run."""

import pytest

from chonaikai.subsidies import sample, selectors, workflow
from chonaikai.subsidies.models import Application, Hall, HallRepair, Transition
from chonaikai.subsidies.workflow import Status
from tests.factories import AssociationFactory, ward

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample_associations(digital, meeting_hall):
    return [
        AssociationFactory(
            ward=ward(f"011{1 + i % 9:02d}"), name=f"テスト{i}町内会（サンプル）", is_sample=True
        )
        for i in range(24)
    ]


def test_there_is_a_sample_application_in_every_state(sample_associations):
    summary = sample.seed_sample_applications(seed=3)
    assert set(summary.states) == set(Status.values)
    assert summary.halls == 4
    apps = Application.objects.filter(is_sample=True)
    assert apps.count() == summary.applications == len(Status.values) + 4
    assert all("（サンプル）" in a.purpose for a in apps)
    assert all(a.association.is_sample for a in apps)
    assert all("（サンプル）" in h.name for h in Hall.objects.all())
    assert HallRepair.objects.filter(grant_amount__gt=0).count() == 1


def test_each_sample_application_has_the_transitions_that_lead_to_its_state(sample_associations):
    sample.seed_sample_applications(seed=3)
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
    sample.seed_sample_applications(seed=3)
    summary = selectors.programme_summary(digital)
    assert 0 < summary.approved <= summary.budget
    paper = Application.objects.get(is_sample=True, entered_by_staff=True)
    assert paper.status == Status.SUBMITTED and paper.needs_verification


def test_running_it_again_replaces_the_sample_rows_and_leaves_real_ones(
    sample_associations, association_a, make_app
):
    real = make_app(association_a)
    sample.seed_sample_applications(seed=3)
    first = (Application.objects.count(), Transition.objects.count(), Hall.objects.count())
    sample.seed_sample_applications(seed=3)
    assert (Application.objects.count(), Transition.objects.count(), Hall.objects.count()) == first
    assert Application.objects.filter(pk=real.pk).exists()
    sample.delete_sample_applications()
    assert list(Application.objects.all()) == [real]
    assert not Hall.objects.exists()


def test_without_sample_associations_nothing_is_created(digital):
    assert sample.seed_sample_applications(seed=1).applications == 0
