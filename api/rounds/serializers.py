"""Survey rounds: a round and its wards' progress, and a ward's entry grid."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chonaikai.associations.counts.selectors import check_stored
from chonaikai.associations.imports import importer
from chonaikai.associations.models import SurveyRound, WardProgress
from chonaikai.associations.stats import publication
from chonaikai.calendar import fiscal_year_of
from chonaikai.cities.texts import labelled

from ..counts.serializers import ENTRY_REASON_MAX_LENGTH, FlagSerializer
from ..fields import (
    AssociationCodeField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    SurveyDateField,
)
from ..stats.serializers import MembershipRowSerializer

# ---------------------------------------------------------------------------------------------
# A ward's entry grid
# ---------------------------------------------------------------------------------------------


class GridChangeSerializer(serializers.Serializer):
    association = AssociationCodeField()
    households = StrictIntegerField(min_value=0, max_value=importer.COUNT_MAX, allow_null=True)
    member_households = StrictIntegerField(min_value=0, max_value=importer.COUNT_MAX, allow_null=True)
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=importer.NOTE_MAX_LENGTH)
    version = StrictIntegerField(
        min_value=0, max_value=importer.COUNT_MAX, help_text=_("読み込んだときの版（未登録なら0）")
    )
    confirm_members_over = StrictBooleanField(required=False, default=False)


class GridInputSerializer(serializers.Serializer):
    changes = GridChangeSerializer(many=True, allow_empty=False, max_length=5000)
    reason = StrictCharField(required=False, allow_blank=True, default="", max_length=ENTRY_REASON_MAX_LENGTH)


class GridCountSerializer(serializers.Serializer):
    households = serializers.IntegerField(read_only=True)
    member_households = serializers.IntegerField(read_only=True)
    note = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    entered_by = serializers.CharField(source="entered_by.get_username", read_only=True, allow_null=True)
    entered_at = serializers.DateTimeField(read_only=True)


class GridPreviousSerializer(serializers.Serializer):
    households = serializers.IntegerField(read_only=True)
    member_households = serializers.IntegerField(read_only=True)


class GridRowSerializer(serializers.Serializer):
    association = serializers.CharField(source="association.code", read_only=True)
    name = serializers.CharField(source="association.name", read_only=True)
    kana = serializers.CharField(source="association.kana", read_only=True)
    current = GridCountSerializer(read_only=True, allow_null=True)
    previous = GridPreviousSerializer(read_only=True, allow_null=True)
    flags = serializers.SerializerMethodField(
        help_text=_("この調査の世帯数の確認事項（入力画面・取込・承認画面と同じ規則）")
    )

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, row) -> list:
        return FlagSerializer(check_stored(row.current, row.previous).flags, many=True).data


class WardProgressSerializer(serializers.Serializer):
    ward = serializers.CharField(source="ward.code", read_only=True)
    ward_name = serializers.CharField(source="ward.name", read_only=True)
    status = serializers.ChoiceField(choices=WardProgress.Status.choices, read_only=True)
    status_label = serializers.CharField(source="state_label", read_only=True)  # 差し戻し for a send-back
    sent_back = serializers.BooleanField(
        read_only=True,
        help_text="In progress because the city sent the submission back (the comment says why).",
    )
    changed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    changed_by = serializers.CharField(source="changed_by_name", read_only=True)
    comment = serializers.CharField(read_only=True)


class GridSerializer(serializers.Serializer):
    survey_date = serializers.DateField(read_only=True)
    previous_survey_date = serializers.DateField(read_only=True, allow_null=True)
    ward = serializers.CharField(source="ward.code", read_only=True)
    progress = WardProgressSerializer(read_only=True)
    rows = GridRowSerializer(many=True, read_only=True)


class GridResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(read_only=True)
    updated = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)


# ---------------------------------------------------------------------------------------------
# Survey rounds
# ---------------------------------------------------------------------------------------------


class SurveyRoundSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.SerializerMethodField()
    opened_by = serializers.CharField(source="opened_by.get_username", read_only=True, allow_null=True)

    class Meta:
        model = SurveyRound
        fields = ["survey_date", "fiscal_year", "deadline", "opened_at", "opened_by"]
        read_only_fields = fields

    def get_fiscal_year(self, obj) -> int:
        return fiscal_year_of(obj.survey_date)


class RoundOpenInputSerializer(serializers.Serializer):
    survey_date = SurveyDateField(required=False, help_text=_("調査基準日（省略すると今年の調査基準日）"))
    deadline = SurveyDateField(help_text=labelled(_("%(area)sの提出期限")))


class ProgressActionInputSerializer(serializers.Serializer):
    comment = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("コメント（差し戻しでは必須）"),
    )


class ProgressEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(read_only=True)
    actor_name = serializers.CharField(read_only=True)
    before = serializers.CharField(read_only=True)
    after = serializers.CharField(read_only=True)
    comment = serializers.CharField(read_only=True)


class WardRoundRowSerializer(serializers.Serializer):
    """One ward's line of a round's overview (selectors.WardRoundRow)."""

    ward = serializers.CharField(source="ward.code", read_only=True)
    ward_name = serializers.CharField(source="ward.name", read_only=True)
    status = serializers.ChoiceField(
        source="progress.status", choices=WardProgress.Status.choices, read_only=True
    )
    status_label = serializers.CharField(source="progress.get_status_display", read_only=True)
    changed_at = serializers.DateTimeField(source="progress.changed_at", read_only=True, allow_null=True)
    changed_by = serializers.CharField(source="progress.changed_by_name", read_only=True)
    comment = serializers.CharField(source="progress.comment", read_only=True)
    active = serializers.IntegerField(read_only=True, help_text=_("活動中の町内会数"))
    counted = serializers.IntegerField(read_only=True, help_text=_("世帯数を入力済みの町内会数"))
    missing = serializers.SerializerMethodField(help_text=_("未入力の町内会のコード"))
    actions = serializers.SerializerMethodField(
        help_text=_("この利用者がいま行える操作（submit / approve / send_back）")
    )
    stats = serializers.SerializerMethodField(
        help_text=labelled(_("%(area)sの加入状況（世帯数がまだなければ null）"))
    )
    events = ProgressEventSerializer(many=True, read_only=True)

    def get_missing(self, obj) -> list[str]:
        return [a.code for a in obj.missing]

    def get_actions(self, obj) -> list[str]:
        return self.context.get("actions", {}).get(obj.ward.code, [])

    @extend_schema_field(MembershipRowSerializer(allow_null=True))
    def get_stats(self, obj):
        if not obj.stats:
            return None
        row = publication.as_published([obj.stats])[0]
        key = ("sample_keys", obj.stats.survey_date)
        if key not in self.context:  # one query per response: the context is shared by the wards' rows
            self.context[key] = publication.sample_keys(level="ward", dates=[obj.stats.survey_date])
        return MembershipRowSerializer(publication.mark_samples([row], self.context[key])[0]).data


class RoundOverviewSerializer(SurveyRoundSerializer):
    active = serializers.SerializerMethodField()
    counted = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()
    wards = serializers.SerializerMethodField()

    class Meta(SurveyRoundSerializer.Meta):
        fields = [*SurveyRoundSerializer.Meta.fields, "active", "counted", "missing", "wards"]
        read_only_fields = fields

    def get_active(self, obj) -> int:
        return self.context["overview"].active

    def get_counted(self, obj) -> int:
        return self.context["overview"].counted

    def get_missing(self, obj) -> int:
        return self.context["overview"].missing

    @extend_schema_field(WardRoundRowSerializer(many=True))
    def get_wards(self, obj):
        return WardRoundRowSerializer(self.context["overview"].rows, many=True, context=self.context).data
