"""What the domains' serializers share: the error shape, the code texts, the rate field, and the
caller's publication settings worked out once per response.

Output serializers only format: rates come from rules.membership_rate, figures from the
selectors, and whether a caller may see personal or internal data from accounts.policy (asked per
object; the role is cached on the user, so a page of 200 rows costs no extra query). Input
serializers check types and ranges only; the rules live in the services they feed. Each domain's
serializers are in its package (api/<domain>/serializers.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chonaikai.associations.stats import publication
from chonaikai.cities.texts import labelled

WARD_CODE_PATTERN = r"^[0-9]{5}$"
AREA_CODE_HELP = labelled(_("%(area)sコード"))
AREA_CODE_INVALID = labelled(_("%(area)sコードは5桁の数字です（例: %(area_code)s）。"))
ASSOCIATION_CODE_INVALID = labelled(
    _("町内会コードは「%(area)sコード-番号」の形式です（例: %(association_code)s）。")
)


def rate_field(**kwargs):
    return serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True, **kwargs
    )


def request_user(context):
    request = context.get("request")
    return getattr(request, "user", None)


def threshold(context) -> int | None:
    """publication.threshold_for the caller, worked out once per response (the context is shared)."""
    if "min_households" not in context:
        context["min_households"] = publication.threshold_for(request_user(context))
    return context["min_households"]


def hall_positions(context):
    """publication.hall_positions_for the caller, once per response."""
    if "hall_positions" not in context:
        context["hall_positions"] = publication.hall_positions_for(request_user(context))
    return context["hall_positions"]


SUPPRESSED_HELP = _(
    "世帯数が公表の下限（市の設定の公表する最小世帯数）未満のため数値を伏せた（null にした）とき true"
)


class ErrorSerializer(serializers.Serializer):
    """The one error shape (api.errors); the schema component is completed by api.schema."""

    message = serializers.CharField()
    extra = serializers.DictField()
