"""Thin tasks: primitive arguments in, fetch by id, call the function that does the work."""

from celery import shared_task

from . import notifications


@shared_task
def notify_application_event_task(application_id: int, action: str) -> int:
    """E-mail the association's leader and the ward's staff about a transition; returns mails sent."""
    return notifications.send_application_event(application_id=application_id, action=action)
