"""Thin tasks: fetch by id, call the function that does the work."""

from celery import shared_task
from django.contrib.auth import get_user_model

from .emails import send_password_setup_email
from .services import SETUP_EMAIL_TASK


@shared_task(name=SETUP_EMAIL_TASK)
def send_password_setup_email_task(user_id: int, site_url: str) -> None:
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    send_password_setup_email(user=user, site_url=site_url)
