"""Public pages: the city dashboard, the association list and an association's page.

Views parse the request, call selectors, querysets and rules, and render. Rates always come from
rules.membership_rate; personal data is shown only where accounts.policy allows it.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext

from chonaikai.accounts import policy
from chonaikai.associations import policy as association_policy
from chonaikai.cities.current import labels

from . import rules, selectors
from .filters import AssociationFilter
from .registry import selectors as selectors_registry
from .selectors import Level
from .stats import publication

ASSOCIATIONS_PER_PAGE = 50
PERSONAL_FIELDS = ("representative_name", "contact_phone", "contact_email", "contact_address")


def dashboard(request):
    board = selectors.city_dashboard()
    series = selectors.membership_series(level=Level.CITY)
    wards = []
    if board.city is not None:
        wards = selectors.membership_stats(survey_date=board.city.survey_date, level=Level.WARD)
    return render(
        request,
        "associations/dashboard.html",
        {
            "board": board,
            "city": board.city,
            "progress": board.progress,
            "city_series": series,
            "series_has_registry": any(row.registry_rate is not None for row in series),
            "ward_rows": wards,
            "wards_have_registry": any(row.registry_rate is not None for row in wards),
        },
    )


def _name_levels(form) -> None:
    """The filters named with the loaded city's words for its levels; no district filter in a city
    without districts."""
    words = labels()
    form.fields["ward"].label = words.area
    form.fields["ward"].empty_label = gettext("すべての%(area)s") % {"area": words.area}
    if words.has_districts:
        form.fields["district"].label = gettext("%(district)s地区") % {"district": words.district}
    else:
        del form.fields["district"]
    form.fields["federation"].label = words.federation
    form.fields["federation"].empty_label = gettext("すべての%(federation)s") % {
        "federation": words.federation
    }


def association_list(request):
    filterset = AssociationFilter(
        request.GET or None,
        queryset=association_policy.associations_visible_to(request.user)
        .select_related("ward", "federation")
        .defer(*PERSONAL_FIELDS)  # never shown in the list, so never read for it
        .order_by("code"),
    )
    _name_levels(filterset.form)
    page = Paginator(filterset.qs.with_latest_count(), ASSOCIATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    threshold = publication.threshold_for(request.user)
    for association in page:
        association.latest_rate = rules.membership_rate(
            association.latest_members, association.latest_households
        )
        if publication.count_is_withheld(association.latest_households, min_households=threshold):
            association.latest_households = publication.WITHHELD
            association.latest_members = gettext("非公表")
            association.latest_rate = None
    return render(
        request,
        "associations/association_list.html",
        {
            "filter": filterset,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "latest_survey_date": selectors.latest_survey_date(),
            "is_filtered": any(request.GET.get(name) for name in filterset.filters),
        },
    )


def association_detail(request, code: str):
    association = get_object_or_404(
        association_policy.associations_visible_to(request.user).select_related(
            "ward", "district", "federation", "successor"
        ),
        code=code,
    )
    show_personal_data = policy.can_view_personal_data(request.user, association)
    can_edit = association_policy.can_edit_association(request.user, association)
    if show_personal_data:
        policy.log_personal_data_access(request.user, association, "associations:detail")
    return render(
        request,
        "associations/association_detail.html",
        {
            "association": association,
            "predecessors": list(association.predecessors.order_by("code")),
            "history": _published_history(request.user, association),
            # Representative's name and contacts: only where the policy says so (can_view_personal_data).
            "show_personal_data": show_personal_data,
            "can_edit": can_edit,
            # 変更履歴 names staff and shows personal data: the same people, or staff in scope.
            "change_log": selectors_registry.association_change_log(
                association, include_personal=show_personal_data
            )
            if show_personal_data or can_edit
            else None,
        },
    )


def _published_history(user, association):
    """The history as publication allows `user`; a withheld count says so where its figures were."""
    rows = publication.history_as_published(
        selectors.count_history(association), min_households=publication.threshold_for(user)
    )
    for row in rows:
        if row.suppressed:
            row.households = publication.WITHHELD
            row.member_households = gettext("非公表")
    return rows
