"""E-mails about applications: submission, return, decision and payment.

Sent by tasks.notify_application_event_task after the transition's transaction commits. Recipients:
the association's leaders (active accounts with an e-mail address; the association's contact
address when it has no such leader, as for paper applicants) and the staff who review it: the staff
of its ward on an area_then_city programme, the city administrators on a city_only one (the ward
office has no part in those). One message per recipient, so that nobody sees the others'
addresses. Texts: templates/subsidies/emails/.

The texts are marked for translation, but a message is written in the site's language
(settings.LANGUAGE_CODE, Japanese) whatever language the person acting had chosen: we do not know
the recipients' choice, and the association's leader is not the one who clicked.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from chonaikai.accounts.models import Role, RoleAssignment
from chonaikai.cities.current import city, labels

from . import wording
from .models import Application
from .workflow import Action

SUBJECTS = {
    Action.SUBMIT: _("申請を受け付けました"),
    Action.RETURN: _("申請が差し戻されました"),
    Action.RETURN_COMPLETION: _("実績報告が差し戻されました"),
    Action.APPROVE: _("交付決定のお知らせ"),
    Action.REJECT: _("不交付決定のお知らせ"),
    Action.PAY: _("補助金をお支払いしました"),
}


# The body's first sentence: 「令和8年度 …補助金について、<lead>。」
LEADS = {
    Action.SUBMIT: _("申請を受け付けました"),
    Action.RETURN: _("申請が差し戻されました"),
    Action.RETURN_COMPLETION: _("実績報告が差し戻されました"),
    Action.APPROVE: _("補助金の交付が決まりました"),
    Action.REJECT: _("補助金を交付しないことが決まりました"),
    Action.PAY: _("補助金をお支払いしました"),
}


def recipients(application: Application) -> list[str]:
    """Leaders' addresses (or the association's contact address) and the reviewing staff's
    (the ward's, or the city administrators' on a city_only programme), deduplicated."""
    assignments = RoleAssignment.objects.filter(user__is_active=True).exclude(user__email="")
    leaders = list(
        assignments.filter(role=Role.ASSOCIATION_LEADER, association_id=application.association_id)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    if not leaders and application.association.contact_email:
        leaders = [application.association.contact_email]
    reviewers = (
        assignments.filter(role=Role.WARD_STAFF, ward_id=application.association.ward_id)
        if application.reviewed_by_area_office
        else assignments.filter(role=Role.CITY_ADMIN)
    )
    staff = list(reviewers.order_by("user__email").values_list("user__email", flat=True))
    return list(dict.fromkeys([*leaders, *staff]))


def send_application_event(*, application_id: int, action: str) -> int:
    """Send the mail for `action` on the application; the number of messages sent."""
    application = (
        Application.objects.select_related("association", "association__ward", "programme")
        .filter(pk=application_id)
        .first()
    )
    if application is None or action not in SUBJECTS:
        return 0
    to = recipients(application)
    if not to:
        return 0
    last = application.transitions.filter(action=action).order_by("-at", "-id").first()
    with translation.override(settings.LANGUAGE_CODE):
        messages = _messages(application, action, last.comment if last else "", to)
    return get_connection().send_messages(messages) or 0


def _reviewer(application: Application) -> dict:
    """Who checks the application and whom to ask: the ward's office (area_then_city) or the city's
    department in charge (city_only), in the loaded city's words."""
    current, words = city(), labels()
    ward = application.association.ward
    if application.reviewed_by_area_office:
        office = ward.office_name or f"{current.name} {words.area_office}"
        return {
            "reviewed_by_area_office": True,
            "reviewer": words.area_office,
            "department": "",
            "contact_name": office,
            "contact_phone": ward.office_phone,
        }
    department = current.department_name or current.department_short_name or current.name
    return {
        "reviewed_by_area_office": False,
        "reviewer": words.department or current.name,
        "department": department,
        "contact_name": department,
        "contact_phone": current.department_phone,
    }


def _messages(application: Application, action: str, comment: str, to: list[str]) -> list[EmailMessage]:
    """One message per address, in the active language."""
    context = {
        "application": application,
        "action": action,
        "headline": SUBJECTS[action],
        "lead": LEADS[action],
        # The application itself, not the site's front page.
        "application_url": settings.SITE_URL.rstrip("/") + reverse("subsidies:detail", args=[application.pk]),
        "ward": application.association.ward,
        "programme": application.programme,
        "fiscal_year": wording.fiscal_year_text(application.programme.fiscal_year),
        "association": application.association,
        "computed_amount": wording.format_yen(application.computed_amount),
        "approved_amount": wording.format_yen(application.approved_amount or 0),
        "paid_amount": wording.format_yen(application.paid_amount or 0),
        "comment": comment,
        "site_url": settings.SITE_URL,
        "city_name": city().name,
        "site_title": settings.SITE_TITLE,
        **_reviewer(application),
    }
    subject = render_to_string("subsidies/emails/application_event_subject.txt", context)
    subject = "".join(subject.splitlines())  # a newline in a subject breaks the header
    body = render_to_string("subsidies/emails/application_event_body.txt", context)
    return [EmailMessage(subject, body, None, [address]) for address in to]
