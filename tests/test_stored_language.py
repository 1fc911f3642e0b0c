"""Records and messages to other people stay in the site's language (Japanese), whatever language
the person acting reads the site in."""

import datetime as dt

from django.core import mail
from django.utils import translation

from chonaikai.accounts.emails import send_password_setup_email
from chonaikai.associations.counts.services.rounds import round_open
from chonaikai.audit.models import AuditEvent
from tests.factories import UserFactory


def test_audit_records_name_their_subject_in_japanese_when_the_actor_reads_english(db):
    with translation.override("en"):
        survey_round = round_open(actor=None, survey_date=dt.date(2030, 1, 1), deadline=dt.date(2030, 2, 1))
        assert str(survey_round) == "2030-01-01 survey"  # the page shows it in English

    event = AuditEvent.objects.filter(subject_id=str(survey_round.pk)).latest("pk")
    assert event.subject_repr == "2030-01-01 の調査"


def test_password_setup_email_is_japanese_whatever_the_sending_administrators_language(db):
    user = UserFactory(email="new-leader@example.jp")

    with translation.override("en"):
        send_password_setup_email(user=user, site_url="https://chonaikai.example.lg.jp")

    message = mail.outbox[-1]
    assert message.to == ["new-leader@example.jp"]
    assert "パスワード" in message.subject + message.body
