"""Output serializers (models and the selectors' dataclasses → JSON) and plain input serializers.

Output serializers only format: rates come from rules.membership_rate, figures from the
selectors, and whether a caller may see personal or internal data from accounts.policy (asked per
object; the role is cached on the user, so a page of 200 rows costs no extra query). Input
serializers check types and ranges only; the rules live in the services they feed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chonaikai.accounts import policy
from chonaikai.accounts.models import ApiToken
from chonaikai.associations import rules
from chonaikai.associations.counts.flags import flag_label
from chonaikai.associations.counts.selectors import check_stored
from chonaikai.associations.imports import importer
from chonaikai.associations.imports.services import columns
from chonaikai.associations.models import Association, Federation, HouseholdCount, SurveyRound, WardProgress
from chonaikai.associations.stats import publication
from chonaikai.calendar import fiscal_year_of
from chonaikai.cities.texts import labelled
from wards.models import District, Ward

from .fields import (
    AssociationCodeField,
    FormBooleanField,
    FormCodeField,
    FormSurveyDateField,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictDecimalField,
    StrictEmailField,
    StrictIntegerField,
    StrictRegexField,
    SurveyDateField,
)

WARD_CODE_PATTERN = r"^[0-9]{5}$"
AREA_CODE_HELP = labelled(_("%(area)sコード"))
AREA_CODE_INVALID = labelled(_("%(area)sコードは5桁の数字です（例: %(area_code)s）。"))
ASSOCIATION_CODE_INVALID = labelled(
    _("町内会コードは「%(area)sコード-番号」の形式です（例: %(association_code)s）。")
)


def _rate_field(**kwargs):
    return serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True, **kwargs
    )


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


def _threshold(context) -> int | None:
    """publication.threshold_for the caller, worked out once per response (the context is shared)."""
    if "min_households" not in context:
        context["min_households"] = publication.threshold_for(_user(context))
    return context["min_households"]


def _hall_positions(context):
    """publication.hall_positions_for the caller, once per response."""
    if "hall_positions" not in context:
        context["hall_positions"] = publication.hall_positions_for(_user(context))
    return context["hall_positions"]


SUPPRESSED_HELP = _(
    "世帯数が公表の下限（市の設定の公表する最小世帯数）未満のため数値を伏せた（null にした）とき true"
)


class ErrorSerializer(serializers.Serializer):
    """The one error shape (api.errors); the schema component is completed by api.schema."""

    message = serializers.CharField()
    extra = serializers.DictField()


# ---------------------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------------------


class WardSerializer(serializers.ModelSerializer):
    area_km2 = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True
    )

    class Meta:
        model = Ward
        fields = ["code", "name", "kana", "romaji", "established_on", "area_km2"]
        read_only_fields = fields


class DistrictSerializer(serializers.ModelSerializer):
    ward = serializers.CharField(source="ward.code", read_only=True, help_text=AREA_CODE_HELP)
    ward_name = serializers.CharField(source="ward.name", read_only=True)

    class Meta:
        model = District
        fields = ["code", "name", "kana", "ward", "ward_name", "is_sample"]
        read_only_fields = fields


class FederationSerializer(serializers.ModelSerializer):
    ward = serializers.CharField(source="ward.code", read_only=True, help_text=AREA_CODE_HELP)
    ward_name = serializers.CharField(source="ward.name", read_only=True)
    district = serializers.CharField(source="district.code", read_only=True, allow_null=True)
    district_name = serializers.CharField(source="district.name", read_only=True, allow_null=True)

    class Meta:
        model = Federation
        fields = ["code", "name", "kana", "ward", "ward_name", "district", "district_name", "is_sample"]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------
# Associations
# ---------------------------------------------------------------------------------------------


@extend_schema_serializer(  # the schema's description (the docstring is not translated)
    description=_("代表者・連絡先（閲覧できる権限がある利用者にだけ返し、ほかは null）")
)
class PersonalDataSerializer(serializers.Serializer):
    """代表者・連絡先: only for those policy.can_view_personal_data allows, else null."""

    representative_name = serializers.CharField(read_only=True)
    contact_phone = serializers.CharField(read_only=True)
    contact_email = serializers.CharField(read_only=True)
    contact_address = serializers.CharField(read_only=True)


class LatestCountSerializer(serializers.Serializer):
    survey_date = serializers.DateField(read_only=True)
    households = serializers.IntegerField(read_only=True, allow_null=True)
    member_households = serializers.IntegerField(read_only=True, allow_null=True)
    rate = _rate_field(help_text=_("加入率（%、小数第2位）。世帯数0のときは null"))
    suppressed = serializers.BooleanField(read_only=True, help_text=SUPPRESSED_HELP)


class AssociationSerializer(serializers.ModelSerializer):
    ward = serializers.CharField(source="ward.code", read_only=True, help_text=AREA_CODE_HELP)
    ward_name = serializers.CharField(source="ward.name", read_only=True)
    district = serializers.CharField(source="district.code", read_only=True, allow_null=True)
    district_name = serializers.CharField(source="district.name", read_only=True, allow_null=True)
    federation = serializers.CharField(source="federation.code", read_only=True, allow_null=True)
    federation_name = serializers.CharField(source="federation.name", read_only=True, allow_null=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    successor = serializers.CharField(
        source="successor.code", read_only=True, allow_null=True, help_text=_("合併先の町内会コード")
    )
    hall_latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
        help_text=_("集会所の位置（緯度）。担当の範囲に含む役割の利用者にだけ返し、ほかは null"),
    )
    hall_longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
        help_text=_("集会所の位置（経度）。担当の範囲に含む役割の利用者にだけ返し、ほかは null"),
    )
    latest_count = serializers.SerializerMethodField(help_text=_("直近の世帯数（まだなければ null）"))
    personal_data = serializers.SerializerMethodField(
        help_text=labelled(
            _(
                "代表者・連絡先。閲覧できる権限（市の管理者、担当%(area)sの職員、その町内会の役員）がなければ null"
            )
        )
    )

    class Meta:
        model = Association
        fields = [
            "code",
            "name",
            "kana",
            "ward",
            "ward_name",
            "district",
            "district_name",
            "federation",
            "federation_name",
            "status",
            "status_label",
            "founded_on",
            "ended_on",
            "successor",
            "is_authorized_body",
            "hall_latitude",
            "hall_longitude",
            "is_sample",
            "latest_count",
            "personal_data",
        ]
        read_only_fields = fields

    @extend_schema_field(LatestCountSerializer(allow_null=True))
    def get_latest_count(self, obj):
        # Annotated by api.selectors.associations_for_api (one query for the whole page).
        if getattr(obj, "latest_survey_date", None) is None:
            return None
        if publication.count_is_withheld(obj.latest_households, min_households=_threshold(self.context)):
            figures = {"households": None, "member_households": None, "rate": None, "suppressed": True}
        else:
            figures = {
                "households": obj.latest_households,
                "member_households": obj.latest_members,
                "rate": rules.membership_rate(obj.latest_members, obj.latest_households),
                "suppressed": False,
            }
        return LatestCountSerializer({"survey_date": obj.latest_survey_date, **figures}).data

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _hall_positions(self.context)(instance):
            data["hall_latitude"] = data["hall_longitude"] = None
        return data

    @extend_schema_field(PersonalDataSerializer(allow_null=True))
    def get_personal_data(self, obj):
        if not policy.can_view_personal_data(_user(self.context), obj):
            return None
        return PersonalDataSerializer(obj).data


# ---------------------------------------------------------------------------------------------
# Household counts
# ---------------------------------------------------------------------------------------------


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

    @extend_schema_field(_rate_field())
    def get_rate(self, obj):
        if self._withheld(obj):
            return None
        return rules.membership_rate(obj.member_households, obj.households)

    def _withheld(self, obj) -> bool:
        return publication.count_is_withheld(obj.households, min_households=_threshold(self.context))

    @extend_schema_field(EntryDetailsSerializer(allow_null=True))
    def get_entry_details(self, obj):
        if not policy.can_view_personal_data(_user(self.context), obj.association):
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
    rate = _rate_field(help_text=_("加入率（%、小数第2位）。世帯数0のときは null"))
    change = _rate_field(help_text=_("前回の調査からの加入率の増減（ポイント）"))
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


# ---------------------------------------------------------------------------------------------
# The register: input for create, update, dissolve and merge (services.registry)
# ---------------------------------------------------------------------------------------------


class AssociationValuesSerializer(serializers.Serializer):
    """The editable fields (services.registry.EDITABLE_FIELDS); district and federation by code."""

    name = StrictCharField(max_length=120, help_text=_("町内会名"))
    kana = StrictCharField(max_length=240, required=False, allow_blank=True, help_text=_("よみがな"))
    district = StrictCharField(
        max_length=20,
        required=False,
        allow_null=True,
        help_text=labelled(_("%(district)s地区コード（null で外す）")),
    )
    federation = StrictCharField(
        max_length=20, required=False, allow_null=True, help_text=_("連合町内会コード（null で外す）")
    )
    founded_on = StrictDateField(required=False, allow_null=True, help_text=_("設立日"))
    is_authorized_body = StrictBooleanField(required=False, help_text=_("認可地縁団体"))
    hall_latitude = StrictDecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True
    )
    hall_longitude = StrictDecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True
    )
    representative_name = StrictCharField(max_length=80, required=False, allow_blank=True)
    contact_phone = StrictCharField(max_length=40, required=False, allow_blank=True)
    contact_email = StrictEmailField(required=False, allow_blank=True)
    contact_address = StrictCharField(max_length=200, required=False, allow_blank=True)
    comment = StrictCharField(
        max_length=500, required=False, allow_blank=True, default="", help_text=_("操作記録に残すコメント")
    )


class AssociationCreateSerializer(AssociationValuesSerializer):
    ward = StrictRegexField(
        WARD_CODE_PATTERN,
        help_text=labelled(_("%(area)sコード（5桁）")),
        error_messages={"invalid": AREA_CODE_INVALID},
    )
    code = AssociationCodeField(
        required=False, help_text=labelled(_("町内会コード。省略すると%(area)sの次の番号"))
    )


class DissolveInputSerializer(serializers.Serializer):
    dissolved_on = StrictDateField(help_text=_("解散日"))
    reason = StrictCharField(max_length=500, help_text=_("解散の理由"))


class NewSuccessorSerializer(AssociationValuesSerializer):
    code = AssociationCodeField(required=False)
    comment = None


class MergeInputSerializer(serializers.Serializer):
    predecessors = serializers.ListField(
        child=AssociationCodeField(),
        allow_empty=False,
        max_length=100,
        help_text=_("合併により廃止する町内会のコード"),
    )
    merged_on = StrictDateField(help_text=_("合併日"))
    successor = AssociationCodeField(
        required=False,
        allow_null=True,
        help_text=_("存続する町内会のコード（吸収合併）。new_successor とどちらか一方"),
    )
    new_successor = NewSuccessorSerializer(
        required=False, allow_null=True, help_text=_("新しく設立する町内会（新設合併）")
    )
    comment = StrictCharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if bool(attrs.get("successor")) == bool(attrs.get("new_successor")):
            raise serializers.ValidationError(
                {
                    "successor": [
                        _(
                            "successor（存続する町内会）か new_successor（新設する町内会）のどちらか一方を指定してください。"
                        )
                    ]
                }
            )
        return attrs


# ---------------------------------------------------------------------------------------------
# Statistics (selectors.MembershipRow, Dashboard)
# ---------------------------------------------------------------------------------------------


class MembershipRowSerializer(serializers.Serializer):
    level = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    survey_date = serializers.DateField(read_only=True)
    fiscal_year = serializers.IntegerField(read_only=True)
    associations = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("町内会数"))
    households = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("区域内世帯数"))
    member_households = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("加入世帯数"))
    rate = _rate_field(help_text=_("加入率（%）"))
    denominator = serializers.CharField(
        read_only=True, help_text=_("加入率の分母（area_households: 区域内世帯数）")
    )
    previous_survey_date = serializers.DateField(read_only=True, allow_null=True)
    previous_rate = _rate_field()
    change = _rate_field(help_text=_("前回調査からの増減（ポイント）"))
    registry_households = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=labelled(_("住民基本台帳世帯数（%(area)s単位と市全体のみ、ある日付だけ）")),
    )
    registry_rate = _rate_field(help_text=_("住民基本台帳世帯数による加入率（参考）"))
    suppressed = serializers.BooleanField(
        read_only=True, help_text=_("世帯数が公表の下限未満のため数値を伏せた行（匿名の利用者のみ）")
    )
    sample = serializers.BooleanField(
        read_only=True,
        help_text=_("サンプルの町内会（seed_demo）の世帯数を含む行: 架空の数値で、市の数値ではありません"),
    )


class MembershipStatsSerializer(serializers.Serializer):
    survey_date = serializers.DateField(read_only=True)
    level = serializers.CharField(read_only=True)
    ward = serializers.CharField(read_only=True, allow_null=True)
    suppression_min_households = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("数値を伏せる世帯数の下限（伏せていなければ null）")
    )
    results = MembershipRowSerializer(many=True, read_only=True)


class PlanFigureSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(read_only=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False, read_only=True)
    source = serializers.CharField(read_only=True)


class TargetProgressSerializer(serializers.Serializer):
    baseline = serializers.IntegerField(read_only=True)
    target = serializers.IntegerField(read_only=True)
    current = serializers.IntegerField(read_only=True)
    gap = serializers.IntegerField(read_only=True, help_text=_("目標までの残り（超えていれば負）"))
    share_done = _rate_field(help_text=_("基準値から目標値までの達成割合（%）"))


class TargetSerializer(serializers.Serializer):
    survey_date = serializers.DateField(source="city.survey_date", read_only=True, allow_null=True)
    city = MembershipRowSerializer(read_only=True, allow_null=True)
    baseline = PlanFigureSerializer(read_only=True, allow_null=True)
    target = PlanFigureSerializer(read_only=True, allow_null=True)
    progress = TargetProgressSerializer(read_only=True, allow_null=True)


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------


class TokenObtainInputSerializer(serializers.Serializer):
    username = StrictCharField(help_text=_("ユーザー名"))
    password = StrictCharField(style={"input_type": "password"}, trim_whitespace=False)
    name = StrictCharField(
        required=False, allow_blank=True, max_length=100, help_text=_("トークンの名前（用途）")
    )


class TokenCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(required=False, allow_blank=True, max_length=100)
    user = StrictCharField(
        required=False, help_text=_("発行先のユーザー名（市の管理者のみ。省略すると自分）")
    )


class TokenRevokeAllInputSerializer(serializers.Serializer):
    user = StrictCharField(
        required=False,
        help_text=_("トークンを失効させる利用者のユーザー名（市の管理者のみ。省略すると自分）"),
    )


class TokenRevokeAllResultSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text=_("失効させたトークンの数"))


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "user",
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
            "expires_at",
            "is_active",
        ]
        read_only_fields = fields


class NewTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text=_("APIトークン。表示はこの一度だけです"))

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


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
