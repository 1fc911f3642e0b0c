"""Public ward pages: the ten wards' latest membership, and one ward's history and areas.

Here with the maps, not in wards/: they show the associations' figures, and the geography knows no
domain app (README, Architecture). URLs and templates keep the wards' names (wards:list, wards/…).
"""

from django.shortcuts import get_object_or_404, render

from chonaikai.associations import selectors
from chonaikai.associations.selectors import Level
from chonaikai.associations.stats import publication
from wards.models import Ward


def ward_list(request):
    latest = selectors.latest_survey_date()
    stats = {}
    if latest is not None:
        stats = {row.code: row for row in selectors.membership_stats(survey_date=latest, level=Level.WARD)}
    # Every ward is listed, including one with no counts yet for the latest survey.
    rows = [(ward, stats.get(ward.code)) for ward in Ward.objects.order_by("code")]
    return render(
        request,
        "wards/ward_list.html",
        {
            "rows": rows,
            "latest_survey_date": latest,
            "has_registry": any(row.registry_rate is not None for row in stats.values()),
        },
    )


def ward_detail(request, code: str):
    ward = get_object_or_404(Ward, code=code)
    series = selectors.membership_series(level=Level.WARD, ward=ward, code=ward.code)
    latest = selectors.latest_survey_date()
    districts, federations = [], []
    if latest is not None:
        # Small areas (and the "unassigned" group, which can be one association) as published.
        districts, federations = (
            publication.label_withheld(
                publication.stats_for(
                    request.user,
                    selectors.membership_stats(survey_date=latest, level=level, ward=ward),
                    level=level,
                    ward=ward,
                )[0]
            )
            for level in (Level.DISTRICT, Level.FEDERATION)
        )
    return render(
        request,
        "wards/ward_detail.html",
        {
            "ward": ward,
            "series": series,
            "series_has_registry": any(row.registry_rate is not None for row in series),
            "latest_survey_date": latest,
            "districts": districts,
            "federations": federations,
            "unassigned_code": selectors.UNASSIGNED_CODE,
        },
    )
