"""What every section shares: the figures it records, its timer and the Django set-up."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time

NEW_DATE = dt.date(2026, 1, 1)  # after the generated survey dates: imports write it, then it is removed
FIGURES: list[dict] = []


def figure(key, label, value, unit, target=None, *, better="lower", baseline=None, ratio=None, note=""):
    FIGURES.append(
        {
            "key": key,
            "label": label,
            "value": value,
            "unit": unit,
            "target": target,
            "better": better,
            "baseline": baseline,
            "ratio": ratio,
            "note": note,
        }
    )
    shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
    print(f"  {label}: {shown} {unit}" + (f"  ({ratio:.1f}× {baseline})" if ratio else ""), file=sys.stderr)


def timed(fn, *, runs=5, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000  # ms


def setup(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "chonaikai.settings"
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = database_url
    os.environ["ALLOWED_HOSTS"] = "*"
    for scope in ("API_THROTTLE_ANON", "API_THROTTLE_USER"):
        os.environ[scope] = ""  # the benchmark asks more often than a client may
    os.environ.setdefault("CONN_MAX_AGE", "60")
    import django

    django.setup()


def bench_admin():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def clear_day(day=NEW_DATE):
    """Remove what the imports wrote for `day`: counts, history rows, summaries, audit events."""
    from django.db import connection, transaction

    from chonaikai.associations.models import DistrictSummary, FederationSummary, HouseholdCount, WardSummary
    from chonaikai.audit.models import AuditEvent

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (HouseholdCount.history.model, HouseholdCount):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE survey_date = %s", [day])
        for model in (WardSummary, DistrictSummary, FederationSummary):
            model.objects.filter(survey_date=day).delete()
        AuditEvent.objects.filter(action="counts.imported").delete()
