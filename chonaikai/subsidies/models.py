"""Subsidy programmes and their rules, applications, meeting halls and the 住民組織助成金 computations.

A Programme row is one programme in one fiscal year (code + fiscal_year): its budget, application
window and rule rows belong to that year, so a city administrator edits next year's rules without
touching this year's decisions (services.programme_copy_to_fiscal_year starts a year from the last).
Amounts are whole yen; rates are numerator/denominator pairs; rounding units are data.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chonaikai.associations.models import Association, Federation

from . import rules, wording
from .querysets import ApplicationQuerySet, GrantComputationQuerySet, HallQuerySet
from .rules import NEEDS_CONFIRMATION_LABEL, Method, format_yen
from .workflow import CLOSED_WITHOUT_GRANT, GRANTED_STATES, ReviewPath, Status

code_validator = RegexValidator(r"^[a-z][a-z0-9_]*$", _("コードは半角英小文字・数字・_ で入力してください。"))

# Programme codes of the profile the test suite loads (cities/<name>/programmes/), named here for the tests
# and the sample data only: no code path of the product branches on a programme's code. What a
# programme does follows from its rows: kind (application / computed), each rule's method,
# requires_hall, and the review path.
DIGITAL = "digital"
MEETING_HALL = "meeting_hall"
RESIDENT_ORG_GRANT = "resident_org_grant"
# The rule categories of a computed programme (kind = computed, method per_household): "unit" is the
# rule for unit associations, "federation" the rule for federations (optional: without it federations
# get no grant). A computed programme with a single rule of category "" applies it to associations.
RESIDENT_UNIT_CATEGORY = "unit"
RESIDENT_FEDERATION_CATEGORY = "federation"


class Programme(models.Model):
    """A subsidy programme in one fiscal year: name, budget, application window and settings."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("申請による補助")
        COMPUTED = "computed", _("申請なし（加入世帯数から算定）")

    # area_then_city: the area office checks and forwards, the city decides; city_only: the city
    # checks and decides (workflow.py has both transition tables).
    ReviewPath = ReviewPath

    code = models.CharField(_("制度コード"), max_length=40, validators=[code_validator])
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("制度名"), max_length=120)
    short_name = models.CharField(
        _("略称"),
        max_length=20,
        blank=True,
        help_text=_("申請番号に使う短い名前（例: 令和8年度 デジタル 第16号 の「デジタル」）。空なら制度名。"),
    )
    kind = models.CharField(_("種別"), max_length=12, choices=Kind.choices, default=Kind.APPLICATION)
    review_path = models.CharField(
        _("審査の流れ"), max_length=20, choices=ReviewPath.choices, default=ReviewPath.AREA_THEN_CITY
    )
    budget = models.PositiveBigIntegerField(
        _("予算額（円）"), null=True, blank=True, help_text=_("未登録の間は交付決定できません。")
    )
    opens_on = models.DateField(
        _("受付開始日"), null=True, blank=True, help_text=_("未登録なら年度の初日から受け付けます。")
    )
    closes_on = models.DateField(
        _("受付終了日"), null=True, blank=True, help_text=_("未登録なら年度の末日まで受け付けます。")
    )
    one_application_per_year = models.BooleanField(
        _("1町内会につき年度1件まで"),
        default=False,
        help_text=_("取下げ・不交付決定の申請は数えません。"),
    )
    summary = models.TextField(
        _("対象となる事業（申請する方への説明）"),
        blank=True,
        help_text=_("補助金の説明ページの最初に表示します。"),
    )
    source = models.TextField(_("出典"), blank=True)
    note = models.TextField(_("備考"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year", "code"]
        verbose_name = _("補助制度")
        verbose_name_plural = _("補助制度")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "fiscal_year"],
                name="programme_unique_per_year",
                violation_error_message=_("この制度のこの年度は既に登録されています。"),
            ),
            models.CheckConstraint(
                condition=models.Q(opens_on__isnull=True)
                | models.Q(closes_on__isnull=True)
                | models.Q(opens_on__lte=models.F("closes_on")),
                name="programme_window_in_order",
                violation_error_message=_("受付終了日は受付開始日以降にしてください。"),
            ),
        ]

    def __str__(self):
        return gettext("%(name)s（%(fiscal_year)s）") % {
            "name": self.name,
            "fiscal_year": rules.fiscal_year_text(self.fiscal_year),
        }

    # The documents to attach are DocumentRequirement rows (models_documents): the programme's page
    # lists them and the attachment step offers their kinds, from the same rows.


class ProgrammeRule(models.Model):
    """How one category of a programme computes its amount (区分ごとの算定基準) in the programme's year.

    A programme without categories has one rule with an empty code. The expense kinds the category
    accepts, with their rates, are ExpenseKindRule rows. Values not confirmed from the 要綱 are
    seeded with `needs_confirmation` (shown as 「要綱で要確認」): applications may be submitted, but
    not approved, until a city administrator confirms the rule (services.rule_confirm).
    """

    METHOD_CHOICES = [
        (Method.RATE, _("経費 × 補助率")),
        (Method.FLOOR_AREA, _("延床面積 × 単価 ＋ 特殊工事")),
        (Method.PER_HOUSEHOLD, _("加入世帯数 × 単価")),
    ]

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="rules", verbose_name=_("補助制度")
    )
    category = models.CharField(_("区分コード"), max_length=40, blank=True, validators=[code_validator])
    name = models.CharField(_("区分名"), max_length=80)
    method = models.CharField(_("算定方法"), max_length=20, choices=METHOD_CHOICES, default=Method.RATE)
    cap = models.PositiveBigIntegerField(_("上限額（円）"), null=True, blank=True)
    rounding_unit = models.PositiveIntegerField(
        _("端数処理の単位（円）"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("この単位未満を切り捨てます（1 = 1円未満、10000 = 1万円未満）。"),
    )
    per_m2_amount = models.PositiveIntegerField(_("延床面積1m²あたりの額（円）"), null=True, blank=True)
    per_household_amount = models.PositiveIntegerField(_("1世帯あたりの額（円）"), null=True, blank=True)
    tax_numerator = models.PositiveSmallIntegerField(_("消費税率（分子）"), null=True, blank=True)
    tax_denominator = models.PositiveSmallIntegerField(_("消費税率（分母）"), null=True, blank=True)
    requires_hall = models.BooleanField(_("会館の指定が必要"), default=False)
    repeat_grant_interval_years = models.PositiveSmallIntegerField(
        _("同じ会館への再交付までの年数"),
        null=True,
        blank=True,
        help_text=_("同じ会館が前回の建築費補助からこの年度数を経過していなければ申請できません。"),
    )
    needs_confirmation = models.BooleanField(_("要綱で要確認"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確認した人"),
    )
    confirmed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    source = models.TextField(_("出典"), blank=True)
    note = models.TextField(_("備考"), blank=True)
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "position", "category"]
        verbose_name = _("算定基準（区分）")
        verbose_name_plural = _("算定基準（区分）")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "category"],
                name="programme_rule_unique_category",
                violation_error_message=_("この制度のこの区分の算定基準は既に登録されています。"),
            ),
            models.CheckConstraint(
                condition=models.Q(rounding_unit__gte=1), name="programme_rule_rounding_unit_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(tax_numerator__isnull=True, tax_denominator__isnull=True)
                | models.Q(tax_numerator__isnull=False, tax_denominator__gt=0),
                name="programme_rule_tax_rate_complete",
                violation_error_message=_("消費税率は分子と分母の両方を入力してください。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(method=Method.FLOOR_AREA) | models.Q(per_m2_amount__isnull=False),
                name="programme_rule_floor_area_has_unit_amount",
                violation_error_message=_("延床面積による算定には1m²あたりの額が必要です。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(method=Method.PER_HOUSEHOLD)
                | models.Q(per_household_amount__isnull=False),
                name="programme_rule_per_household_has_unit_amount",
                violation_error_message=_("加入世帯数による算定には1世帯あたりの額が必要です。"),
            ),
        ]

    def __str__(self):
        label = (
            gettext("%(programme)s・%(category)s") % {"programme": self.programme, "category": self.name}
            if self.category
            else str(self.programme)
        )
        if self.needs_confirmation:
            return gettext("%(rule)s（%(label)s）") % {"rule": label, "label": NEEDS_CONFIRMATION_LABEL}
        return label


class ExpenseKindRule(models.Model):
    """A kind of expense a category accepts and its rate (補助率) as a fraction; no rate = cost only."""

    rule = models.ForeignKey(
        ProgrammeRule, on_delete=models.CASCADE, related_name="kinds", verbose_name=_("算定基準")
    )
    code = models.CharField(_("経費の種類コード"), max_length=40, validators=[code_validator])
    name = models.CharField(_("経費の種類"), max_length=80)
    rate_numerator = models.PositiveIntegerField(_("補助率（分子）"), null=True, blank=True)
    rate_denominator = models.PositiveIntegerField(_("補助率（分母）"), null=True, blank=True)
    examples = models.CharField(
        _("例"),
        max_length=300,
        blank=True,
        help_text=_(
            "申請する方への例（例: クラウドサービスの利用料、講師への謝礼）。説明ページと経費の画面に表示します。"
        ),
    )
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rule", "position", "code"]
        verbose_name = _("経費の種類と補助率")
        verbose_name_plural = _("経費の種類と補助率")
        constraints = [
            models.UniqueConstraint(fields=["rule", "code"], name="expense_kind_rule_unique_code"),
            models.CheckConstraint(
                condition=models.Q(rate_numerator__isnull=True, rate_denominator__isnull=True)
                | models.Q(
                    rate_numerator__isnull=False,
                    rate_denominator__gt=0,
                    rate_numerator__lte=models.F("rate_denominator"),
                ),
                name="expense_kind_rule_rate_is_a_fraction_up_to_one",
                violation_error_message=_("補助率は分子と分母の両方を入力し、分子は分母以下にしてください。"),
            ),
        ]

    def __str__(self):
        if self.rate_numerator is None:
            return self.name
        return f"{self.name} {self.rate_numerator}/{self.rate_denominator}"


# ---------------------------------------------------------------------------------------------
# Meeting halls (市民集会施設) as assets
# ---------------------------------------------------------------------------------------------


class Hall(models.Model):
    """A meeting hall (市民集会施設) an association owns or leases.

    A hall its association's leader registers (on the first step of a hall application) is
    「区の確認待ち」 until the ward's staff or a city administrator checks it against the papers
    (services.hall_confirm, during review; forwarding to the city waits for it). A hall registered
    by staff is checked when registered; a leader's later change of it needs a new check.
    """

    class Tenure(models.TextChoices):
        OWNED = "owned", _("所有")
        LEASED = "leased", _("借上げ")

    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, related_name="halls", verbose_name=_("町内会")
    )
    name = models.CharField(_("会館名"), max_length=120)
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    tenure = models.CharField(_("所有・借上げ"), max_length=10, choices=Tenure.choices, default=Tenure.OWNED)
    year_built = models.PositiveSmallIntegerField(_("建築年"), null=True, blank=True)
    floor_area_m2 = models.DecimalField(
        _("延床面積（m²）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("経度"), max_digits=9, decimal_places=6, null=True, blank=True)
    notes = models.TextField(_("備考"), blank=True)
    checked_at = models.DateTimeField(_("%(area)sが確認した日時"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確認した職員"),
    )
    is_sample = models.BooleanField(_("サンプルデータ"), default=False)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    history = HistoricalRecords()
    objects = HallQuerySet.as_manager()

    class Meta:
        ordering = ["association__code", "name"]
        verbose_name = _("会館")
        verbose_name_plural = _("会館")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(floor_area_m2__isnull=True) | models.Q(floor_area_m2__gt=0),
                name="hall_floor_area_positive",
                violation_error_message=_("延床面積は0より大きい値にしてください。"),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def awaiting_check(self) -> bool:
        """Registered by the association and not yet checked by the ward."""
        return self.checked_at is None


class HallRepair(models.Model):
    """Works on a hall recorded outside this system's applications (earlier files, own funds).

    A row with `grant_amount` is a grant the hall received before the system existed; it counts for
    the repeat-grant rule like an approved application does.
    """

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="repairs", verbose_name=_("会館"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("区分コード"), max_length=40, blank=True, validators=[code_validator])
    description = models.CharField(_("内容"), max_length=200)
    cost = models.PositiveBigIntegerField(_("工事費等（円）"), null=True, blank=True)
    grant_amount = models.PositiveBigIntegerField(_("補助金の額（円）"), null=True, blank=True)
    note = models.TextField(_("備考"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("記録した人"),
    )
    recorded_at = models.DateTimeField(_("記録日時"), auto_now_add=True)

    class Meta:
        ordering = ["hall", "-fiscal_year", "-id"]
        verbose_name = _("会館の修繕・補助の履歴")
        verbose_name_plural = _("会館の修繕・補助の履歴")

    def __str__(self):
        return f"{self.hall} {rules.fiscal_year_text(self.fiscal_year)} {self.description}"


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
            "fiscal_year": rules.fiscal_year_text(programme.fiscal_year),
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
        from .wording import status_label

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


# ---------------------------------------------------------------------------------------------
# 住民組織助成金: computed, not applied for
# ---------------------------------------------------------------------------------------------


class GrantComputation(models.Model):
    """One computation of the 住民組織助成金 for an association or a federation, with the counts used.

    Never updated: a recomputation with different counts adds a row pointing at the previous one,
    with `difference` = new amount − previously computed amount, and becomes the current row.
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="grant_computations", verbose_name=_("補助制度")
    )
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grant_computations",
        verbose_name=_("町内会"),
    )
    federation = models.ForeignKey(
        Federation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grant_computations",
        verbose_name=_("%(federation)s"),
    )
    survey_date = models.DateField(_("調査基準日"))
    member_households = models.PositiveIntegerField(_("加入世帯数"))
    associations_counted = models.PositiveIntegerField(_("集計した町内会数"), default=1)
    per_household_amount = models.PositiveIntegerField(_("1世帯あたりの額（円）"))
    amount = models.PositiveBigIntegerField(_("助成額（円）"))
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("前回の算定"),
    )
    difference = models.BigIntegerField(_("前回との差額（円）"))
    is_current = models.BooleanField(_("最新"), default=True)
    breakdown = models.JSONField(_("算定の内訳"), default=dict)
    computed_at = models.DateTimeField(_("算定日時"), default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("算定した人"),
    )

    objects = GrantComputationQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "association__code", "federation__code", "-computed_at", "-id"]
        verbose_name = _("住民組織助成金の算定")
        verbose_name_plural = _("住民組織助成金の算定")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(association__isnull=False, federation__isnull=True)
                | models.Q(association__isnull=True, federation__isnull=False),
                name="grant_computation_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["programme", "association"],
                condition=models.Q(is_current=True, association__isnull=False),
                name="grant_computation_one_current_per_association",
            ),
            models.UniqueConstraint(
                fields=["programme", "federation"],
                condition=models.Q(is_current=True, federation__isnull=False),
                name="grant_computation_one_current_per_federation",
            ),
        ]

    def __str__(self):
        return f"{self.programme} {self.recipient} {format_yen(self.amount)}"

    @property
    def recipient(self) -> Association | Federation:
        return self.association or self.federation


# Registered with the app from here; defined apart (this module is long enough).
from .models_documents import DocumentRequirement  # noqa: E402, F401 (needs Programme and Attachment)
