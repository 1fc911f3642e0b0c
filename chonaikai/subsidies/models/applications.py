"""Applications and what belongs to one: its expense lines, payment claim, attachments and the
transitions of its workflow."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chonaikai.associations.models import Association

from .. import wording
from ..querysets import ApplicationQuerySet
from ..wording import format_yen
from ..workflow import CLOSED_WITHOUT_GRANT, GRANTED_STATES, ReviewPath, Status
from .halls import Hall
from .programmes import Programme

# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------


class Application(models.Model):
    """An association's application to a programme, from draft to payment (workflow.py).

    The fiscal year is the programme's. `computed_amount` and `breakdown` follow the planned lines
    (recomputed by the services on every change); `approved_amount` is the city's decision;
    `confirmed_amount` (額の確定) is recomputed on the actual lines and never above the approved
    amount; `paid_amount` is what was paid. Changed only through services, which write a Transition
    row and an audit event for every state change.
    """

    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, related_name="subsidy_applications", verbose_name=_("町内会")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="applications", verbose_name=_("補助制度")
    )
    category = models.CharField(_("区分"), max_length=40, blank=True)
    hall = models.ForeignKey(
        Hall,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("会館"),
    )
    purpose = models.TextField(_("事業の目的・内容"))
    planned_start = models.DateField(_("事業開始予定日"), null=True, blank=True)
    planned_end = models.DateField(_("事業完了予定日"), null=True, blank=True)
    status = models.CharField(_("状態"), max_length=20, choices=wording.status_choices, default=Status.DRAFT)
    status_changed_at = models.DateTimeField(_("状態の変更日時"), default=timezone.now)
    computed_amount = models.PositiveBigIntegerField(_("算定額（円）"), default=0)
    breakdown = models.JSONField(_("算定の内訳"), default=dict, blank=True)
    approved_amount = models.PositiveBigIntegerField(_("交付決定額（円）"), null=True, blank=True)
    decision_reason = models.TextField(_("決定の理由"), blank=True)
    decided_at = models.DateTimeField(_("決定日時"), null=True, blank=True)
    actual_breakdown = models.JSONField(_("実績による算定の内訳"), default=dict, blank=True)
    confirmed_amount = models.PositiveBigIntegerField(_("確定額（円）"), null=True, blank=True)
    paid_amount = models.PositiveBigIntegerField(_("支払額（円）"), null=True, blank=True)
    paid_on = models.DateField(_("支払日"), null=True, blank=True)
    # Snapshot of programme.one_application_per_year when created: the partial unique constraint
    # below can only look at this row's own columns.
    one_per_year = models.BooleanField(_("年度1件の制度"), default=False, editable=False)
    # Paper applications (紙の申請書): entered by staff on the association's behalf, then checked
    # by a second person before review starts (four-eyes).
    entered_by_staff = models.BooleanField(_("職員が代理入力"), default=False)
    received_on = models.DateField(_("受付日"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作成者"),
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最終編集者"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("入力内容を確認した職員"),
    )
    verified_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    is_sample = models.BooleanField(_("サンプルデータ"), default=False)

    history = HistoricalRecords(excluded_fields=["breakdown", "actual_breakdown"])
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("補助金の申請")
        verbose_name_plural = _("補助金の申請")
        indexes = [
            # Serves the queues: applications in a state, oldest first.
            models.Index(fields=["status", "status_changed_at"], name="application_queue_idx"),
        ]
        constraints = [
            # One application per association, programme and fiscal year where the programme says so
            # (the programme row is per fiscal year). Withdrawn and rejected ones free the slot.
            models.UniqueConstraint(
                fields=["association", "programme"],
                condition=models.Q(one_per_year=True) & ~models.Q(status__in=sorted(CLOSED_WITHOUT_GRANT)),
                name="application_one_per_year",
                violation_error_message=_("この町内会はこの年度のこの制度に既に申請しています。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=sorted(GRANTED_STATES))
                | models.Q(approved_amount__isnull=False),
                name="application_granted_has_approved_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_amount__isnull=True)
                | models.Q(confirmed_amount__lte=models.F("approved_amount")),
                name="application_confirmed_not_above_approved",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.PAID)
                | models.Q(
                    paid_on__isnull=False,
                    paid_amount__isnull=False,
                    paid_amount__lte=models.F("confirmed_amount"),
                ),
                name="application_paid_has_date_and_amount",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.REJECTED) | ~models.Q(decision_reason=""),
                name="application_rejected_has_reason",
            ),
            # Four-eyes in the database too (NULLs pass: nothing verified yet).
            models.CheckConstraint(
                condition=~models.Q(verified_by=models.F("entered_by")),
                name="application_verifier_is_not_the_enterer",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.association.name}"

    @property
    def number(self) -> str:
        """申請番号 as people say it: 「令和8年度 デジタル 第16号」 (the programme's short name is data)."""
        programme = self.programme
        return gettext("%(fiscal_year)s %(programme)s 第%(serial)s号") % {
            "fiscal_year": wording.fiscal_year_text(programme.fiscal_year),
            "programme": programme.short_name or programme.name,
            "serial": self.pk or 0,
        }

    @property
    def key(self) -> str:
        """The stable internal key (API, exports for machines): 2026-digital-00016."""
        return f"{self.programme.fiscal_year}-{self.programme.code}-{self.pk or 0:05d}"

    @property
    def fiscal_year(self) -> int:
        return self.programme.fiscal_year

    @property
    def review_path(self) -> str:
        """The programme's review path (workflow.ReviewPath): who checks before the city decides."""
        return self.programme.review_path

    @property
    def reviewed_by_area_office(self) -> bool:
        return self.programme.review_path == ReviewPath.AREA_THEN_CITY

    def get_status_display(self) -> str:
        """The state in words, naming the loaded city's area office where a state names it."""
        from ..wording import status_label

        return status_label(self.status)

    @property
    def needs_verification(self) -> bool:
        """A paper application nobody has checked yet (review cannot start)."""
        return self.entered_by_staff and self.verified_by_id is None

    @property
    def days_in_status(self) -> int:
        return (timezone.now() - self.status_changed_at).days


class ExpenseLine(models.Model):
    """A line of planned (application) or actual (completion report) expenses."""

    class Phase(models.TextChoices):
        PLANNED = "planned", _("予定")
        ACTUAL = "actual", _("実績")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="lines", verbose_name=_("申請")
    )
    phase = models.CharField(_("予定・実績"), max_length=10, choices=Phase.choices, default=Phase.PLANNED)
    kind = models.CharField(_("経費の種類"), max_length=40)
    description = models.CharField(_("内容"), max_length=200)
    amount = models.PositiveBigIntegerField(_("金額（円）"))
    position = models.PositiveSmallIntegerField(_("順番"), default=0)

    class Meta:
        ordering = ["application", "phase", "position", "id"]
        verbose_name = _("経費")
        verbose_name_plural = _("経費")

    def __str__(self):
        return f"{self.description} {format_yen(self.amount)}"


kana_validator = RegexValidator(
    r"^[\u30a0-\u30ff\u3000 （）()・．.，,－-]+$",  # i18n: data (katakana and the signs bank names use)
    _("口座名義は全角カタカナで入力してください（例: チュウオウテストチョウナイカイ）。"),
)
account_number_validator = RegexValidator(r"^[0-9]{7}$", _("口座番号は7桁の数字で入力してください。"))


class PaymentClaim(models.Model):
    """交付請求 (請求書): after 額の確定 the association asks for the confirmed amount, paid into this
    account (振込先). The account is shown only to the association's leaders and the city, which
    pays (selectors.sees_bank_account); ward staff see that a claim was made, not the account."""

    class AccountType(models.TextChoices):
        ORDINARY = "ordinary", _("普通")
        CURRENT = "current", _("当座")

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="claim", verbose_name=_("申請")
    )
    amount = models.PositiveBigIntegerField(_("請求額（円）"))
    bank_name = models.CharField(_("金融機関名"), max_length=60)
    branch_name = models.CharField(_("支店名"), max_length=60)
    account_type = models.CharField(
        _("預金種目"), max_length=10, choices=AccountType.choices, default=AccountType.ORDINARY
    )
    account_number = models.CharField(_("口座番号"), max_length=7, validators=[account_number_validator])
    account_holder_kana = models.CharField(_("口座名義（カナ）"), max_length=100, validators=[kana_validator])
    claimed_on = models.DateField(_("請求日"))
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("請求した人"),
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("交付請求（振込先）")
        verbose_name_plural = _("交付請求（振込先）")

    def __str__(self):
        return f"{self.application.number} {format_yen(self.amount)}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # The services choose the stored name (random, with the extension of the detected type).
    return f"subsidies/applications/{instance.application_id}/{filename}"


class Attachment(models.Model):
    """A file attached to an application. Type checked from its content (attachments.check_upload)."""

    class Kind(models.TextChoices):
        APPLICATION_FORM = "application_form", _("申請書")
        SCANNED_FORM = "scanned_form", _("紙の申請書（スキャン）")
        ESTIMATE = "estimate", _("見積書")
        RECEIPT = "receipt", _("領収書")
        PHOTO = "photo", _("写真")
        PLAN = "plan", _("事業の内容がわかる資料")
        DRAWING = "drawing", _("図面")
        OTHER = "other", _("その他")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("申請")
    )
    kind = models.CharField(_("書類の種類"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("ファイル"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("元のファイル名"), max_length=255)
    content_type = models.CharField(_("形式"), max_length=100)
    size = models.PositiveBigIntegerField(_("サイズ（バイト）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登録した人"),
    )
    uploaded_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        ordering = ["application", "uploaded_at", "id"]
        verbose_name = _("添付書類")
        verbose_name_plural = _("添付書類")

    def __str__(self):
        return self.original_name


class Transition(models.Model):
    """One state change of an application: who, when, from, to and why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("申請")
    )
    action = models.CharField(_("操作"), max_length=20, choices=wording.action_choices)
    from_status = models.CharField(_("変更前"), max_length=20, choices=wording.status_choices)
    to_status = models.CharField(_("変更後"), max_length=20, choices=wording.status_choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作者"),
    )
    actor_name = models.CharField(_("操作者名"), max_length=150, blank=True)
    at = models.DateTimeField(_("日時"), default=timezone.now)
    comment = models.TextField(_("コメント"), blank=True)

    class Meta:
        ordering = ["application", "at", "id"]
        verbose_name = _("申請の状態変更")
        verbose_name_plural = _("申請の状態変更")

    def __str__(self):
        return f"{self.application_id} {self.from_status} → {self.to_status}"
