"""The e-mails at each step lead to the application itself and name the ward office and its phone,
and the sentence reads as a sentence (「…について、補助金の交付が決まりました。」)."""

import pytest
from django.core import mail
from django.urls import reverse

from chonaikai.subsidies import services
from chonaikai.subsidies.workflow import Status

pytestmark = pytest.mark.django_db


def test_the_decision_mail_links_to_the_application_and_names_the_ward_office_and_phone(
    settings,
    city_admin,
    leader_a,
    ward_staff_chuo,
    association_a,
    make_app,
    django_capture_on_commit_callbacks,
):
    settings.SITE_URL = "https://chonaikai.example.jp"
    ward = association_a.ward
    ward.office_phone = "011-231-0000"
    ward.save()
    app = make_app(association_a, status=Status.FORWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(actor=city_admin, application_id=app.pk)
    body = mail.outbox[0].body
    assert f"https://chonaikai.example.jp{reverse('subsidies:detail', args=[app.pk])}" in body
    assert "中央区役所" in body and "011-231-0000" in body
    assert "補助金の交付が決まりました。" in body
    assert "交付決定のお知らせ。" not in body


def test_without_a_phone_on_record_the_mail_still_names_the_office(
    settings, leader_a, ward_staff_chuo, association_a, make_app, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://chonaikai.example.jp"
    app = make_app(
        association_a, status=Status.DRAFT, purpose="ホームページ", lines=(("service", "制作", 1000),)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(actor=leader_a, application_id=app.pk)
    body = mail.outbox[0].body
    assert "中央区役所" in body and "電話" not in body
    assert reverse("subsidies:detail", args=[app.pk]) in body
