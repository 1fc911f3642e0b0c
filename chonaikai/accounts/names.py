"""How people are named on screens, in histories and in emails: by office and family name
(「中央区役所 山田」), never by their login name.

The one function is display_name(); pages, services copying a name into a history row (audit events,
transitions, a ward's progress) and emails all call it. The login name is an account's key, shown only
where a person needs it to log in (the password emails).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from chonaikai.cities.current import labels

from .models import Role


def office_of(user) -> str:
    """The office or body a user acts for: their ward office, the city's section, their association."""
    from . import policy  # policy imports the subsidies' models; keep this module light to import

    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    assignment = policy.role_of(user)
    if assignment is None:
        return labels().department if user.is_superuser else ""
    if assignment.role == Role.WARD_STAFF:
        ward = assignment.ward
        return ward.office_name or _("%(ward)s役所") % {"ward": ward.name}
    if assignment.role == Role.CITY_ADMIN:
        return labels().department
    if assignment.role == Role.ASSOCIATION_LEADER:
        return assignment.association.name
    return ""


def display_name(user, *, fallback: str | None = None) -> str:
    """「中央区役所 山田」: the office and the family name; the office alone when no name is recorded;
    the name alone for a user with no office (a viewer). `fallback` (default 「利用者」) when neither
    is known. Never the login name. "" for no user (callers say 「システム」)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    office = office_of(user)
    family = (user.last_name or "").strip() or (user.first_name or "").strip()
    if office and family:
        return _("%(office)s %(name)s") % {"office": office, "name": family}
    return office or family or (_("利用者") if fallback is None else fallback)


def name_to_store(user) -> str:
    """display_name in the site's language, for copying into a history row (the row outlives the
    request's language and the person's later changes of office)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return display_name(user)


def display_names(users) -> dict[int, str]:
    """display_name of each user by pk, with the roles read in one query (for history lists)."""
    from . import policy
    from .models import RoleAssignment

    by_pk = {u.pk: u for u in users if u is not None}
    assignments = {
        a.user_id: a
        for a in RoleAssignment.objects.select_related("ward", "association").filter(user_id__in=by_pk)
    }
    for pk, user in by_pk.items():
        policy.remember_role(user, assignments.get(pk))
    return {pk: display_name(user) for pk, user in by_pk.items()}
