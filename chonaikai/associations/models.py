"""Associations (単位町内会), federations (連合町内会), yearly household counts and plan targets.

One concern, over 600 lines: the app's tables and their constraints, which Django wants declared
together in the app's models module (the sub-domain packages counts/, imports/, registry/ and
stats/ hold the code that reads and writes them).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wards.models import District, Ward

from .code_format import CODE_MAX_LENGTH, AssociationCodeValidator
from .querysets import AssociationQuerySet, HouseholdCountQuerySet
from .rules import normalize_for_search

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


class WardSummary(models.Model):
    """Sums of one ward's counts on one survey date: a maintained aggregate, never edited by hand.

    One row per (ward, survey date) that has counts. Written only by
    services.summaries.summaries_refresh, which every service that writes counts calls inside its
    own transaction for exactly the pairs it touched (and `manage.py rebuild_summaries` rebuilds
    them all). selectors.membership_stats / membership_series read the ward and city levels here:
    at 3,000,000 counts the GROUP BY takes 0.3–2 s, this table a few ms.
    """

    ward = models.ForeignKey(
        Ward, on_delete=models.CASCADE, related_name="summaries", verbose_name=_("%(area)s")
    )
    survey_date = models.DateField(_("調査基準日"))
    households = models.PositiveBigIntegerField(_("区域内世帯数"))
    member_households = models.PositiveBigIntegerField(_("加入世帯数"))
    associations = models.PositiveIntegerField(_("世帯数を記録した町内会の数"))

    class Meta:
        ordering = ["ward__code", "survey_date"]
        verbose_name = _("%(area)sの集計")
        verbose_name_plural = _("%(area)sの集計")
        constraints = [
            # Also the index of every read: by survey date for one ward, or (ward, date) pairs.
            models.UniqueConstraint(fields=["ward", "survey_date"], name="ward_summary_unique_per_survey"),
        ]
        indexes = [
            # The city level and the list of survey dates read all wards of a date.
            models.Index(fields=["survey_date"], name="ward_summary_survey_date"),
        ]

    def __str__(self):
        return f"{self.ward_id} {self.survey_date:%Y-%m-%d}"


class AreaSummary(models.Model):
    """A ward's counts summed per area (district or federation) and survey date, like WardSummary.

    Rewritten by services.summaries.summaries_refresh for the same (ward, date) pairs, under the
    lock of the pair's WardSummary row. Keyed by ward too: one ward's figures read only its rows,
    the city's sum an area's rows over wards. Area NULL: associations of no district/federation.
    """

    # No index of its own: the unique constraints lead with the ward.
    ward = models.ForeignKey(
        Ward, on_delete=models.CASCADE, related_name="+", verbose_name=_("%(area)s"), db_index=False
    )
    survey_date = models.DateField(_("調査基準日"))
    households = models.PositiveBigIntegerField(_("区域内世帯数"))
    member_households = models.PositiveBigIntegerField(_("加入世帯数"))
    associations = models.PositiveIntegerField(_("世帯数を記録した町内会の数"))

    AREA = ""  # the Association field that names the area: "district" or "federation"

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.ward_id} {getattr(self, f'{self.AREA}_id')} {self.survey_date:%Y-%m-%d}"


class DistrictSummary(AreaSummary):
    """Sums per (ward, district, survey date): the district level of the statistics."""

    AREA = "district"
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("地区"),
    )

    class Meta:
        ordering = ["ward__code", "district__code", "survey_date"]
        verbose_name = _("地区の集計")
        verbose_name_plural = _("地区の集計")
        constraints = [
            # Also the index of one ward's reads and of the refresh's DELETE.
            models.UniqueConstraint(
                fields=["ward", "district", "survey_date"], name="district_summary_unique_per_survey"
            ),
            # NULLs are distinct in a unique constraint: the empty district needs its own.
            models.UniqueConstraint(
                fields=["ward", "survey_date"],
                condition=models.Q(district__isnull=True),
                name="district_summary_unique_unassigned",
            ),
        ]
        # The city-wide figures read every row of one or two survey dates.
        indexes = [models.Index(fields=["survey_date"], name="district_summary_survey_date")]


class FederationSummary(AreaSummary):
    """Sums per (ward, federation, survey date): the federation (連合町内会) level of the statistics."""

    AREA = "federation"
    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("%(federation)s")
    )

    class Meta:
        ordering = ["ward__code", "federation__code", "survey_date"]
        verbose_name = _("%(federation)sの集計")
        verbose_name_plural = _("%(federation)sの集計")
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "federation", "survey_date"], name="federation_summary_unique_per_survey"
            ),
            models.UniqueConstraint(
                fields=["ward", "survey_date"],
                condition=models.Q(federation__isnull=True),
                name="federation_summary_unique_unassigned",
            ),
        ]
        indexes = [models.Index(fields=["survey_date"], name="federation_summary_survey_date")]


class Target(models.Model):
    """A figure of the city's plan: a baseline (actual) or a target for one fiscal year."""

    class Metric(models.TextChoices):
        MEMBER_HOUSEHOLDS = "member_households", _("町内会加入世帯数")
        MEMBERSHIP_RATE = "membership_rate", _("町内会加入率（%）")

    class Kind(models.TextChoices):
        BASELINE = "baseline", _("基準値（実績）")
        TARGET = "target", _("目標値")

    metric = models.CharField(_("指標"), max_length=40, choices=Metric.choices)
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("値"), max_digits=14, decimal_places=2)
    source = models.CharField(_("出典"), max_length=300, blank=True)

    class Meta:
        ordering = ["metric", "fiscal_year"]
        verbose_name = _("計画の目標・基準値")
        verbose_name_plural = _("計画の目標・基準値")
        constraints = [
            models.UniqueConstraint(fields=["metric", "kind", "fiscal_year"], name="target_unique_per_year"),
        ]

    def __str__(self):
        return f"{self.get_metric_display()} {self.fiscal_year} {self.get_kind_display()}"


# ---------------------------------------------------------------------------------------------
# Survey rounds (調査): the yearly collection of every association's counts, ward by ward
# ---------------------------------------------------------------------------------------------


class SurveyRound(models.Model):
    """One yearly survey: counts as of `survey_date`, submitted by every ward by `deadline`.

    Opened by a city administrator (services.round_open), which creates one WardProgress per ward.
    """

    survey_date = models.DateField(_("調査基準日"), unique=True)
    deadline = models.DateField(_("提出期限"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("開始した人"),
    )
    opened_at = models.DateTimeField(_("開始日時"), auto_now_add=True)

    class Meta:
        ordering = ["-survey_date"]
        verbose_name = _("調査")
        verbose_name_plural = _("調査")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("survey_date")),
                name="survey_round_deadline_not_before_survey_date",
                violation_error_message=_("提出期限は調査基準日以降の日付にしてください。"),
            ),
        ]

    def __str__(self):
        return gettext("%(date)s の調査") % {"date": f"{self.survey_date:%Y-%m-%d}"}


class WardProgress(models.Model):
    """Where one ward stands in a survey round.

    未着手 → 入力中 (the first count of the ward for the survey date is saved) → 提出済み (ward
    staff or a city administrator) → 承認済み (a city administrator; locks the ward's counts for
    the round) or 差し戻し (back to 入力中, with a comment). Changed only by services.rounds, which
    records every transition as an audit event; the last one is copied here for the overview.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未着手")
        IN_PROGRESS = "in_progress", _("入力中")
        SUBMITTED = "submitted", _("提出済み")
        APPROVED = "approved", _("承認済み")

    survey_round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="progress", verbose_name=_("調査")
    )
    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="survey_progress", verbose_name=_("%(area)s")
    )
    status = models.CharField(_("状況"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    changed_at = models.DateTimeField(_("最終操作日時"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最終操作者"),
    )
    # Copied, as in audit events, so the overview stays readable after an account is removed.
    changed_by_name = models.CharField(_("最終操作者名"), max_length=150, blank=True)
    comment = models.TextField(_("コメント"), blank=True)
    # The transition that set the status (services.rounds: submit, approve, send_back, withdraw,
    # started), so that 入力中 after the city's 差し戻し reads apart from a fresh 入力中.
    last_action = models.CharField(_("最後の操作"), max_length=12, blank=True)

    SENT_BACK = "send_back"

    class Meta:
        ordering = ["survey_round", "ward__code"]
        verbose_name = _("%(area)sの提出状況")
        verbose_name_plural = _("%(area)sの提出状況")
        constraints = [
            models.UniqueConstraint(fields=["survey_round", "ward"], name="ward_progress_unique_per_round"),
        ]

    def __str__(self):
        return f"{self.ward.name} {self.survey_round.survey_date:%Y-%m-%d}"

    @property
    def sent_back(self) -> bool:
        """入力中 because the city sent the submission back (comment, changed_at and changed_by_name
        are the send-back's until the next transition)."""
        return self.status == self.Status.IN_PROGRESS and self.last_action == self.SENT_BACK

    @property
    def state_label(self) -> str:
        """The status as the ward reads it: 「差し戻し」 for a sent-back 入力中."""
        return _("差し戻し") if self.sent_back else self.get_status_display()


class RoundReminder(models.Model):
    """A reminder mail of a round, recorded so that it is sent once, however often the task runs.

    The row is written (a unique constraint guards races) in the transaction that decides the
    reminder is due; the mail goes out after commit and sets `sent_at` and `recipients`.
    """

    class Kind(models.TextChoices):
        DEADLINE_7 = "deadline_7", _("提出期限の7日前")
        DEADLINE_1 = "deadline_1", _("提出期限の前日")
        LATE = "late", _("提出期限超過（市の管理者あて）")

    survey_round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("調査")
    )
    # The ward reminded; empty for the late notice, which lists every late ward in one mail.
    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("%(area)s")
    )
    kind = models.CharField(_("種類"), max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    recipients = models.JSONField(_("送信先"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("督促メール")
        verbose_name_plural = _("督促メール")
        constraints = [
            models.UniqueConstraint(
                fields=["survey_round", "ward", "kind"],
                condition=models.Q(ward__isnull=False),
                name="round_reminder_once_per_ward",
            ),
            models.UniqueConstraint(
                fields=["survey_round", "kind"],
                condition=models.Q(ward__isnull=True),
                name="round_reminder_once_per_round",
            ),
        ]

    def __str__(self):
        return f"{self.survey_round} {self.get_kind_display()} {self.ward or ''}".strip()


class CountsUploadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The uploads `user` may see: their own, and nobody else's (not even a city administrator's).

        An upload is its owner's work in progress (the raw file, the reason typed, the outcome shown
        to them); once imported, the counts are visible through their own scoped reads. Everyone
        else, and an anonymous user, gets nothing, so a stranger's upload id answers 404.
        """
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user).exclude(status=CountsUpload.Status.DISCARDED)


def _counts_upload_path(upload, filename: str) -> str:
    # The user's file name is data (kept in `filename`), never part of a storage path.
    return f"imports/uploads/{upload.pk}/upload"


class CountsUpload(models.Model):
    """A counts file (世帯数の取込ファイル) from upload to import, and what became of it.

    One record for the page, the API, the command and the background tasks
    (services.uploads): uploaded → (previewing →) previewed → importing → imported or failed;
    discarded when the user gives it up. `stage`/`done`/`total` are the progress of the task at work
    on it; `result` the preview's figures and issues, then the import's outcome. The file is
    removed from the storage once the import has an outcome, and the record (file and row) is
    purged after COUNTS_UPLOAD_RETENTION_HOURS (services.counts_uploads_purge, run by the
    purge_counts_uploads command and Celery beat).
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("受付済み")
        PREVIEWING = "previewing", _("確認中")
        PREVIEWED = "previewed", _("確認済み")
        IMPORTING = "importing", _("取込中")
        IMPORTED = "imported", _("取込済み")
        FAILED = "failed", _("取込不可")
        DISCARDED = "discarded", _("破棄")

    # The id is the upload's address in URLs (/import/<id>/, the API's progress URL): unguessable.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("取込者"),
        help_text=_("空欄はコマンドによるシステム取込"),
    )
    ward = models.ForeignKey(
        Ward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("%(area)s"),
        help_text=_("空欄は市全体"),
    )
    survey_date = models.DateField(_("調査基準日"))
    filename = models.CharField(_("ファイル名"), max_length=255)
    file = models.FileField(_("ファイル"), upload_to=_counts_upload_path, max_length=255, blank=True)
    # Rows in the file (header and blank rows included), counted when the size first matters.
    rows = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    reason = models.TextField(_("変更理由"), blank=True)
    # Column mapping given on the preview page: required column → index of the file's header cell.
    columns = models.JSONField(_("列の対応"), default=dict, blank=True)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.UPLOADED)
    stage = models.CharField(_("処理段階"), max_length=12, blank=True)
    done = models.PositiveIntegerField(_("処理済み行数"), default=0)
    total = models.PositiveIntegerField(_("全行数"), default=0)
    result = models.JSONField(_("結果"), null=True, blank=True)
    created_at = models.DateTimeField(_("受付日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    expires_at = models.DateTimeField(_("削除予定日時"), db_index=True)

    objects = CountsUploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("世帯数の取込ファイル")
        verbose_name_plural = _("世帯数の取込ファイル")

    def __str__(self):
        return f"{self.filename} {self.survey_date:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.IMPORTED, self.Status.FAILED)

    @property
    def submitted(self) -> bool:
        """Committed: the import is running or has an outcome."""
        return self.status in (self.Status.IMPORTING, self.Status.IMPORTED, self.Status.FAILED)


class WardColumnMapping(models.Model):
    """The column mapping a ward's staff gave last for a counts file, applied to the ward's next file.

    `columns`: required column name (importer.Col) → the header text it was found under, so that a
    next file with the same headings in another order is still read right. One per ward (NULL: the
    city-wide imports of city administrators).
    """

    ward = models.OneToOneField(
        Ward, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("%(area)s")
    )
    columns = models.JSONField(_("列の対応"), default=dict)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新者"),
    )

    class Meta:
        verbose_name = _("取込ファイルの列の対応")
        verbose_name_plural = _("取込ファイルの列の対応")
        constraints = [
            models.UniqueConstraint(
                fields=["ward"], condition=models.Q(ward__isnull=True), name="column_mapping_one_citywide"
            ),
        ]

    def __str__(self):
        return str(self.ward or "")
