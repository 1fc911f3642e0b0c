"""Associations (単位町内会), federations (連合町内会) and their yearly household counts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wards.models import District, Ward

from ..code_format import CODE_MAX_LENGTH, AssociationCodeValidator
from ..querysets import AssociationQuerySet, HouseholdCountQuerySet
from ..rules import normalize_for_search

# The loaded city's format: <area code>-<number of city().association_number_digits digits>.
association_code_validator = AssociationCodeValidator()


class Federation(models.Model):
    """連合町内会: a federation of unit associations within one ward."""

    code = models.CharField(_("%(federation)sコード"), max_length=20, unique=True)
    name = models.CharField(_("%(federation)s名"), max_length=120)
    kana = models.CharField(_("よみがな"), max_length=240, blank=True)
    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="federations", verbose_name=_("%(area)s")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="federations",
        null=True,
        blank=True,
        verbose_name=_("地区"),
    )
    is_sample = models.BooleanField(_("サンプルデータ"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("%(federation)s")
        verbose_name_plural = _("%(federation)s")

    def __str__(self):
        return self.name


class Association(models.Model):
    """単位町内会・自治会: the unit association whose households are counted each year."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("活動中")
        DISSOLVED = "dissolved", _("解散")
        MERGED = "merged", _("合併により廃止")

    code = models.CharField(
        _("町内会コード"), max_length=CODE_MAX_LENGTH, unique=True, validators=[association_code_validator]
    )
    name = models.CharField(_("町内会名"), max_length=120)
    kana = models.CharField(_("よみがな"), max_length=240, blank=True)
    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="associations", verbose_name=_("%(area)s")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="associations",
        null=True,
        blank=True,
        verbose_name=_("地区"),
    )
    federation = models.ForeignKey(
        Federation,
        on_delete=models.PROTECT,
        related_name="associations",
        null=True,
        blank=True,
        verbose_name=_("%(federation)s"),
    )
    representative_name = models.CharField(_("代表者氏名"), max_length=80, blank=True)
    contact_phone = models.CharField(_("連絡先電話番号"), max_length=40, blank=True)
    contact_email = models.EmailField(_("連絡先メールアドレス"), blank=True)
    contact_address = models.CharField(_("連絡先住所"), max_length=200, blank=True)
    founded_on = models.DateField(_("設立日"), null=True, blank=True)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(_("解散・合併日"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="predecessors",
        null=True,
        blank=True,
        verbose_name=_("合併先"),
    )
    is_authorized_body = models.BooleanField(_("認可地縁団体"), default=False)
    hall_latitude = models.DecimalField(
        _("会館の緯度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    hall_longitude = models.DecimalField(
        _("会館の経度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Name and kana folded by rules.normalize_for_search, so that search ignores width and kana type.
    search_text = models.CharField(max_length=400, editable=False, db_index=True, default="")
    is_sample = models.BooleanField(_("サンプルデータ"), default=False)

    history = HistoricalRecords(excluded_fields=["search_text"])
    objects = AssociationQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("町内会・自治会")
        verbose_name_plural = _("町内会・自治会")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="active", ended_on__isnull=True, successor__isnull=True)
                | models.Q(status="dissolved", ended_on__isnull=False, successor__isnull=True)
                | models.Q(status="merged", ended_on__isnull=False, successor__isnull=False),
                name="association_status_consistent",
                violation_error_message=_(
                    "解散には解散日が、合併には合併日と合併先が必要です。活動中の町内会には設定できません。"
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(successor=models.F("id")), name="association_not_own_successor"
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"  # i18n: data (the name and code, as audit rows copy it)

    def save(self, *args, **kwargs):
        # A derived column, not a business rule: keep it in step with name and kana.
        self.search_text = self.build_search_text(self.name, self.kana)
        if kwargs.get("update_fields") is not None and {"name", "kana"} & set(kwargs["update_fields"]):
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @staticmethod
    def build_search_text(name: str, kana: str) -> str:
        return normalize_for_search(f"{name} {kana}")


class HouseholdCount(models.Model):
    """One association's households on a survey date (normally 1 January)."""

    class Source(models.TextChoices):
        ENTRY = "entry", _("画面入力")
        IMPORT = "import", _("ファイル取込")
        API = "api", _("API")
        SAMPLE = "sample", _("サンプルデータ")

    # No index of its own: the unique constraint (association, survey_date) serves every lookup by
    # association, and a second index on 3,000,000 rows only made each import write slower.
    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, related_name="counts", verbose_name=_("町内会"), db_index=False
    )
    survey_date = models.DateField(_("調査基準日"))
    households = models.PositiveIntegerField(_("区域内世帯数"))
    member_households = models.PositiveIntegerField(_("加入世帯数"))
    source = models.CharField(_("入力元"), max_length=10, choices=Source.choices, default=Source.ENTRY)
    note = models.CharField(_("備考"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("入力者"),
    )
    entered_at = models.DateTimeField(_("入力日時"), auto_now=True)
    # Optimistic locking: every write (entry screen, import, API) sets version = old version + 1,
    # and the entry screen refuses a save based on an older version, so no update is lost silently.
    version = models.PositiveIntegerField(_("版"), default=1, editable=False)

    # The history table keeps its indexes on id (a count's history), association (the change log)
    # and history_user (a user's removal sets it NULL); nothing looks history rows up by entered_by.
    # history_user has no database constraint: PostgreSQL checked it once per history row at
    # COMMIT (1.5 s for an import of 300,000 rows). Django still sets it NULL when a user is deleted.
    history = HistoricalRecords(no_db_index=["entered_by"], user_db_constraint=False)
    objects = HouseholdCountQuerySet.as_manager()

    class Meta:
        ordering = ["association__code", "survey_date"]
        verbose_name = _("世帯数")
        verbose_name_plural = _("世帯数")
        constraints = [
            models.UniqueConstraint(
                fields=["association", "survey_date"],
                name="household_count_unique_per_survey",
                violation_error_message=_("この町内会のこの調査基準日の世帯数は既に登録されています。"),
            ),
            models.CheckConstraint(
                condition=models.Q(households__gte=0), name="household_count_households_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(member_households__gte=0),
                name="household_count_members_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.association.code} {self.survey_date:%Y-%m-%d}"
