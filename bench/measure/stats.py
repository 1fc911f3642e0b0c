"""Statistics: city, ward, district and federation sums from the summaries against the GROUP BY they replace."""

from __future__ import annotations

import time
from unittest import mock

from bench.measure.common import figure, timed

# ---------------------------------------------------------------------------------------------
# Statistics: city, ward, district and federation from the summaries against the GROUP BY they replace
# ---------------------------------------------------------------------------------------------


def measure_stats(size: str) -> None:
    from django.db import connection

    from chonaikai.associations import selectors
    from chonaikai.associations.stats.services import summaries_rebuild
    from wards.models import Ward

    Level = selectors.Level
    day = selectors.latest_survey_date()
    dates = [day, selectors.previous_survey_date(day)]
    all_dates = selectors.survey_dates()
    runs = 5 if size == "city" else 3
    for level, label in ((Level.WARD, "ward"), (Level.CITY, "city")):
        summary = timed(lambda level=level: selectors._summary_sums(level, dates, None), runs=runs)
        raw = timed(lambda level=level: selectors._count_sums(level, dates, None), runs=runs)
        figure(
            f"stats_{label}_date",
            f"{label} sums, one survey date (+previous), from summaries",
            summary,
            "ms",
            20 if level == Level.WARD else None,
            baseline="faster than GROUP BY over counts",
            ratio=raw / summary,
            note=f"GROUP BY {raw:.0f} ms",
        )
    summary = timed(lambda: selectors._summary_sums(Level.WARD, all_dates, None), runs=runs)
    raw = timed(lambda: selectors._count_sums(Level.WARD, all_dates, None), runs=runs)
    figure(
        "stats_ward_series",
        f"ward series, {len(all_dates)} survey dates, from summaries",
        summary,
        "ms",
        50,
        baseline="faster than GROUP BY over counts",
        ratio=raw / summary,
        note=f"GROUP BY {raw:.0f} ms",
    )
    figure(
        "stats_membership_ward",
        "membership_stats(level=ward) end to end",
        timed(lambda: selectors.membership_stats(survey_date=day, level=Level.WARD), runs=runs),
        "ms",
        50,
    )
    one = Ward.objects.filter(summaries__survey_date=day).order_by("code").first()  # a ward's own page
    for level in (Level.DISTRICT, Level.FEDERATION):
        # City-wide: every group of the city (12,000 districts and federations at nationwide size).
        summary = timed(lambda level=level: selectors._area_figures(level, day, dates[1], None), runs=runs)
        raw = timed(lambda level=level: selectors._count_sums(level, dates, None), runs=runs)
        groups = len(selectors._area_figures(level, day, dates[1], None))
        figure(
            f"stats_{level}_date",
            f"{level} sums, one survey date (+previous), city-wide, {groups:,} groups, from summaries",
            summary,
            "ms",
            50,
            baseline="faster than GROUP BY over counts",
            ratio=raw / summary,
            note=f"GROUP BY {raw:.0f} ms",
        )
        # Kept by the process (stats.kept): the revisions and names read and compared, the rows given
        # again. Made: the first read in a process, or the first after a change of those dates' counts.
        ours = timed(lambda level=level: selectors.membership_stats(survey_date=day, level=level), runs=runs)

        def made(level=level):
            selectors._kept_area_rows.clear()
            return selectors.membership_stats(survey_date=day, level=level)

        afresh = timed(made, runs=runs)

        def on_the_fly(level, survey_date, previous_day, ward):
            pair = [survey_date] + ([previous_day] if previous_day else [])
            sums = selectors._count_sums(level, pair, ward)
            return selectors._stats_from_sums(level, survey_date, previous_day, ward, sums)

        # The same call summing the counts, as every read of these levels did before their summaries.
        with mock.patch.object(selectors, "_area_stats", on_the_fly):
            fly = timed(lambda level=level: selectors.membership_stats(survey_date=day, level=level), runs=3)
        figure(
            f"stats_{level}",
            f"membership_stats(level={level}) city-wide end to end, kept rows checked",
            ours,
            "ms",
            50,
            baseline="faster than on the fly",
            ratio=fly / ours,
            note=f"on the fly (GROUP BY over counts) {fly:.0f} ms",
        )
        figure(
            f"stats_{level}_made",
            f"membership_stats(level={level}) city-wide, made from summaries (first read after a change)",
            afresh,
            "ms",
            baseline="faster than on the fly",
            ratio=fly / afresh,
        )
        figure(
            f"stats_{level}_one_ward",
            f"membership_stats(level={level}, ward={one.code}) end to end, from summaries",
            timed(
                lambda level=level: selectors.membership_stats(survey_date=day, level=level, ward=one),
                runs=runs,
            ),
            "ms",
            50,
        )
    figure(
        "stats_association",
        "membership_stats(level=association), on the fly",
        timed(lambda: selectors.membership_stats(survey_date=day, level=Level.ASSOCIATION), runs=3),
        "ms",
        100 if size == "city" else None,
    )
    if connection.vendor == "postgresql":
        from chonaikai.associations.models import HouseholdCount

        def latest():
            return list(
                HouseholdCount.objects.order_by("association_id", "-survey_date")
                .distinct("association_id")
                .values_list("association_id", "households", "member_households")
            )

        figure(
            "latest_distinct_on", "latest count per association (DISTINCT ON)", timed(latest, runs=3), "ms"
        )
    start = time.perf_counter()
    rows = summaries_rebuild()
    figure(
        "summaries_rebuild",
        f"rebuild_summaries ({rows:,} rows)",
        (time.perf_counter() - start) * 1000,
        "ms",
        note="full rebuild from all counts",
    )
