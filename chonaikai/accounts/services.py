"""Writes for accounts and roles. Each is one transaction; the caller's scope is re-checked here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chonaikai.cities.texts import labelled, words
from chonaikai.queue import enqueue
from wards.models import Ward

from .models import Role, RoleAssignment, role_label
from .policy import can_manage_accounts

# The password-set email (chonaikai.accounts.tasks registers it under this name). Sent by name
# through chonaikai.queue: tasks call services, never the reverse.
SETUP_EMAIL_TASK = "chonaikai.accounts.tasks.send_password_setup_email_task"

User = get_user_model()


def _check_actor(actor) -> None:
    # actor None: the command line (manage.py), whose operator already holds the server.
    if actor is not None and not can_manage_accounts(actor):
        raise PermissionDenied(_("アカウントを作成する権限がありません。"))


def account_check(
    *,
    username: str,
    role: str,
    ward: Ward | None = None,
    association=None,  # an associations.Association (RoleAssignment.association)
    email: str = "",
) -> None:
    """Raise ValidationError (keyed by field) unless an account with these values may be created.

    Reads only; commands call it before prompting for a password, account_create calls it again.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not username:
        add("username", _("ユーザー名を入力してください。"))
    else:
        username_field = User._meta.get_field(User.USERNAME_FIELD)
        try:
            username_field.run_validators(username)
        except ValidationError as e:
            for message in e.messages:
                add("username", message)
        if (
            "username" not in errors
            and User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists()
        ):
            add("username", _("ユーザー名「%(username)s」は既に使われています。") % {"username": username})

    if role not in Role.values:
        choices = _("、").join(
            _("%(value)s（%(label)s）") % {"value": r.value, "label": role_label(r)} for r in Role
        )
        add(
            "role",
            _("役割「%(role)s」はありません。次のいずれかです: %(choices)s")
            % {"role": role, "choices": choices},
        )
    else:
        label = role_label(role)
        if role == Role.WARD_STAFF:
            if ward is None:
                add("ward", labelled(_("%(area_office)s職員には担当%(area)sを指定してください。")))
            if association is not None:
                add(
                    "association",
                    labelled(
                        _("%(area_office)s職員には町内会を指定できません（担当%(area)sだけを指定します）。")
                    ),
                )
        elif role == Role.ASSOCIATION_LEADER:
            if association is None:
                add("association", _("町内会役員には担当町内会を指定してください。"))
            if ward is not None:
                add(
                    "ward",
                    labelled(_("町内会役員には%(area)sを指定できません（%(area)sは町内会から決まります）。")),
                )
        else:
            if ward is not None:
                add("ward", _("%(role)sには%(area)sを指定できません。") % {**words(), "role": label})
            if association is not None:
                add("association", _("%(role)sには町内会を指定できません。") % {"role": label})

    if email:
        try:
            validate_email(email)
        except ValidationError:
            add("email", _("メールアドレス「%(email)s」の形式が正しくありません。") % {"email": email})

    if errors:
        raise ValidationError(errors)


@transaction.atomic
def account_create(
    *,
    actor: AbstractBaseUser | None,
    username: str,
    role: str,
    ward: Ward | None = None,
    association=None,  # an associations.Association (RoleAssignment.association)
    email: str = "",
    password: str | None,
) -> AbstractBaseUser:
    """Create a user and their one role assignment.

    `password` None gives an unusable password: the user sets one through the password-set
    (reset) link, see account_invite. City administrators get is_staff so that they can open the
    admin site; what they may do there is decided by the policy, not by that flag.
    """
    _check_actor(actor)
    username = User.normalize_username((username or "").strip())
    email = BaseUserManager.normalize_email((email or "").strip())
    account_check(username=username, role=role, ward=ward, association=association, email=email)

    user = User(**{User.USERNAME_FIELD: username}, email=email, is_staff=role == Role.CITY_ADMIN)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user=user)
        except ValidationError as e:
            raise ValidationError({"password": e.messages}) from e
        user.set_password(password)
    try:
        # A savepoint, so that losing a race on the username leaves the outer transaction usable.
        with transaction.atomic():
            user.save()
    except IntegrityError as e:
        raise ValidationError(
            {"username": [_("ユーザー名「%(username)s」は既に使われています。") % {"username": username}]}
        ) from e

    assignment = RoleAssignment(user=user, role=role, ward=ward, association=association)
    assignment._history_user = actor  # row history: who granted the role (None: command line)
    assignment.save()
    return user


def account_invite(*, actor: AbstractBaseUser | None, user: AbstractBaseUser, site_url: str) -> bool:
    """Send the password-set email after the surrounding transaction commits.

    Returns False (and sends nothing) when the user has no email address. When the task queue is
    down, chonaikai.queue.QueueUnavailable reaches the caller after the commit: the account exists,
    and the user can ask for the email again through the password-reset page.
    """
    _check_actor(actor)
    if not user.email:
        return False
    transaction.on_commit(partial(enqueue, SETUP_EMAIL_TASK, user.pk, site_url))
    return True


# Bulk provisioning (import_accounts).


@dataclass(frozen=True)
class AccountRow:
    """One parsed CSV row; codes are not resolved yet. `line` is the row number in the file."""

    line: int
    username: str
    role: str
    ward: str = ""
    association: str = ""
    email: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None  # AccountRow field name; None for the whole row or file
    message: str


class AccountImportError(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def _ward_lookup() -> dict[str, Ward]:
    """Wards by code and by name; a code that lost its leading zero in a spreadsheet still matches."""
    lookup: dict[str, Ward] = {}
    for ward in Ward.objects.all():
        lookup[ward.code] = ward
        lookup[ward.code.lstrip("0")] = ward
        lookup[ward.name] = ward
    return lookup


@dataclass(frozen=True)
class ImportedAccount:
    user: AbstractBaseUser
    invited: bool


@transaction.atomic
def accounts_import(
    *,
    actor: AbstractBaseUser | None,
    rows: list[AccountRow],
    find_associations: Callable[[set[str]], Mapping[str, object]],
    site_url: str = "",
) -> list[ImportedAccount]:
    """Create every account in `rows`, or none: any row error raises AccountImportError.

    `find_associations(codes)` gives the associations the rows name, by code (the accounts know
    no domain app: the caller, above both, reads them).

    Passwords are never imported. Users with an email get the password-set email after commit;
    `site_url` (scheme and host) is needed for its link whenever a row has an email.
    """
    _check_actor(actor)
    wards = _ward_lookup()
    association_codes = {row.association for row in rows if row.association}
    associations = find_associations(association_codes)

    errors: list[RowError] = []
    created: list[ImportedAccount] = []
    seen: dict[str, int] = {}
    for row in rows:
        row_errors: list[RowError] = []
        key = row.username.casefold()
        if row.username and key in seen:
            row_errors.append(
                RowError(
                    row.line,
                    "username",
                    _("ユーザー名「%(username)s」は%(line)d行目と重複しています。")
                    % {"username": row.username, "line": seen[key]},
                )
            )
        seen.setdefault(key, row.line)
        ward = wards.get(row.ward) if row.ward else None
        if row.ward and ward is None:
            row_errors.append(
                RowError(
                    row.line,
                    "ward",
                    _("%(area)s「%(ward)s」が見つかりません。") % {**words(), "ward": row.ward},
                )
            )
        association = associations.get(row.association) if row.association else None
        if row.association and association is None:
            row_errors.append(
                RowError(
                    row.line,
                    "association",
                    _("町内会コード「%(code)s」の町内会が見つかりません。") % {"code": row.association},
                )
            )
        if row.email and not site_url:
            row_errors.append(
                RowError(
                    row.line,
                    "email",
                    _("パスワード設定メールのリンクに使うサイトのURLが未設定です（--site-url）。"),
                )
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        try:
            user = account_create(
                actor=actor,
                username=row.username,
                role=row.role,
                ward=ward,
                association=association,
                email=row.email,
                password=None,
            )
        except ValidationError as e:
            for field, messages in e.message_dict.items():
                errors.extend(RowError(row.line, field, message) for message in messages)
            continue
        # Scheduled on commit: if a later row fails, the rollback discards the email as well.
        invited = account_invite(actor=actor, user=user, site_url=site_url)
        created.append(ImportedAccount(user=user, invited=invited))

    if errors:
        # Raising inside the atomic block rolls back every account created above.
        raise AccountImportError(errors)
    return created
