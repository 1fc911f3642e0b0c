"""Reminder mails: 7 days and 1 day before the deadline to ward staff, after it to city admins; once each."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from chonaikai.associations import services, tasks
from chonaikai.associations.counts.services.rounds import LATE_NOTICE_DAYS
from chonaikai.associations.models import RoundReminder, WardProgress
from chonaikai.audit.models import AuditEvent
from tests.factories import HouseholdCountFactory, UserFactory

from .helpers import DEADLINE, SURVEY, set_status

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))


def at(day: dt.date):
    """The clock at 08:00 in Sapporo on `day`, when beat runs the task."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(8, 0), tzinfo=JST), tick=False)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the beat task as beat would (its mails are sent after commit, by the eager task)."""

    def run_task():
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.plan_round_reminders_task.delay().get()

    return run_task


@pytest.fixture
def setting(
    ward_staff_chuo, ward_staff_kita, city_admin, association_a, association_b, counted_kita, survey_round
):
    """中央区: a and b without counts; 北区: every association counted."""
    HouseholdCountFactory(association=counted_kita, survey_date=SURVEY)


def test_seven_days_before_ward_staff_of_wards_with_missing_counts_get_one_mail(run, setting, association_a):
    with at(DEADLINE - dt.timedelta(days=7)):
        run()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ward_staff_chuo@example.jp"]
    assert "中央区" in message.subject and "あと7日" in message.subject
    assert (
        "01101" in message.body and association_a.name in message.body and "中央テストB町内会" in message.body
    )
    assert "/counts/01101/2025-01-01/" in message.body
    assert "令和7年2月28日" in message.body


def test_the_task_run_twice_a_day_sends_once(run, setting):
    with at(DEADLINE - dt.timedelta(days=7)):
        run()
        run()
    assert len(mail.outbox) == 1
    reminder = RoundReminder.objects.get()
    assert reminder.sent_at is not None and reminder.recipients == ["ward_staff_chuo@example.jp"]


def test_the_seven_day_reminder_is_not_repeated_on_the_following_days(run, setting):
    for days in (7, 6, 5, 2):
        with at(DEADLINE - dt.timedelta(days=days)):
            run()
    assert len(mail.outbox) == 1


def test_a_missed_day_is_caught_up_once(run, setting):
    with at(DEADLINE - dt.timedelta(days=5)):
        run()
        run()
    assert len(mail.outbox) == 1 and "あと5日" in mail.outbox[0].subject


def test_the_day_before_a_second_reminder_goes_once(run, setting):
    with at(DEADLINE - dt.timedelta(days=7)):
        run()
    with at(DEADLINE - dt.timedelta(days=1)):
        run()
        run()
    assert len(mail.outbox) == 2
    assert "あと1日" in mail.outbox[1].subject
    assert {r.kind for r in RoundReminder.objects.all()} == {"deadline_7", "deadline_1"}


def test_no_reminder_before_the_window(run, setting):
    with at(DEADLINE - dt.timedelta(days=8)):
        run()
    assert not mail.outbox and not RoundReminder.objects.exists()


def test_submitted_wards_are_not_reminded(run, setting):
    set_status("01101", WardProgress.Status.SUBMITTED)
    with at(DEADLINE - dt.timedelta(days=7)):
        run()
    assert not mail.outbox


def test_staff_without_an_email_or_inactive_get_nothing_and_others_in_the_ward_do(
    run, setting, ward_staff_chuo
):
    from chonaikai.accounts.models import RoleAssignment

    colleague = UserFactory(username="colleague", email="colleague@example.jp")
    RoleAssignment.objects.create(
        user=colleague, role="ward_staff", ward=ward_staff_chuo.role_assignments.get().ward
    )
    no_mail = UserFactory(username="nomail", email="")
    RoleAssignment.objects.create(user=no_mail, role="ward_staff", ward=colleague.role_assignments.get().ward)
    ward_staff_chuo.is_active = False
    ward_staff_chuo.save()
    with at(DEADLINE - dt.timedelta(days=7)):
        run()
    assert [m.to for m in mail.outbox] == [["colleague@example.jp"]]


def test_each_recipient_gets_their_own_message(run, setting, ward_staff_chuo):
    from chonaikai.accounts.models import RoleAssignment

    colleague = UserFactory(username="colleague", email="colleague@example.jp")
    RoleAssignment.objects.create(
        user=colleague, role="ward_staff", ward=ward_staff_chuo.role_assignments.get().ward
    )
    with at(DEADLINE - dt.timedelta(days=1)):
        run()
    assert sorted(m.to[0] for m in mail.outbox) == ["colleague@example.jp", "ward_staff_chuo@example.jp"]
    assert all(len(m.to) == 1 for m in mail.outbox)


def test_after_the_deadline_city_admins_are_told_which_wards_are_late_once(run, setting, city_admin):
    superuser = UserFactory(username="root", email="root@example.jp", is_superuser=True)
    set_status("01102", WardProgress.Status.APPROVED)
    for day in (DEADLINE + dt.timedelta(days=1), DEADLINE + dt.timedelta(days=2)):
        with at(day):
            run()
            run()
    assert sorted(m.to[0] for m in mail.outbox) == ["city_admin@example.jp", superuser.email]
    message = mail.outbox[0]
    assert "提出していない区があります" in message.subject
    assert "中央区（未着手、未入力の町内会 2件）" in message.body
    assert "北区" not in message.body
    assert "/counts/rounds/2025-01-01/" in message.body
    assert (
        len([line for line in message.body.splitlines() if line.startswith("・")]) == 9
    )  # every ward but 北区
    assert AuditEvent.objects.filter(action="round.reminder_sent").count() == 1


def test_no_late_notice_when_every_ward_has_submitted(run, setting):
    WardProgress.objects.update(status=WardProgress.Status.SUBMITTED)
    with at(DEADLINE + dt.timedelta(days=1)):
        run()
    assert not mail.outbox and not RoundReminder.objects.exists()


def test_rounds_long_past_are_not_mailed_about(run, setting):
    with at(DEADLINE + dt.timedelta(days=LATE_NOTICE_DAYS + 1)):
        run()
    assert not mail.outbox


def test_a_reminder_whose_ward_has_since_submitted_is_closed_without_mail(
    setting, django_capture_on_commit_callbacks
):
    with at(DEADLINE - dt.timedelta(days=7)):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            (reminder_id,) = services.round_reminders_plan()
        set_status("01101", WardProgress.Status.SUBMITTED)
        for callback in callbacks:
            callback()
    assert not mail.outbox
    assert RoundReminder.objects.get(pk=reminder_id).sent_at is not None


def test_delivering_a_reminder_twice_sends_one_mail(setting):
    with at(DEADLINE - dt.timedelta(days=7)):
        (reminder_id,) = services.round_reminders_plan()
        assert services.round_reminder_deliver(reminder_id=reminder_id) is True
        assert services.round_reminder_deliver(reminder_id=reminder_id) is False
    assert len(mail.outbox) == 1


def test_mails_are_queued_only_after_commit(setting, django_capture_on_commit_callbacks):
    with at(DEADLINE - dt.timedelta(days=7)):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.round_reminders_plan()
    assert len(callbacks) == 1 and not mail.outbox


def test_beat_runs_the_reminder_task_every_day():
    from celery import current_app
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["round-reminders"]
    assert entry["task"] == tasks.plan_round_reminders_task.name
    assert entry["task"] in current_app.tasks
    assert isinstance(entry["schedule"], crontab) and entry["schedule"].day_of_week == set(range(7))


def test_the_task_takes_a_date_as_text(setting):
    with at(DEADLINE - dt.timedelta(days=30)):
        ids = tasks.plan_round_reminders_task.delay((DEADLINE - dt.timedelta(days=7)).isoformat()).get()
    assert len(ids) == 1


def test_a_reminder_not_queued_because_the_queue_was_down_goes_out_on_the_next_run(run, setting, monkeypatch):
    from chonaikai.associations.counts.services import rounds
    from chonaikai.queue import QueueUnavailable

    def queue_down(*args, **kwargs):
        raise QueueUnavailable()

    with at(DEADLINE - dt.timedelta(days=7)):
        monkeypatch.setattr(rounds, "enqueue", queue_down)
        run()  # recorded, not sent, and no error for the scheduler
        assert not mail.outbox
        assert RoundReminder.objects.filter(sent_at__isnull=True).count() == 1
        monkeypatch.undo()
    with at(DEADLINE - dt.timedelta(days=6)):
        run()
        run()
    assert len(mail.outbox) == 1
    assert not RoundReminder.objects.filter(sent_at__isnull=True).exists()
