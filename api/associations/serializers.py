"""The register of associations: output (public data, personal data only for those allowed) and the
input of create, update, dissolve and merge (services.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chonaikai.accounts import policy
from chonaikai.associations import rules
from chonaikai.associations.models import Association
from chonaikai.associations.stats import publication
from chonaikai.cities.texts import labelled

from ..fields import (
    AssociationCodeField,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictDecimalField,
    StrictEmailField,
    StrictRegexField,
)
from ..serializers import (
    AREA_CODE_HELP,
    AREA_CODE_INVALID,
    SUPPRESSED_HELP,
    WARD_CODE_PATTERN,
    hall_positions,
    rate_field,
    request_user,
    threshold,
)


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
    rate = rate_field(help_text=_("加入率（%、小数第2位）。世帯数0のときは null"))
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
        if publication.count_is_withheld(obj.latest_households, min_households=threshold(self.context)):
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
        if not hall_positions(self.context)(instance):
            data["hall_latitude"] = data["hall_longitude"] = None
        return data

    @extend_schema_field(PersonalDataSerializer(allow_null=True))
    def get_personal_data(self, obj):
        if not policy.can_view_personal_data(request_user(self.context), obj):
            return None
        return PersonalDataSerializer(obj).data


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
