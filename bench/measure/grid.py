"""The entry grid: the largest ward's page and its full save (every row entered)."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time

from bench.measure.common import NEW_DATE, clear_day, figure, timed

# ---------------------------------------------------------------------------------------------
# The entry grid: the largest ward's page and its full save (every row entered)
# ---------------------------------------------------------------------------------------------


def measure_grid(size: str) -> None:
    """Ward staff's grid for the ward with the most active associations, on a round opened for
    NEW_DATE: the page (GET), and a save of the whole grid as a browser without JavaScript posts it
    (every field of every row; every row a new count, last survey's figures). Each save starts
    from no counts for NEW_DATE. Server time: Django's test client, in this process."""
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils.http import urlencode

    from bench.generate import sample_ward_sizes
    from chonaikai.accounts.models import RoleAssignment
    from chonaikai.associations import services
    from chonaikai.associations.models import Association, SurveyRound, WardProgress
    from tests.rounds.helpers import form_data
    from wards.models import Ward

    largest = (
        Association.objects.active().values("ward").annotate(n=Count("id")).order_by("-n", "ward").first()
    )
    ward, rows = Ward.objects.get(pk=largest["ward"]), largest["n"]
    # What the figure stands for: seed_demo's largest ward (bench.generate copies its ward sizes).
    sample_code, (sample_total, sample_ended) = max(
        sample_ward_sizes().items(), key=lambda item: (item[1][0] - item[1][1], item[0])
    )
    sample_rows = sample_total - sample_ended
    from django.contrib.auth import get_user_model

    staff, created = get_user_model().objects.get_or_create(username="bench-ward-staff")
    if created:
        RoleAssignment.objects.create(user=staff, role="ward_staff", ward=ward)
    clear_day(NEW_DATE)
    survey_round = SurveyRound.objects.filter(survey_date=NEW_DATE).first()
    opened = survey_round is None
    if opened:
        survey_round = services.round_open(
            actor=None, survey_date=NEW_DATE, deadline=NEW_DATE + dt.timedelta(days=60)
        )
    client = Client()
    client.force_login(staff)
    url = f"/counts/{ward.code}/{NEW_DATE.isoformat()}/"
    try:

        def page():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        page_ms = timed(page, runs=7)
        response = page()
        data = form_data(response)
        previous = re.findall(
            r'id="prev-(\d+)-(households|members)">(?:<span[^>]*>[^<]*</span>)?([\d,]+)<',
            response.content.decode(),
        )
        values = {(aid, kind): value.replace(",", "") for aid, kind, value in previous}
        for name in list(data):
            m = re.fullmatch(r"a(\d+)-(households|member_households)", name)
            if m:
                kind = "households" if m.group(2) == "households" else "members"
                data[name] = values.get((m.group(1), kind), "100" if kind == "households" else "70")
        body = urlencode(data)  # as a browser posts a form (the test client would send multipart)
        times, queries = [], 0
        for run in range(4):
            clear_day(NEW_DATE)
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                saved = client.post(url, body, content_type="application/x-www-form-urlencoded")
                elapsed = (time.perf_counter() - start) * 1000
            assert saved.status_code == 302, (saved.status_code, saved.content[:500])
            if run:  # the first is the warm-up
                times.append(elapsed)
            queries = len(captured)
        save_ms = statistics.median(times)
    finally:
        clear_day(NEW_DATE)
        if opened:
            WardProgress.objects.filter(survey_round=survey_round).delete()
            SurveyRound.objects.filter(pk=survey_round.pk).delete()
    kb = len(response.content) / 1024
    as_sample = f"seed_demo's largest ward {sample_code}: {sample_rows:,} associations"
    figure(
        "grid_page",
        f"entry grid page, largest ward ({ward.code}, {rows:,} associations), server time",
        page_ms,
        "ms",
        300,
        note=f"{as_sample}; page {kb:,.0f} KB",
    )
    figure(
        "grid_save_full",
        f"entry grid, save of the whole grid ({rows:,} rows, {len(data):,} fields, new counts)",
        save_ms,
        "ms",
        500,
        note=f"{queries} queries; posted without JavaScript (with it only changed rows are sent); {as_sample}",
    )
