"""Users' roles and the scope (ward or association) each role applies to."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chonaikai.cities.texts import fill, labelled, words
from wards.models import Ward


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市の管理者")
    WARD_STAFF = "ward_staff", _("区役所職員")
    ASSOCIATION_LEADER = "association_leader", _("町内会役員")
    VIEWER = "viewer", _("閲覧者")


# Roles whose name includes one of the city's words: shown with the loaded city's (role_label).
CITY_WORDED_ROLES = {Role.WARD_STAFF: _("%(area_office)s職員")}


def role_label(role: str) -> str:
    """A role's name as the city says it (区役所職員 in a city with wards, 市役所職員 in one without)."""
    template = CITY_WORDED_ROLES.get(role)
    return fill(template) if template is not None else str(Role(role).label)


def role_choices():
    """The roles and their names as the city says them. The field's choices are this function, not a
    list, so that its migrations name no city's word."""
    return [(role.value, labelled(CITY_WORDED_ROLES.get(role, role.label))) for role in Role]


class CityWordedCheckConstraint(models.CheckConstraint):
    """A CheckConstraint whose message names the city's levels (%(area)s … as in labelled()).

    It deconstructs as a plain CheckConstraint: to migrations and the database it is one."""

    def get_violation_error_message(self):
        return str(self.violation_error_message) % {**words(), "name": self.name}

    def deconstruct(self):
        _path, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs


class RoleAssignment(models.Model):
    """What one user may do, and where: the whole city, one ward or one association.

    One assignment per user (a database constraint). A user without one holds no privileges beyond
    the public pages, except Django superusers, whom the policy treats as city administrators.
    Row history records who granted or changed a role.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("利用者"),
    )
    role = models.CharField(_("役割"), max_length=20, choices=role_choices)
    # PROTECT: deleting a ward or an association must not silently strip someone's scope.
    ward = models.ForeignKey(
        Ward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("担当%(area)s"),
    )
    # By label: the role core knows no domain app (README, Architecture); Django resolves it.
    association = models.ForeignKey(
        "associations.Association",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("担当町内会"),
    )
    created_at = models.DateTimeField(_("付与日時"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("役割の割り当て")
        verbose_name_plural = _("役割の割り当て")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                name="role_assignment_one_per_user",
                violation_error_message=_("この利用者には既に役割が割り当てられています。"),
            ),
            CityWordedCheckConstraint(
                condition=models.Q(role=Role.WARD_STAFF, ward__isnull=False, association__isnull=True)
                | models.Q(role=Role.ASSOCIATION_LEADER, ward__isnull=True, association__isnull=False)
                | models.Q(
                    role__in=[Role.CITY_ADMIN, Role.VIEWER], ward__isnull=True, association__isnull=True
                ),
                name="role_assignment_scope_matches_role",
                violation_error_message=_(
                    "%(area_office)s職員には担当%(area)sだけを、町内会役員には担当町内会だけを指定してください。"
                    "市の管理者と閲覧者には%(area)sも町内会も指定できません。"
                ),
            ),
        ]

    def __str__(self):
        scope = self.ward or self.association
        label = self.get_role_display()
        if scope:
            return _("%(user)s — %(role)s（%(scope)s）") % {"user": self.user, "role": label, "scope": scope}
        return f"{self.user} — {label}"

    def get_role_display(self) -> str:
        return role_label(self.role)


class ApiToken(models.Model):
    """A key for scripts calling the API (`Authorization: Token <key>`), revocable.

    Only the key's SHA-256 is stored: the key is shown once, when it is created
    (chonaikai.accounts.tokens.api_token_create). A fast hash is enough because keys are 256 random
    bits, not passwords, and it lets the lookup be one indexed query on `key_hash`. `prefix` (the
    first characters of the key) tells a user's tokens apart in lists without revealing them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("利用者"),
    )
    name = models.CharField(_("名前"), max_length=100, blank=True)
    key_hash = models.CharField(_("キーのハッシュ（SHA-256）"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("キーの先頭"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    # Who made it: the user themselves, or a city administrator for them (None: the command line).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作成者"),
    )
    last_used_at = models.DateTimeField(_("最終利用日時"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    # Set at creation from settings.API_TOKEN_LIFETIME_DAYS; None: valid until revoked (tokens made
    # before expiry existed, or with a lifetime of 0).
    expires_at = models.DateTimeField(_("有効期限"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")

    def __str__(self):
        return f"{self.user} — {self.name or self.prefix}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired
