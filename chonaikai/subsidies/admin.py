"""Admin for city administrators: programmes, budgets, windows and rules are data they edit here.

Applications are read here and changed through the services (the workflow pages); their state,
amounts and transitions are read-only in the admin so that nothing skips a Transition row, an
audit event or a budget check.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import services, workflow
from .errors import SubsidyError
from .models import (
    Application,
    Attachment,
    DocumentRequirement,
    ExpenseKindRule,
    ExpenseLine,
    GrantComputation,
    Hall,
    HallRepair,
    Programme,
    ProgrammeRule,
    Transition,
)


class ProgrammeRuleInline(admin.TabularInline):
    model = ProgrammeRule
    extra = 0
    fields = ["category", "name", "method", "cap", "rounding_unit", "needs_confirmation", "position"]
    show_change_link = True


class DocumentRequirementInline(admin.TabularInline):
    """The documents to attach: the programme's page lists them, the attachment step offers their kinds."""

    model = DocumentRequirement
    extra = 0
    fields = ["kind", "description", "position"]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = [
        "fiscal_year",
        "code",
        "name",
        "short_name",
        "kind",
        "review_path",
        "budget",
        "opens_on",
        "closes_on",
    ]
    list_filter = ["fiscal_year", "code", "kind"]
    search_fields = ["code", "name"]
    inlines = [ProgrammeRuleInline, DocumentRequirementInline]


class ExpenseKindRuleInline(admin.TabularInline):
    model = ExpenseKindRule
    extra = 0
    fields = ["code", "name", "rate_numerator", "rate_denominator", "examples", "position"]


@admin.register(ProgrammeRule)
class ProgrammeRuleAdmin(SimpleHistoryAdmin):
    list_display = ["programme", "category", "name", "method", "cap", "rounding_unit", "needs_confirmation"]
    list_filter = ["programme__fiscal_year", "programme__code", "needs_confirmation"]
    list_select_related = ["programme"]
    readonly_fields = ["confirmed_by", "confirmed_at"]
    inlines = [ExpenseKindRuleInline]
    actions = ["confirm_rules"]

    @admin.action(description=_("選択した算定基準を「要綱で確認済み」にする"))
    def confirm_rules(self, request, queryset):
        confirmed = 0
        for rule in queryset.filter(needs_confirmation=True):
            try:
                services.rule_confirm(actor=request.user, rule_id=rule.pk)
            except SubsidyError as e:
                self.message_user(request, str(e), messages.ERROR)
            else:
                confirmed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)s件の算定基準を確認済みにしました。",
                "%(count)s件の算定基準を確認済みにしました。",
                confirmed,
            )
            % {"count": confirmed},
        )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ExpenseLineInline(ReadOnlyInline):
    model = ExpenseLine
    fields = ["phase", "kind", "description", "amount"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]


class TransitionInline(ReadOnlyInline):
    model = Transition
    fields = ["at", "action", "from_status", "to_status", "actor_name", "comment"]


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "programme",
        "association",
        "category",
        "status",
        "computed_amount",
        "approved_amount",
        "paid_amount",
        "status_changed_at",
    ]
    list_filter = ["programme__fiscal_year", "programme__code", "status", "entered_by_staff", "is_sample"]
    search_fields = ["association__code", "association__name", "purpose"]
    list_select_related = ["programme", "association"]
    raw_id_fields = ["association", "hall"]
    readonly_fields = [
        "programme",
        "status",
        "status_changed_at",
        "computed_amount",
        "breakdown",
        "approved_amount",
        "decided_at",
        "decision_reason",
        "actual_breakdown",
        "confirmed_amount",
        "paid_amount",
        "paid_on",
        "entered_by_staff",
        "entered_by",
        "prepared_by",
        "verified_by",
        "verified_at",
        "submitted_at",
    ]
    inlines = [ExpenseLineInline, AttachmentInline, TransitionInline]

    def has_add_permission(self, request):
        return False  # applications are created through the services (one per year, amounts)

    def has_delete_permission(self, request, obj=None):
        # From 交付決定 on an application and its evidence (attachments) are kept, whoever asks.
        if obj is not None and obj.status in workflow.GRANTED_STATES:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # the bulk deletion would not look at each state
        return actions


class HallRepairInline(admin.TabularInline):
    model = HallRepair
    extra = 0
    fields = ["fiscal_year", "category", "description", "cost", "grant_amount", "note"]


@admin.register(Hall)
class HallAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "association",
        "address",
        "tenure",
        "year_built",
        "floor_area_m2",
        "checked_at",
        "is_sample",
    ]
    list_filter = ["tenure", "is_sample", "association__ward"]
    search_fields = ["name", "address", "association__code", "association__name"]
    list_select_related = ["association"]
    raw_id_fields = ["association"]
    # The ward's check is recorded by services.hall_confirm (from the application's page), with its audit.
    readonly_fields = ["checked_at", "checked_by"]
    inlines = [HallRepairInline]


@admin.register(GrantComputation)
class GrantComputationAdmin(admin.ModelAdmin):
    """Read-only: computations are written by services.resident_grant_compute only."""

    list_display = [
        "programme",
        "association",
        "federation",
        "survey_date",
        "member_households",
        "amount",
        "difference",
        "is_current",
        "computed_at",
    ]
    list_filter = ["programme", "is_current", "survey_date"]
    search_fields = ["association__code", "association__name", "federation__code", "federation__name"]
    list_select_related = ["programme", "association", "federation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
