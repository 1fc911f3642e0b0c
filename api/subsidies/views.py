"""Subsidies (補助金): programmes with their money, and applications from draft to payment.

Reads start from the policy (chonaikai.accounts.policy): a leader sees their association's
applications, ward staff their ward's, city administrators all; anything else answers 404. Writes
go through chonaikai.subsidies.services, one service per transition; the services re-check scope
(Http404), role (PermissionDenied → 403) and state. A SubsidyError becomes the API's error shape
with its message (in the request's language, Japanese by default): 409 for an action the application's state does not allow
(IllegalTransition), 400 for the other rules.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from chonaikai.accounts import policy
from chonaikai.associations.models import Association
from chonaikai.subsidies import rules, selectors, services
from chonaikai.subsidies.errors import IllegalTransition, SubsidyError
from chonaikai.subsidies.models import Application, ExpenseLine, Programme, Transition
from chonaikai.subsidies.workflow import Action

from ..errors import ApiError
from . import schema
from .serializers import (
    FISCAL_YEAR_MAX,
    FISCAL_YEAR_MIN,
    PROGRAMME_CODE_REGEX,
    ApplicationCreateInputSerializer,
    ApplicationSerializer,
    ApplicationUpdateInputSerializer,
    ApproveInputSerializer,
    AttachmentInputSerializer,
    CommentInputSerializer,
    ListFilters,
    PayInputSerializer,
    ProgrammeSerializer,
    RejectInputSerializer,
    ReportCompletionInputSerializer,
    RequiredCommentInputSerializer,
)

# ---------------------------------------------------------------------------------------------
# Errors and permissions
# ---------------------------------------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # dates and the like, as the breakdown's ISO text would have them


def subsidy_error(error: SubsidyError) -> ApiError:
    """A service's refusal in the API's shape: 409 for a state conflict, 400 for the other rules."""
    code = status.HTTP_409_CONFLICT if isinstance(error, IllegalTransition) else status.HTTP_400_BAD_REQUEST
    return ApiError(error.message, extra={"code": error.code, **_jsonable(error.extra)}, status_code=code)


class UsesSubsidies(permissions.IsAuthenticated):
    """Signed in with a role: the people the subsidy pages are for (city, ward, association, viewer)."""

    message = gettext_lazy("補助金の情報を見る権限がありません（役割のある利用者のみ）。")

    def has_permission(self, request, view):
        user = request.user
        return super().has_permission(request, view) and (
            policy.is_city_admin(user) or policy.role_of(user) is not None
        )


def _rule_of(programme: Programme, category) -> rules.CategoryRule | None:
    """The category's rule, to check the lines' kinds; None when there is no such category (the
    service then refuses the application with the categories it has)."""
    if not isinstance(category, str):
        return None
    try:
        return selectors.rule_for(programme, category)
    except SubsidyError:
        return None


def _rule_named_by(body) -> rules.CategoryRule | None:
    """The rule a creation body names (programme, fiscal_year, category), or None if it names none."""
    if not isinstance(body, dict):
        return None
    code, year = body.get("programme"), body.get("fiscal_year")
    if not isinstance(code, str) or not re.fullmatch(PROGRAMME_CODE_REGEX, code):
        return None
    if isinstance(year, bool) or not isinstance(year, int) or not FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX:
        return None
    programme = selectors.programme_for(code=code, fiscal_year=year)
    return None if programme is None else _rule_of(programme, body.get("category", ""))


def _line_inputs(rows) -> list[services.LineInput]:
    return [services.LineInput(row["kind"], row["description"], row["amount"]) for row in rows]


def _filters(request, names: tuple[str, ...]) -> dict:
    data = {name: request.query_params[name] for name in names if name in request.query_params}
    checked = ListFilters(data=data)
    checked.is_valid(raise_exception=True)
    return checked.validated_data


# ---------------------------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------------------------


@schema.PROGRAMMES
class ProgrammeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """補助制度（年度ごと）。"""

    serializer_class = ProgrammeSerializer
    permission_classes = [UsesSubsidies]
    filter_backends = []
    lookup_value_regex = r"[0-9]{1,9}"
    queryset = Programme.objects.none()  # for the schema: the path parameter's type

    def get_queryset(self):
        qs = selectors.programmes().prefetch_related("rules__kinds")
        if self.action == "list":
            filters = _filters(self.request, ("code", "fiscal_year"))
            if "code" in filters:
                qs = qs.filter(code=filters["code"])
            if "fiscal_year" in filters:
                qs = qs.filter(fiscal_year=filters["fiscal_year"])
        return qs.order_by("-fiscal_year", "code")

    @schema.BY_CODE
    def by_code(self, request, code: str, fiscal_year: str):
        programme = get_object_or_404(
            selectors.programmes().prefetch_related("rules__kinds"), code=code, fiscal_year=int(fiscal_year)
        )
        return Response(ProgrammeSerializer(programme).data)


# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------


def _detail_queryset(user):
    return (
        policy.applications_visible_to(user)
        .select_related("association", "association__ward", "programme", "hall")
        .prefetch_related(
            Prefetch("lines", queryset=ExpenseLine.objects.order_by("phase", "position", "id")),
            Prefetch("transitions", queryset=Transition.objects.order_by("at", "id")),
            "attachments",
        )
    )


@schema.APPLICATIONS
class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """補助金の申請。IDで指定します。"""

    serializer_class = ApplicationSerializer
    permission_classes = [UsesSubsidies]
    filter_backends = []
    lookup_value_regex = r"[0-9]{1,9}"
    queryset = Application.objects.none()  # for the schema: the path parameter's type

    def get_queryset(self):
        user = self.request.user
        if self.action != "list":
            return _detail_queryset(user)
        filters = _filters(self.request, ("status", "programme", "fiscal_year"))
        status_filter = filters.get("status")
        return selectors.application_queue(
            user=user,
            statuses=[status_filter] if status_filter else [],
            programme_code=filters.get("programme"),
            fiscal_year=filters.get("fiscal_year"),
        ).prefetch_related(
            Prefetch("lines", queryset=ExpenseLine.objects.order_by("phase", "position", "id")),
            Prefetch("transitions", queryset=Transition.objects.order_by("at", "id")),
            "attachments",
        )

    def _answer(self, application_id: int, code: int = status.HTTP_200_OK) -> Response:
        app = get_object_or_404(_detail_queryset(self.request.user), pk=application_id)
        return Response(ApplicationSerializer(app, context=self.get_serializer_context()).data, status=code)

    def create(self, request):
        data = ApplicationCreateInputSerializer(
            data=request.data, context={"rule": _rule_named_by(request.data)}
        )
        data.is_valid(raise_exception=True)
        values = data.validated_data
        programme = selectors.programme_for(code=values["programme"], fiscal_year=values["fiscal_year"])
        if programme is None:
            raise exceptions.ValidationError(
                {
                    "programme": [
                        _("%(year)d年度の制度「%(code)s」はありません。")
                        % {"year": values["fiscal_year"], "code": values["programme"]}
                    ]
                }
            )
        association = Association.objects.filter(code=values["association"]).first()
        if association is None:
            raise exceptions.ValidationError(
                {
                    "association": [
                        _("町内会コード %(code)s の町内会はありません。") % {"code": values["association"]}
                    ]
                }
            )
        if not policy.associations_applying_as(request.user).filter(pk=association.pk).exists():
            raise exceptions.PermissionDenied(_("この町内会の申請を作成できるのは、その町内会の役員です。"))
        try:
            app = services.application_create(
                actor=request.user,
                association_id=association.pk,
                programme_id=programme.pk,
                purpose=values["purpose"],
                category=values.get("category", ""),
                hall_id=values.get("hall"),
                planned_start=values.get("planned_start"),
                planned_end=values.get("planned_end"),
                lines=_line_inputs(values.get("lines", [])),
            )
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        app = get_object_or_404(
            policy.applications_visible_to(request.user).select_related("programme"), pk=pk
        )  # 404 out of scope
        category = request.data.get("category", app.category) if isinstance(request.data, dict) else None
        data = ApplicationUpdateInputSerializer(
            data=request.data, context={"rule": _rule_of(app.programme, category)}
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        lines = values.pop("lines", None)
        changes = {("hall_id" if k == "hall" else k): v for k, v in values.items()}
        try:
            with transaction.atomic():  # content and lines together, or neither
                if changes:
                    services.application_update(actor=request.user, application_id=app.pk, **changes)
                if lines is not None:
                    services.application_set_lines(
                        actor=request.user, application_id=app.pk, lines=_line_inputs(lines)
                    )
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk)

    def _check_access(self, request, pk, action: str | None) -> Application:
        """Scope before the body: 404 outside the user's scope, 403 for an action the role never takes.

        Reading the body first would answer 400 to users who may not even know the application exists.
        """
        app = get_object_or_404(
            policy.applications_visible_to(request.user).select_related("programme"), pk=pk
        )
        if action is not None and not policy.can_take_application_action(request.user, app, action):
            label = Action(action).label
            raise exceptions.PermissionDenied(
                _("この申請を「%(action)s」する権限がありません。") % {"action": label}
            )
        return app

    def _transition(self, request, pk, input_serializer, call, action: str | None) -> Response:
        self._check_access(request, pk, action)
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            app = call(actor=request.user, application_id=int(pk), **data.validated_data)
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk)

    @schema.SUBMIT
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_submit, Action.SUBMIT
        )

    @schema.START_REVIEW
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_start_review, Action.START_REVIEW
        )

    @schema.RETURN
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._transition(
            request, pk, RequiredCommentInputSerializer, services.application_return, Action.RETURN
        )

    @schema.FORWARD
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_forward, Action.FORWARD
        )

    @schema.SEND_BACK
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._transition(
            request, pk, RequiredCommentInputSerializer, services.application_send_back, Action.SEND_BACK
        )

    @schema.APPROVE
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(
            request, pk, ApproveInputSerializer, services.application_approve, Action.APPROVE
        )

    @schema.REJECT
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(
            request, pk, RejectInputSerializer, services.application_reject, Action.REJECT
        )

    @schema.WITHDRAW
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_withdraw, Action.WITHDRAW
        )

    @schema.REPORT_COMPLETION
    @action(detail=True, methods=["post"], url_path="report-completion")
    def report_completion(self, request, pk=None):
        app = self._check_access(request, pk, Action.REPORT_COMPLETION)
        data = ReportCompletionInputSerializer(
            data=request.data, context={"rule": _rule_of(app.programme, app.category)}
        )
        data.is_valid(raise_exception=True)
        try:
            app = services.application_report_completion(
                actor=request.user,
                application_id=int(pk),
                lines=_line_inputs(data.validated_data["lines"]),
                comment=data.validated_data["comment"],
            )
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk)

    @schema.RETURN_COMPLETION
    @action(detail=True, methods=["post"], url_path="return-completion")
    def return_completion(self, request, pk=None):
        return self._transition(
            request,
            pk,
            RequiredCommentInputSerializer,
            services.application_return_completion,
            Action.RETURN_COMPLETION,
        )

    @schema.CONFIRM
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_confirm, Action.CONFIRM
        )

    @schema.PAY
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._transition(request, pk, PayInputSerializer, services.application_pay, Action.PAY)

    @schema.ATTACHMENTS
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser], url_path="attachments")
    def attachments(self, request, pk=None):
        app = self._check_access(request, pk, None)
        if not policy.can_act_for_association(request.user, app):
            raise exceptions.PermissionDenied(_("この申請に書類を添付する権限がありません。"))
        data = AttachmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.attachment_add(
                actor=request.user,
                application_id=app.pk,
                file=data.validated_data["file"],
                kind=data.validated_data["kind"],
            )
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk, status.HTTP_201_CREATED)

    @schema.VERIFY
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_verify_paper_entry, action=None
        )
