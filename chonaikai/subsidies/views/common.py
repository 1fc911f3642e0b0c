"""What every subsidy page shares: who is looking, the wizard's steps, errors shown on forms.

Access is the policy module's and the selectors' (application_detail answers 404 for anything the
user may not see); these helpers only decide which page a role lands on and how errors read.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.forms import BaseFormSet, Form
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chonaikai.accounts import policy
from chonaikai.accounts.models import Role

from ..errors import SubsidyError
from ..models import Application

CITY, WARD, LEADER, VIEWER = "city", "ward", "leader", "viewer"
DENIED = _("この操作を行う権限がありません。")


def audience(user) -> str | None:
    """Which subsidy pages the user works with: the city's, a ward's, an association's, read-only; None."""
    if policy.is_city_admin(user):
        return CITY
    assignment = policy.role_of(user)
    if assignment is None:
        return None
    return {Role.WARD_STAFF: WARD, Role.ASSOCIATION_LEADER: LEADER, Role.VIEWER: VIEWER}.get(assignment.role)


# ---------------------------------------------------------------------------------------------
# The application wizard
# ---------------------------------------------------------------------------------------------

STEPS = (
    ("programme", _("申請する補助金"), "subsidies:edit_programme"),
    ("purpose", _("事業の内容"), "subsidies:edit_purpose"),
    ("lines", _("経費"), "subsidies:edit_lines"),
    ("attachments", _("添付書類"), "subsidies:edit_attachments"),
    ("confirm", _("確認して提出"), "subsidies:confirm"),
)
STEP_KEYS = [key for key, _label, _name in STEPS]
SAVED = _("下書きを保存しました。")


def step_url(app: Application, key: str) -> str:
    name = next(name for k, _label, name in STEPS if k == key)
    return reverse(name, args=[app.pk])


def step_nav(app: Application | None, current: str) -> list[dict]:
    """The steps for the progress list at the top of each step (links once a draft exists)."""
    index = STEP_KEYS.index(current)
    return [
        {
            "number": i + 1,
            "label": label,
            "url": step_url(app, key) if app is not None else "",
            "current": key == current,
            "done": i < index,
        }
        for i, (key, label, _name) in enumerate(STEPS)
    ]


def step_after(app: Application, current: str, go: str | None) -> str:
    """Where a step's button leads: 「次へ」 the next step, 「前へ」 the previous, else the same step."""
    index = STEP_KEYS.index(current)
    if go == "next" and index + 1 < len(STEP_KEYS):
        return step_url(app, STEP_KEYS[index + 1])
    if go == "prev" and index > 0:
        return step_url(app, STEP_KEYS[index - 1])
    return step_url(app, current)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def message_of(error: Exception) -> str:
    if isinstance(error, SubsidyError):
        return error.message
    return str(error) or str(DENIED)


def status_of(error: Exception) -> int:
    return 403 if isinstance(error, PermissionDenied) else 400


# Keys of SubsidyError.extra that name the input at fault.
_EXTRA_FIELDS = {"category": "category", "hall_id": "hall", "kind": "kind"}


def attach_error(form: Form, error: Exception, field: str | None = None) -> None:
    """Show a service's refusal on the form: on `field` (or the field its `extra` names), else on top.

    A refusal with messages per field (extra["fields"] = {field: [message, …]}) puts each message at
    its field, where the person types the correction; a field the form does not have goes on top.
    """
    per_field = error.extra.get("fields") if isinstance(error, SubsidyError) else None
    if field is None and isinstance(per_field, dict) and per_field:
        for name, messages in per_field.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        return
    if field is None and isinstance(error, SubsidyError):
        field = next((_EXTRA_FIELDS[k] for k in error.extra if k in _EXTRA_FIELDS), None)
    if field is not None and field not in form.fields:
        field = None
    form.add_error(field, message_of(error))


def error_summary(*forms, extra: list[str] = ()) -> list[tuple[str, str]]:
    """(anchor id, message) for every error of the bound forms and formsets, in page order."""
    items: list[tuple[str, str]] = [("", message) for message in extra]
    for form in forms:
        if form is None or not form.is_bound:
            continue
        if isinstance(form, BaseFormSet):
            items += [("", message) for message in form.non_form_errors()]
            for number, row in enumerate(form.forms, start=1):
                for name, errors in row.errors.items():
                    anchor = row[name].auto_id if name in row.fields else ""
                    items += [
                        (anchor, gettext("%(row)s行目: %(message)s") % {"row": number, "message": message})
                        for message in errors
                    ]
            continue
        for name, errors in form.errors.items():
            anchor = form[name].auto_id if name in form.fields else ""
            items += [(anchor, message) for message in errors]
    return items
