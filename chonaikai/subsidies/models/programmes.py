"""Programmes and their rules: a Programme row is one programme in one fiscal year (code +
fiscal_year), with its budget, application window and rule rows (ProgrammeRule, ExpenseKindRule)
for that year, so a city administrator edits next year's rules without touching this year's
decisions (services.programme_copy_to_fiscal_year starts a year from the last). Rates are
numerator/denominator pairs; rounding units are data."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import wording
from ..rules import Method
from ..wording import NEEDS_CONFIRMATION_LABEL
from ..workflow import ReviewPath

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
            "fiscal_year": wording.fiscal_year_text(self.fiscal_year),
        }

    # The documents to attach are DocumentRequirement rows (models/documents.py): the programme's page
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
