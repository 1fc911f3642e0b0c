"""Household counts: output (figures withheld below the publication threshold), single entry, and
the counts import (the importer's dataclasses)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chonaikai.accounts import policy
from chonaikai.associations import rules
from chonaikai.associations.counts.flags import flag_label
from chonaikai.associations.imports import importer
from chonaikai.associations.imports.services import columns
from chonaikai.associations.models import HouseholdCount
from chonaikai.associations.stats import publication
from chonaikai.calendar import fiscal_year_of
from chonaikai.cities.texts import labelled

from ..fields import (
    AssociationCodeField,
    FormBooleanField,
    FormCodeField,
    FormSurveyDateField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    SurveyDateField,
)
from ..serializers import (
    AREA_CODE_HELP,
    AREA_CODE_INVALID,
    SUPPRESSED_HELP,
    WARD_CODE_PATTERN,
    rate_field,
    request_user,
    threshold,
)


class EntryDetailsSerializer(serializers.Serializer):
    """How a count was recorded: for those who may see the association's non-public data."""

    note = serializers.CharField(read_only=True)
    source = serializers.ChoiceField(choices=HouseholdCount.Source.choices, read_only=True)
    entered_by = serializers.CharField(source="entered_by.get_username", read_only=True, allow_null=True)
    entered_at = serializers.DateTimeField(read_only=True)


class _CountFiguresMixin(serializers.Serializer):
    fiscal_year = serializers.SerializerMethodField(help_text=_("年度（調査基準日を含む年度）"))
    rate = serializers.SerializerMethodField(help_text=_("加入率（%、小数第2位）。世帯数0のときは null"))
    entry_details = serializers.SerializerMethodField(
        help_text=labelled(
            _("備考・入力元・入力者。市の管理者、担当%(area)sの職員、その町内会の役員のほかは null")
        )
    )

    def get_fiscal_year(self, obj) -> int:
        return fiscal_year_of(obj.survey_date)

    @extend_schema_field(rate_field())
    def get_rate(self, obj):
        if self._withheld(obj):
            return None
        return rules.membership_rate(obj.member_households, obj.households)

    def _withheld(self, obj) -> bool:
        return publication.count_is_withheld(obj.households, min_households=threshold(self.context))

    @extend_schema_field(EntryDetailsSerializer(allow_null=True))
    def get_entry_details(self, obj):
        if not policy.can_view_personal_data(request_user(self.context), obj.association):
            return None
        return EntryDetailsSerializer(obj).data


class CountSerializer(_CountFiguresMixin, serializers.ModelSerializer):
    association = serializers.CharField(
        source="association.code", read_only=True, help_text=_("町内会コード")
    )
    association_name = serializers.CharField(source="association.name", read_only=True)
    ward = serializers.CharField(source="association.ward.code", read_only=True, help_text=AREA_CODE_HELP)
    households = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("区域内世帯数"))
    member_households = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("加入世帯数"))
    suppressed = serializers.SerializerMethodField(help_text=SUPPRESSED_HELP)
    is_sample = serializers.BooleanField(
        source="association.is_sample", read_only=True, help_text=_("サンプルの町内会の世帯数（架空の数値）")
    )

    class Meta:
        model = HouseholdCount
        fields = [
            "association",
            "association_name",
            "ward",
            "survey_date",
            "fiscal_year",
            "households",
            "member_households",
            "rate",
            "suppressed",
            "is_sample",
            "version",
            "entry_details",
        ]
        read_only_fields = fields

    def get_suppressed(self, obj) -> bool:
        return self._withheld(obj)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data["suppressed"]:
            data["households"] = data["member_households"] = None
        return data


class CountHistorySerializer(serializers.Serializer):
    """One line of an association's history (selectors.CountRow), with the change against its previous count."""

    survey_date = serializers.DateField(read_only=True)
    fiscal_year = serializers.IntegerField(read_only=True)
    households = serializers.IntegerField(read_only=True, allow_null=True)
    member_households = serializers.IntegerField(read_only=True, allow_null=True)
    rate = rate_field(help_text=_("加入率（%、小数第2位）。世帯数0のときは null"))
    change = rate_field(help_text=_("前回の調査からの加入率の増減（ポイント）"))
    suppressed = serializers.BooleanField(read_only=True, help_text=SUPPRESSED_HELP)
    is_sample = serializers.SerializerMethodField(help_text=_("サンプルの町内会の世帯数（架空の数値）"))
    entry_details = serializers.SerializerMethodField(
        help_text=labelled(
            _("備考・入力元・入力者。市の管理者、担当%(area)sの職員、その町内会の役員のほかは null")
        )
    )

    def get_is_sample(self, obj) -> bool:
        return bool(self.context.get("is_sample", False))  # the association's flag, set by the view

    @extend_schema_field(EntryDetailsSerializer(allow_null=True))
    def get_entry_details(self, obj):
        details = self.context.get("entry_details")  # survey date → count, when the caller may see them
        if details is None or obj.survey_date not in details:
            return None
        return EntryDetailsSerializer(details[obj.survey_date]).data


ENTRY_REASON_MAX_LENGTH = 500


class CountInputSerializer(serializers.Serializer):
    association = AssociationCodeField(help_text=labelled(_("町内会コード（例: %(association_code)s）")))
    survey_date = SurveyDateField(help_text=_("調査基準日（YYYY-MM-DD）。調査が開始されている日付"))
    households = StrictIntegerField(min_value=0, max_value=importer.COUNT_MAX, help_text=_("区域内世帯数"))
    member_households = StrictIntegerField(
        min_value=0, max_value=importer.COUNT_MAX, help_text=_("加入世帯数")
    )
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=importer.NOTE_MAX_LENGTH,
        help_text=_("備考。省略すると登録済みの備考を残し、空文字で消します。前回から大きく変わるときは必須"),
    )
    version = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=importer.COUNT_MAX,
        help_text=_(
            "読み込んだときの世帯数の版（未登録なら0）。他の人が先に保存していれば 409 になります。"
            "省略すると現在の版に上書きします"
        ),
    )
    confirm_members_over = StrictBooleanField(
        required=False, default=False, help_text=_("加入世帯数が区域内世帯数を上回るのが誤りでないことの確認")
    )
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=ENTRY_REASON_MAX_LENGTH,
        help_text=labelled(_("承認済みの%(area)sの世帯数を変更する理由")),
    )


class FlagSerializer(serializers.Serializer):
    """One plausibility flag of a count (rules.check_count), as every screen shows it."""

    code = serializers.ChoiceField(choices=list(rules.FLAG_ORDER), read_only=True)
    severity = serializers.ChoiceField(
        choices=[rules.REFUSED, rules.NEEDS_REASON, rules.NOTICE], read_only=True
    )
    fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    explained = serializers.BooleanField(read_only=True, help_text=_("理由（備考）が入力されている"))
    label = serializers.SerializerMethodField()

    def get_label(self, flag) -> str:
        return flag_label(flag.code)


# ---------------------------------------------------------------------------------------------
# Counts import (the importer's dataclasses)
# ---------------------------------------------------------------------------------------------


class IssueSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=[importer.ERROR, importer.WARNING], read_only=True)
    message = serializers.CharField(read_only=True)
    sheet = serializers.CharField(read_only=True)
    row = serializers.IntegerField(read_only=True, allow_null=True)
    column = serializers.CharField(read_only=True)
    code = serializers.CharField(
        read_only=True,
        help_text=labelled(
            _("種類（missing_columns: 必須の列が見つからない、approved: 承認済みの%(area)s）。多くは空")
        ),
    )


class HeaderCandidatesSerializer(serializers.Serializer):
    sheet = serializers.CharField(read_only=True)
    row = serializers.IntegerField(read_only=True, help_text=_("見出し行（2行の見出しは下の行）"))
    headers = serializers.SerializerMethodField(
        help_text=_("ファイルの見出し（2行の見出しは上下をつないだもの）")
    )
    found = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    def get_headers(self, obj) -> list[str]:
        return [text for _index, text in obj.headers]


class PreviewRowSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(source="source.name", read_only=True, help_text=_("ファイルの町内会名"))
    association_name = serializers.CharField(read_only=True, help_text=_("登録されている町内会名"))
    sheet = serializers.CharField(source="source.sheet", read_only=True)
    row = serializers.IntegerField(source="source.row", read_only=True, allow_null=True)
    status = serializers.ChoiceField(
        choices=[
            importer.RowStatus.NEW,
            importer.RowStatus.CHANGED,
            importer.RowStatus.UNCHANGED,
            importer.RowStatus.ERROR,
        ],
        read_only=True,
    )
    households = serializers.IntegerField(read_only=True, allow_null=True)
    member_households = serializers.IntegerField(read_only=True, allow_null=True)
    current_households = serializers.IntegerField(read_only=True, allow_null=True)
    current_member_households = serializers.IntegerField(read_only=True, allow_null=True)
    households_change = serializers.IntegerField(read_only=True, allow_null=True)
    member_households_change = serializers.IntegerField(read_only=True, allow_null=True)
    previous_households = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("前回の調査の区域内世帯数")
    )
    previous_member_households = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("前回の調査の加入世帯数")
    )
    flags = serializers.SerializerMethodField(help_text=_("確認事項（入力画面・取込・承認画面と同じ規則）"))
    issues = IssueSerializer(many=True, read_only=True)

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, row) -> list:
        return FlagSerializer(row.check.flags if row.check else (), many=True).data


class SummarySerializer(serializers.Serializer):
    rows = serializers.IntegerField(read_only=True)
    new = serializers.IntegerField(read_only=True)
    changed = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)
    errors = serializers.IntegerField(read_only=True)
    warnings = serializers.IntegerField(read_only=True)


class PreviewSerializer(serializers.Serializer):
    survey_date = serializers.DateField(read_only=True)
    filename = serializers.CharField(read_only=True)
    ward = serializers.CharField(source="ward.code", read_only=True, allow_null=True)
    has_errors = serializers.BooleanField(read_only=True)
    summary = SummarySerializer(read_only=True)
    errors = IssueSerializer(many=True, read_only=True)
    warnings = IssueSerializer(many=True, read_only=True)
    rows = PreviewRowSerializer(many=True, read_only=True)
    needs_column_mapping = serializers.SerializerMethodField(
        help_text=_("必須の列が見つからない: header_candidates の見出しから columns で列の対応を指定できます")
    )
    header_candidates = HeaderCandidatesSerializer(
        source="parsed.header_candidates", many=True, read_only=True
    )

    def get_needs_column_mapping(self, obj) -> bool:
        return columns.needs_mapping(obj)


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("町内会別世帯数のファイル（.xlsx / .csv）"))
    survey_date = FormSurveyDateField(help_text=_("調査基準日（YYYY-MM-DD）"))
    ward = FormCodeField(
        WARD_CODE_PATTERN,
        required=False,
        help_text=labelled(_("この%(area)sの町内会だけを受け付ける（%(area)sコード5桁）")),
        error_messages={"invalid": AREA_CODE_INVALID},
    )
    dry_run = FormBooleanField(
        required=False,
        default=False,
        help_text=_("確認だけして書き込まない（プレビュー）。?dry_run=1 でも同じ"),
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text=labelled(
            _(
                "変更理由: 承認済みの%(area)sの世帯数を変更するとき、%(area)sの職員は必須（市の管理者は不要）。"
                "履歴と操作記録に残ります"
            )
        ),
    )
    columns = serializers.JSONField(
        required=False,
        default=None,
        help_text=labelled(
            _(
                '列の対応（JSON）: 必須の列名 → ファイルの見出し。例 {"町内会コード": "番号"}。'
                "省略すると、その%(area)sで前回指定した対応（画面で指定したもの）を使います"
            )
        ),
    )

    def validate_columns(self, value):
        if value is None:
            return None
        if not isinstance(value, dict) or not all(
            key in importer.REQUIRED_COLUMNS and isinstance(text, str) and text.strip()
            for key, text in value.items()
        ):
            raise serializers.ValidationError(
                _("必須の列名（%(names)s）から見出しへの対応で指定してください。")
                % {"names": "・".join(importer.REQUIRED_COLUMNS)}  # i18n: data
            )
        return value


class ImportResultSerializer(serializers.Serializer):
    survey_date = serializers.DateField(read_only=True)
    created = serializers.IntegerField(read_only=True)
    updated = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)
    warnings = IssueSerializer(many=True, read_only=True)


class ImportDeferredSerializer(serializers.Serializer):
    task_id = serializers.CharField(read_only=True)
    progress_url = serializers.CharField(read_only=True)


class ImportProgressSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(
        choices=["queued", "reading", "checked", "writing", "done", "failed"], read_only=True
    )
    done = serializers.IntegerField(read_only=True)
    total = serializers.IntegerField(read_only=True)
    result = serializers.DictField(read_only=True, allow_null=True)
