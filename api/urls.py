"""/api/v1/: resources by stable identifiers (ward code, association code), the schema and its docs.

Explicit paths come before the router's, and a catch-all at the end answers unknown URLs with a
JSON 404 in the API's error shape (never Django's HTML page).
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from .associations import views as associations
from .auth import views as auth
from .common import DATE_REGEX, WARD_CODE_REGEX
from .counts import views as counts
from .errors import not_found
from .geography import views as geography
from .opendata import views as opendata
from .rounds import views as rounds
from .schema import SchemaView
from .stats import views as stats
from .subsidies import views as subsidies

app_name = "api"


class Router(DefaultRouter):
    # No "wards.json" style suffixes: they would take "wards.geojson" for a format.
    include_format_suffixes = False


router = Router()
router.register("wards", geography.WardViewSet, basename="ward")
router.register("districts", geography.DistrictViewSet, basename="district")
router.register("federations", geography.FederationViewSet, basename="federation")
router.register("associations", associations.AssociationViewSet, basename="association")
router.register("counts", counts.CountViewSet, basename="count")
router.register("rounds", rounds.SurveyRoundViewSet, basename="round")
router.register("subsidy-programmes", subsidies.ProgrammeViewSet, basename="subsidy-programme")
router.register("subsidy-applications", subsidies.ApplicationViewSet, basename="subsidy-application")
router.register("auth/tokens", auth.ApiTokenViewSet, basename="token")

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's set-up script as a file, so the page needs no inline script
    # (Content-Security-Policy); both pages load only this site's static files (sidecar).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("wards.geojson", geography.WardBoundariesView.as_view(), name="ward-boundaries"),
    re_path(
        rf"^wards/(?P<code>{WARD_CODE_REGEX})/entry-sheet\.xlsx$",
        geography.WardEntrySheetView.as_view(),
        name="ward-entry-sheet",
    ),
    re_path(
        rf"^wards/(?P<code>{WARD_CODE_REGEX})/counts/(?P<survey_date>{DATE_REGEX})/$",
        rounds.WardCountsGridView.as_view(),
        name="ward-counts-grid",
    ),
    re_path(
        rf"^rounds/(?P<survey_date>{DATE_REGEX})/wards/(?P<ward_code>{WARD_CODE_REGEX})/"
        r"(?P<action>submit|approve|send-back|withdraw)/$",
        rounds.WardProgressActionView.as_view(),
        name="ward-progress-action",
    ),
    path("counts/import/", counts.CountImportView.as_view(), name="counts-import"),
    path(
        "counts/import/<uuid:task_id>/",
        counts.CountImportProgressView.as_view(),
        name="counts-import-progress",
    ),
    path("survey-dates/", stats.SurveyDatesView.as_view(), name="survey-dates"),
    path("stats/membership/", stats.MembershipStatsView.as_view(), name="stats-membership"),
    path("stats/membership.csv", stats.MembershipStatsCSVView.as_view(), name="stats-membership-csv"),
    path("stats/membership.xlsx", stats.MembershipStatsXLSXView.as_view(), name="stats-membership-xlsx"),
    path("stats/city-summary.xlsx", stats.CitySummaryXLSXView.as_view(), name="stats-city-summary"),
    path("stats/target/", stats.TargetView.as_view(), name="stats-target"),
    path("opendata/membership.json", opendata.OpenDataJSONView.as_view(), name="opendata-membership-json"),
    path("opendata/membership.csv", opendata.OpenDataCSVView.as_view(), name="opendata-membership-csv"),
    re_path(
        r"^subsidy-programmes/(?P<code>[a-z][a-z0-9_]{0,39})/(?P<fiscal_year>[0-9]{4})/$",
        subsidies.ProgrammeViewSet.as_view({"get": "by_code"}),
        name="subsidy-programme-by-code",
    ),
    path("", include(router.urls)),
    # [\s\S], not ".": a path holding a newline (%0A) must reach it too, not Django's HTML 404.
    re_path(r"^(?P<path>[\s\S]*)$", not_found),
]
