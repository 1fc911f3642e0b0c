"""Every URL of the site and the API, for every role: the status each must answer.

The walk enumerates all URL patterns (except the Django admin and static/media files) and each
must have an entry in MATRIX; a new pattern without one fails with its name. Objects belong to
中央区 (01101): association_a, its leader leader_a, a draft application of it, the 2025-01-01
survey round. ward_staff_kita is staff of another ward (北区), ward_staff_chuo of the object's.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ("anonymous", "viewer", "leader_a", "ward_staff_kita", "ward_staff_chuo", "city_admin")
EXCLUDED_PREFIXES = ("admin/", "static/", "media/")
SURVEY = dt.date(2025, 1, 1)
TASK_ID = "00000000-0000-4000-8000-000000000000"
IMPORT_TOKEN = "A" * 32


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            if p.name:
                key = f"{namespace}:{p.name}" if namespace else p.name
            else:
                key = route
            yield key, route


def all_patterns() -> list[tuple[str, str]]:
    """(key, route) for every pattern outside the admin and static/media: key is the name or route."""
    seen: dict[str, str] = {}
    for key, route in _walk(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES):
            continue
        seen.setdefault(key, route)
    return sorted(seen.items())


def build_context() -> dict:
    """Personas, the objects the URLs name, and each pattern's concrete URL."""
    from chonaikai.accounts import tokens
    from chonaikai.associations import services
    from chonaikai.subsidies.models import DIGITAL, Attachment, Programme
    from tests.conftest import _persona
    from tests.factories import (
        AssociationFactory,
        DistrictFactory,
        FederationFactory,
        HouseholdCountFactory,
        ward,
    )
    from tests.subsidies.helpers import make_application, pdf_file

    chuo, kita = ward("01101"), ward("01102")
    association = AssociationFactory(ward=chuo, name="中央テストA町内会")
    users = {
        "viewer": _persona("viewer", "viewer"),
        "leader_a": _persona("leader_a", "association_leader", association=association),
        "ward_staff_kita": _persona("ward_staff_kita", "ward_staff", ward=kita),
        "ward_staff_chuo": _persona("ward_staff_chuo", "ward_staff", ward=chuo),
        "city_admin": _persona("city_admin", "city_admin"),
    }
    HouseholdCountFactory(association=association, survey_date=dt.date(2024, 1, 1))
    services.round_open(actor=None, survey_date=SURVEY, deadline=dt.date(2025, 2, 28))
    programme = Programme.objects.get(code=DIGITAL, fiscal_year=2026)
    rule = programme.rules.first()
    application = make_application(association, programme=programme)
    attachment = Attachment(
        application=application,
        kind=Attachment.Kind.RECEIPT,
        original_name="r.pdf",
        content_type="application/pdf",
        size=9,
    )
    attachment.file.save("r.pdf", pdf_file(), save=False)
    attachment.save()
    district = DistrictFactory(ward=association.ward, code="01101-D01")
    federation = FederationFactory(ward=association.ward, district=district, code="01101-F001")
    association.district, association.federation = district, federation
    association.save()
    token, _key = tokens.api_token_create(actor=None, user=users["ward_staff_chuo"], name="matrix")
    fill = {
        "code": association.code,
        "ward": "01101",
        "survey": SURVEY.isoformat(),
        "app": application.pk,
        "attachment": attachment.pk,
        "programme": programme.pk,
        "programme_code": programme.code,
        "rule": rule.pk,
        "token": token.pk,
        "task": TASK_ID,
        "district": district.code,
        "federation": federation.code,
        "import_token": IMPORT_TOKEN,
    }
    return {"users": users, "fill": fill, "association": association}


def login_client(ctx, role) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(ctx["users"][role])
    return client


LOGIN = "login"  # a redirect to the login page

# key (URL name, or route when unnamed) → (method, path, expected statuses in ROLES order[, xfail]).
# Roles: anonymous, viewer, leader_a, ward_staff_kita (another ward), ward_staff_chuo (the object's
# ward), city_admin. POST-only endpoints are POSTed with an empty body ({} for the API), DELETE-only
# with DELETE. Optional fourth item: {role: reason} for cells whose present answer is wrong (xfail).
MATRIX = {
    r"api/v1/^(?P<path>[\s\S]*)$": ("get", "/api/v1/no-such-thing/", (404, 404, 404, 404, 404, 404)),
    "api:api-root": ("get", "/api/v1/", (401, 200, 200, 200, 200, 200)),
    "api:association-counts": ("get", "/api/v1/associations/{code}/counts/", (200, 200, 200, 200, 200, 200)),
    "api:association-detail": ("get", "/api/v1/associations/{code}/", (200, 200, 200, 200, 200, 200)),
    "api:association-dissolve": (
        "post",
        "/api/v1/associations/{code}/dissolve/",
        (401, 404, 404, 404, 400, 400),
    ),
    "api:association-list": ("get", "/api/v1/associations/", (200, 200, 200, 200, 200, 200)),
    "api:association-merge": ("post", "/api/v1/associations/merge/", (401, 400, 400, 400, 400, 400)),
    "api:auth-token": ("post", "/api/v1/auth/token/", (400, 400, 400, 400, 400, 400)),
    "api:count-list": ("get", "/api/v1/counts/", (200, 200, 200, 200, 200, 200)),
    "api:counts-import": ("post", "/api/v1/counts/import/", (401, 403, 403, 415, 415, 415)),
    "api:counts-import-progress": ("get", "/api/v1/counts/import/{task}/", (401, 403, 403, 404, 404, 404)),
    "api:district-detail": ("get", "/api/v1/districts/{district}/", (200, 200, 200, 200, 200, 200)),
    "api:district-list": ("get", "/api/v1/districts/", (200, 200, 200, 200, 200, 200)),
    "api:docs": ("get", "/api/v1/docs/", (200, 200, 200, 200, 200, 200)),
    "api:federation-detail": ("get", "/api/v1/federations/{federation}/", (200, 200, 200, 200, 200, 200)),
    "api:federation-list": ("get", "/api/v1/federations/", (200, 200, 200, 200, 200, 200)),
    "api:opendata-membership-csv": ("get", "/api/v1/opendata/membership.csv", (200, 200, 200, 200, 200, 200)),
    "api:opendata-membership-json": (
        "get",
        "/api/v1/opendata/membership.json",
        (200, 200, 200, 200, 200, 200),
    ),
    "api:redoc": ("get", "/api/v1/redoc/", (200, 200, 200, 200, 200, 200)),
    "api:round-detail": ("get", "/api/v1/rounds/{survey}/", (401, 403, 403, 200, 200, 200)),
    "api:round-list": ("get", "/api/v1/rounds/", (401, 403, 403, 200, 200, 200)),
    "api:schema": ("get", "/api/v1/schema/", (200, 200, 200, 200, 200, 200)),
    "api:stats-city-summary": ("get", "/api/v1/stats/city-summary.xlsx", (401, 200, 200, 200, 200, 200)),
    "api:stats-membership": ("get", "/api/v1/stats/membership/", (200, 200, 200, 200, 200, 200)),
    "api:stats-membership-csv": ("get", "/api/v1/stats/membership.csv", (200, 200, 200, 200, 200, 200)),
    "api:stats-membership-xlsx": ("get", "/api/v1/stats/membership.xlsx", (200, 200, 200, 200, 200, 200)),
    "api:stats-target": ("get", "/api/v1/stats/target/", (200, 200, 200, 200, 200, 200)),
    "api:subsidy-application-approve": (
        "post",
        "/api/v1/subsidy-applications/{app}/approve/",
        (401, 404, 403, 404, 403, 409),
    ),
    "api:subsidy-application-attachments": (
        "post",
        "/api/v1/subsidy-applications/{app}/attachments/",
        (401, 404, 415, 404, 403, 415),  # a JSON body to a multipart upload: 415 once allowed to act
    ),
    "api:subsidy-application-confirm": (
        "post",
        "/api/v1/subsidy-applications/{app}/confirm/",
        (401, 404, 403, 404, 403, 409),
    ),
    "api:subsidy-application-detail": (
        "get",
        "/api/v1/subsidy-applications/{app}/",
        (401, 404, 200, 404, 200, 200),
    ),
    "api:subsidy-application-forward": (
        "post",
        "/api/v1/subsidy-applications/{app}/forward/",
        (401, 404, 403, 404, 409, 409),
    ),
    "api:subsidy-application-list": (
        "get",
        "/api/v1/subsidy-applications/",
        (401, 200, 200, 200, 200, 200),  # a viewer's list is empty: scoped by policy, like every list
    ),
    "api:subsidy-application-pay": (
        "post",
        "/api/v1/subsidy-applications/{app}/pay/",
        (401, 404, 403, 404, 403, 400),
    ),
    "api:subsidy-application-reject": (
        "post",
        "/api/v1/subsidy-applications/{app}/reject/",
        (401, 404, 403, 404, 403, 400),
    ),
    "api:subsidy-application-report-completion": (
        "post",
        "/api/v1/subsidy-applications/{app}/report-completion/",
        (401, 404, 400, 404, 403, 400),
    ),
    "api:subsidy-application-return": (
        "post",
        "/api/v1/subsidy-applications/{app}/return/",
        (401, 404, 403, 404, 400, 400),
    ),
    "api:subsidy-application-return-completion": (
        "post",
        "/api/v1/subsidy-applications/{app}/return-completion/",
        (401, 404, 403, 404, 400, 400),
    ),
    "api:subsidy-application-send-back": (
        "post",
        "/api/v1/subsidy-applications/{app}/send-back/",
        (401, 404, 403, 404, 403, 400),
    ),
    "api:subsidy-application-start-review": (
        "post",
        "/api/v1/subsidy-applications/{app}/start-review/",
        (401, 404, 403, 404, 409, 409),
    ),
    "api:subsidy-application-submit": (
        "post",
        "/api/v1/subsidy-applications/{app}/submit/",
        (401, 404, 200, 404, 403, 200),
    ),
    "api:subsidy-application-verify": (
        "post",
        "/api/v1/subsidy-applications/{app}/verify/",
        (401, 404, 403, 404, 400, 400),
    ),
    "api:subsidy-application-withdraw": (
        "post",
        "/api/v1/subsidy-applications/{app}/withdraw/",
        (401, 404, 200, 404, 403, 200),
    ),
    "api:subsidy-programme-by-code": (
        "get",
        "/api/v1/subsidy-programmes/{programme_code}/2026/",
        (401, 200, 200, 200, 200, 200),
    ),
    "api:subsidy-programme-detail": (
        "get",
        "/api/v1/subsidy-programmes/{programme}/",
        (401, 200, 200, 200, 200, 200),
    ),
    "api:subsidy-programme-list": ("get", "/api/v1/subsidy-programmes/", (401, 200, 200, 200, 200, 200)),
    "api:survey-dates": ("get", "/api/v1/survey-dates/", (200, 200, 200, 200, 200, 200)),
    "api:token-detail": ("delete", "/api/v1/auth/tokens/{token}/", (401, 404, 404, 404, 204, 204)),
    "api:token-list": ("get", "/api/v1/auth/tokens/", (401, 200, 200, 200, 200, 200)),
    "api:token-revoke-all": ("post", "/api/v1/auth/tokens/revoke-all/", (401, 200, 200, 200, 200, 200)),
    "api:ward-boundaries": ("get", "/api/v1/wards.geojson", (200, 200, 200, 200, 200, 200)),
    "api:ward-counts-grid": ("get", "/api/v1/wards/{ward}/counts/{survey}/", (401, 403, 403, 404, 200, 200)),
    "api:ward-detail": ("get", "/api/v1/wards/{ward}/", (200, 200, 200, 200, 200, 200)),
    "api:ward-entry-sheet": ("get", "/api/v1/wards/{ward}/entry-sheet.xlsx", (401, 404, 404, 404, 200, 200)),
    "api:ward-list": ("get", "/api/v1/wards/", (200, 200, 200, 200, 200, 200)),
    "api:ward-progress-action": (
        "post",
        "/api/v1/rounds/{survey}/wards/{ward}/submit/",
        (401, 403, 403, 404, 409, 409),
    ),
    "associations:count_entry": ("get", "/counts/{ward}/{survey}/", (LOGIN, 404, 404, 404, 200, 200)),
    "associations:count_progress_action": (
        "post",
        "/counts/rounds/{survey}/{ward}/submit/",
        (LOGIN, 404, 404, 404, 302, 302),
    ),
    "associations:count_review": (
        "get",
        "/counts/rounds/{survey}/{ward}/review/",
        (LOGIN, 404, 404, 404, 404, 200),
    ),
    "associations:count_round": ("get", "/counts/rounds/{survey}/", (LOGIN, 404, 404, 200, 200, 200)),
    "associations:count_submission": (
        "get",
        "/counts/rounds/{survey}/{ward}/submission/",
        (LOGIN, 404, 404, 404, 200, 200),
    ),
    "associations:count_round_open": ("post", "/counts/rounds/open/", (LOGIN, 404, 404, 404, 404, 400)),
    "associations:count_rounds": ("get", "/counts/", (LOGIN, 404, 404, 200, 200, 200)),
    "associations:count_help": ("get", "/counts/help/", (LOGIN, 404, 404, 200, 200, 200)),
    "associations:create": ("get", "/registry/{ward}/new/", (LOGIN, 404, 404, 404, 200, 200)),
    "associations:dashboard": ("get", "/", (200, 200, 200, 200, 200, 200)),
    "associations:detail": ("get", "/associations/{code}/", (200, 200, 200, 200, 200, 200)),
    "associations:dissolve": ("get", "/associations/{code}/dissolve/", (LOGIN, 404, 404, 404, 200, 200)),
    "associations:edit": ("get", "/associations/{code}/edit/", (LOGIN, 404, 404, 404, 200, 200)),
    "associations:export": ("get", "/export/", (LOGIN, 200, 200, 200, 200, 200)),
    "associations:export_city": (
        "get",
        "/export/city/?survey_date=2024-01-01",
        (LOGIN, 200, 200, 200, 200, 200),
    ),
    "associations:export_ward_template": (
        "get",
        "/export/template/?ward={ward}&survey_date=2024-01-01",
        (LOGIN, 404, 404, 404, 200, 200),
    ),
    "associations:import": ("get", "/import/", (LOGIN, 404, 404, 200, 200, 200)),
    "associations:import_preview": ("get", "/import/{import_token}/", (LOGIN, 404, 404, 404, 404, 404)),
    "associations:import_progress": (
        "get",
        "/import/{import_token}/progress/",
        (LOGIN, 404, 404, 404, 404, 404),
    ),
    "associations:import_result": ("get", "/import/{import_token}/result/", (LOGIN, 404, 404, 404, 404, 404)),
    "associations:list": ("get", "/associations/", (200, 200, 200, 200, 200, 200)),
    "associations:merge": ("get", "/registry/{ward}/merge/", (LOGIN, 404, 404, 404, 200, 200)),
    "associations:registry": ("get", "/registry/", (LOGIN, 404, 404, 200, 200, 200)),
    "login": ("get", "/accounts/login/", (200, 200, 200, 200, 200, 200)),
    "logout": ("post", "/accounts/logout/", (302, 302, 302, 302, 302, 302)),
    "start": ("get", "/start/", (LOGIN, 200, 200, 200, 200, 200)),
    "maps:hall_layer": (
        "get",
        "/maps/halls.json?zoom=12&bbox=42.9,141.2,43.2,141.5",
        (200, 200, 200, 200, 200, 200),
    ),
    "maps:target": ("get", "/maps/target/", (200, 200, 200, 200, 200, 200)),
    "maps:ward_map": ("get", "/maps/", (200, 200, 200, 200, 200, 200)),
    "maps:ward_map_html": ("get", "/maps/export.html", (404, 404, 404, 404, 404, 404)),
    "maps:ward_map_png": ("get", "/maps/export.png", (404, 404, 404, 404, 404, 404)),
    "maps:ward_map_series": ("get", "/maps/series/", (200, 200, 200, 200, 200, 200)),
    "maps:ward_map_series_csv": ("get", "/maps/series.csv", (200, 200, 200, 200, 200, 200)),
    "password_change": ("get", "/accounts/password_change/", (LOGIN, 200, 200, 200, 200, 200)),
    "password_change_done": ("get", "/accounts/password_change/done/", (LOGIN, 200, 200, 200, 200, 200)),
    "password_reset": ("get", "/accounts/password_reset/", (200, 200, 200, 200, 200, 200)),
    "password_reset_complete": ("get", "/accounts/reset/done/", (200, 200, 200, 200, 200, 200)),
    "password_reset_confirm": ("get", "/accounts/reset/MQ/invalid-token/", (200, 200, 200, 200, 200, 200)),
    "password_reset_done": ("get", "/accounts/password_reset/done/", (200, 200, 200, 200, 200, 200)),
    "plan:export_xlsx": ("get", "/plan/indicators.xlsx", (200, 200, 200, 200, 200, 200)),
    "plan:progress": ("get", "/plan/", (200, 200, 200, 200, 200, 200)),
    "plan:record": ("get", "/plan/record/", (LOGIN, 403, 403, 403, 403, 200)),
    "set_language": ("get", "/i18n/setlang/", (302, 302, 302, 302, 302, 302)),
    "subsidies:accounting": ("get", "/subsidies/exports/accounting.xlsx", (LOGIN, 404, 404, 404, 404, 200)),
    "subsidies:action": (
        "post",
        "/subsidies/applications/{app}/actions/submit/",
        (LOGIN, 404, 404, 404, 404, 404),
    ),
    "subsidies:attachment": ("get", "/subsidies/attachments/{attachment}/", (LOGIN, 404, 200, 404, 200, 200)),
    "subsidies:attachment_delete": (
        "post",
        "/subsidies/attachments/{attachment}/delete/",
        (LOGIN, 404, 302, 404, 302, 302),
    ),
    "subsidies:breakdown": (
        "post",
        "/subsidies/applications/{app}/breakdown/",
        (LOGIN, 404, 400, 404, 404, 400),
    ),
    "subsidies:confirm": ("get", "/subsidies/applications/{app}/confirm/", (LOGIN, 404, 200, 404, 302, 200)),
    "subsidies:detail": ("get", "/subsidies/applications/{app}/", (LOGIN, 404, 200, 404, 200, 200)),
    "subsidies:edit_attachments": (
        "get",
        "/subsidies/applications/{app}/edit/attachments/",
        (LOGIN, 404, 200, 404, 302, 200),
    ),
    "subsidies:edit_lines": (
        "get",
        "/subsidies/applications/{app}/edit/lines/",
        (LOGIN, 404, 200, 404, 302, 200),
    ),
    "subsidies:edit_programme": (
        "get",
        "/subsidies/applications/{app}/edit/",
        (LOGIN, 404, 200, 404, 302, 200),
    ),
    "subsidies:edit_purpose": (
        "get",
        "/subsidies/applications/{app}/edit/purpose/",
        (LOGIN, 404, 200, 404, 302, 200),
    ),
    "subsidies:exports": ("get", "/subsidies/exports/", (LOGIN, 404, 404, 404, 404, 200)),
    "subsidies:grant_compute": (
        "post",
        "/subsidies/programmes/{programme}/compute/",
        (LOGIN, 403, 403, 403, 403, 400),
    ),
    # The matrix's application is a draft: the claim page sends those who may see it back to it,
    # and no notice exists yet (the documents' visibility is tested in tests/subsidy_pages/test_paperwork.py).
    "subsidies:claim": ("get", "/subsidies/applications/{app}/claim/", (LOGIN, 404, 302, 404, 302, 302)),
    "subsidies:document": (
        "get",
        "/subsidies/applications/{app}/documents/decision/",
        (LOGIN, 404, 404, 404, 404, 404),
    ),
    "subsidies:guide": ("get", "/subsidies/programmes/{programme}/guide/", (LOGIN, 200, 200, 200, 200, 200)),
    # The matrix's application is a digital one, which has no hall: 404 for everyone who may see it
    # (the hall check itself is tested in tests/subsidy_pages/test_programme_guide.py).
    "subsidies:hall_confirm": (
        "post",
        "/subsidies/applications/{app}/hall/confirm/",
        (LOGIN, 404, 404, 404, 404, 404),
    ),
    "subsidies:home": ("get", "/subsidies/", (LOGIN, 302, 200, 302, 302, 302)),
    "subsidies:new": ("get", "/subsidies/new/", (LOGIN, 404, 200, 302, 302, 302)),
    "subsidies:paper_new": ("get", "/subsidies/paper/new/", (LOGIN, 404, 404, 200, 200, 200)),
    "subsidies:payment_list": (
        "get",
        "/subsidies/programmes/{programme}/payments.xlsx",
        (LOGIN, 404, 404, 404, 404, 302),
    ),
    "subsidies:print": ("get", "/subsidies/applications/{app}/print/", (LOGIN, 404, 200, 404, 200, 200)),
    "subsidies:programme": ("get", "/subsidies/programmes/{programme}/", (LOGIN, 200, 200, 200, 200, 200)),
    "subsidies:programmes": ("get", "/subsidies/programmes/", (LOGIN, 200, 200, 200, 200, 200)),
    "subsidies:queue": ("get", "/subsidies/applications/", (LOGIN, 404, 404, 200, 200, 200)),
    "subsidies:report": ("get", "/subsidies/applications/{app}/report/", (LOGIN, 404, 302, 404, 302, 302)),
    "subsidies:rule_confirm": (
        "post",
        "/subsidies/programmes/{programme}/rules/{rule}/confirm/",
        (LOGIN, 403, 403, 403, 403, 400),
    ),
    "subsidies:verify": ("post", "/subsidies/applications/{app}/verify/", (LOGIN, 404, 403, 404, 400, 400)),
    "subsidies:withdraw": (
        "get",
        "/subsidies/applications/{app}/withdraw/",
        (LOGIN, 404, 200, 404, 302, 200),
    ),
    "wards:detail": ("get", "/wards/{ward}/", (200, 200, 200, 200, 200, 200)),
    "wards:list": ("get", "/wards/", (200, 200, 200, 200, 200, 200)),
}


def _cases():
    for key, (method, path, expected, *rest) in MATRIX.items():
        xfails = rest[0] if rest else {}
        for role, status in zip(ROLES, expected, strict=True):
            yield pytest.param(key, method, path, role, status, xfails.get(role), id=f"{key}|{role}")


@pytest.fixture(scope="module")
def matrix_ctx(django_db_setup, django_db_blocker):
    """The objects once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_context()
        transaction.set_rollback(True)


@pytest.fixture
def no_throttling(settings):
    rates = {"anon": None, "user": None, "login": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    cache.clear()
    yield
    cache.clear()


def test_every_url_pattern_has_a_matrix_entry():
    missing = [f"{key}  ({route})" for key, route in all_patterns() if key not in MATRIX]
    assert not missing, (
        "URL patterns without an entry in MATRIX (tests/security/test_authorization_matrix.py): "
        + ", ".join(missing)
    )
    stale = sorted(set(MATRIX) - {key for key, _route in all_patterns()})
    assert not stale, f"MATRIX entries for URL patterns that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("key, method, path, role, expected, xfail_reason", list(_cases()))
def test_authorization_matrix(matrix_ctx, no_throttling, key, method, path, role, expected, xfail_reason):
    url = path.format(**matrix_ctx["fill"])
    client = login_client(matrix_ctx, role)
    kwargs = (
        {"data": "{}", "content_type": "application/json"}
        if method != "get" and url.startswith("/api/")
        else {}
    )
    response = getattr(client, method)(url, **kwargs)
    actual = response.status_code
    if expected == LOGIN:
        ok = actual == 302 and response["Location"].startswith("/accounts/login/")
    else:
        ok = actual == expected
    if not ok and xfail_reason:
        pytest.xfail(f"{method.upper()} {url} as {role}: {actual}, expected {expected}: {xfail_reason}")
    assert ok, f"{method.upper()} {url} as {role}: got {actual}, expected {expected} ({key})"
