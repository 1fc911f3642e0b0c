"""The register of associations (public data), an association's count history, and the register's
writes (services.registry)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from chonaikai.accounts import policy
from chonaikai.associations import policy as association_policy
from chonaikai.associations import selectors
from chonaikai.associations.models import Federation
from chonaikai.associations.registry import services as registry
from chonaikai.associations.stats import publication
from wards.models import District

from ..common import optional_date
from ..counts.serializers import CountHistorySerializer
from ..filters import ApiAssociationFilter, StrictOrderingFilter
from . import schema
from .serializers import (
    AssociationCreateSerializer,
    AssociationSerializer,
    AssociationValuesSerializer,
    DissolveInputSerializer,
    MergeInputSerializer,
)

# Any number width in the URL (routes are built before a city is read); a code of another width
# than the city's is simply not found.
ASSOCIATION_CODE_REGEX = r"[0-9]{5}-[0-9]{1,9}"
# Never shown in lists to callers who may not see them, so never read for them either.
PERSONAL_FIELDS = ("representative_name", "contact_phone", "contact_email", "contact_address")


@schema.VIEWSET
class AssociationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The register of associations (public data), by association code."""

    serializer_class = AssociationSerializer
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = ApiAssociationFilter
    ordering_fields = ["code", "name", "kana", "founded_on", "status"]
    ordering = ["code"]
    lookup_field = "code"
    lookup_value_regex = ASSOCIATION_CODE_REGEX

    def get_permissions(self):
        if self.action in ("list", "retrieve", "counts"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def retrieve(self, request, *args, **kwargs):
        association = self.get_object()
        data = self.get_serializer(association).data
        if data.get("personal_data") is not None:
            policy.log_personal_data_access(request.user, association, "api:association-detail")
        return Response(data)

    def get_queryset(self):
        queryset = association_policy.associations_visible_to(self.request.user).select_related(
            "ward", "district", "federation", "successor"
        )
        if not policy.can_view_personal_data(self.request.user):
            queryset = queryset.defer(*PERSONAL_FIELDS)
        return queryset.with_latest_count()

    @schema.COUNTS
    @action(detail=True, pagination_class=None, filter_backends=[])
    def counts(self, request, code=None):
        association = self.get_object()
        history = publication.history_as_published(
            selectors.count_history(association), min_households=publication.threshold_for(request.user)
        )
        details = None
        if policy.can_view_personal_data(request.user, association):
            details = {c.survey_date: c for c in association.counts.select_related("entered_by")}
        survey_date = optional_date(request, "survey_date")
        if survey_date is not None:  # after the history is built, so that the change is still right
            history = [row for row in history if row.survey_date == survey_date]
        context = {"request": request, "entry_details": details, "is_sample": association.is_sample}
        return Response(CountHistorySerializer(history, many=True, context=context).data)

    # The register's writes (services.registry). Scope: the ward's staff and city administrators;
    # associations and wards outside it answer 404 (policy.get_*_for_edit).

    def _answer(self, association, *, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=association.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @schema.CREATE
    def create(self, request):
        data = AssociationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ward = policy.get_ward_for_edit(request.user, values.pop("ward"))
        code = values.pop("code", "")
        comment = values.pop("comment", "")
        association = registry.association_create(
            actor=request.user, ward=ward, values=_resolve_areas(values), code=code, comment=comment
        )
        return self._answer(association, status_code=status.HTTP_201_CREATED)

    @schema.PARTIAL_UPDATE
    def partial_update(self, request, code=None):
        association = association_policy.get_association_for_edit(request.user, code)
        data = AssociationValuesSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        comment = values.pop("comment", "")
        association = registry.association_update(
            actor=request.user, association_id=association.pk, values=_resolve_areas(values), comment=comment
        )
        return self._answer(association)

    @schema.DISSOLVE
    @action(detail=True, methods=["post"])
    def dissolve(self, request, code=None):
        association = association_policy.get_association_for_edit(request.user, code)
        data = DissolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        association = registry.association_dissolve(
            actor=request.user,
            association_id=association.pk,
            dissolved_on=data.validated_data["dissolved_on"],
            reason=data.validated_data["reason"],
        )
        return self._answer(association)

    @schema.MERGE
    @action(detail=False, methods=["post"])
    def merge(self, request):
        data = MergeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        editable = association_policy.associations_editable_by(request.user)
        codes = [*values["predecessors"], *([values["successor"]] if values.get("successor") else [])]
        ids = dict(editable.filter(code__in=codes).values_list("code", "pk"))
        if any(c not in ids for c in codes):
            raise NotFound()  # missing or outside the user's wards: the same answer
        new_successor = None
        if values.get("new_successor"):
            new_successor = _resolve_areas(dict(values["new_successor"]))
        successor = registry.association_merge(
            actor=request.user,
            predecessor_ids=[ids[c] for c in values["predecessors"]],
            merged_on=values["merged_on"],
            successor_id=ids[values["successor"]] if values.get("successor") else None,
            new_successor=new_successor,
            comment=values["comment"],
        )
        return self._answer(successor)


def _resolve_areas(values: dict) -> dict:
    """District and federation codes → objects (the service checks they are in the same ward)."""
    errors = {}
    for name, model in (("district", District), ("federation", Federation)):
        if values.get(name):
            found = model.objects.filter(code=values[name]).first()
            if found is None:
                errors[name] = [_("コード「%(code)s」は登録されていません。") % {"code": values[name]}]
            values[name] = found
    if errors:
        raise ValidationError(errors)
    return values
