"""What may be published to anonymous callers: small areas' figures are withheld.

The rule itself is pure functions over the selectors' rows (no queries); `suppress_stats` and
`stats_for` read the previous survey and the wards that the rule needs. An area with fewer
households than the city's threshold (min_households(): the profile's publication.min_households)
has its figures replaced by None and
`suppressed` set, and so does any figure that would let them be worked out again:

- the change and previous rate of a row whose previous survey was suppressed (or is itself
  suppressed now), since rate − change gives the other rate back;
- the city total when the suppressed wards' households add up to less than the threshold, since
  the city minus the published wards would give them back (complementary suppression);
- in one association's history, the change of a count that follows a withheld one.

One rule for every published figure: the API, the open data, the pages and the maps all call it.

Samples are always marked. Every published row carries `sample`: true when any count it sums is
one of a sample association's (`Association.is_sample`, the rows `manage.py seed_demo` writes), so a
ward or city total that includes synthetic counts is flagged as well as the sample associations
themselves (`sample_keys`). While any sample association exists (`sample_data_present`) the open
data names no publisher and no licence of the city's and says that the data are synthetic.
Who sees what: anyone with a role sees every figure (`sees_unpublished`); anonymous callers and
accounts without a role see the published ones. Meeting-hall positions are shown only to roles
whose scope covers the association (`hall_positions_for`, the staff map's hall layer rule).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy

from chonaikai.accounts import policy
from chonaikai.associations import policy as association_policy
from chonaikai.cities.current import city

from ..models import Association, HouseholdCount, WardSummary

# The one wording, wherever a withheld figure would have been.
WITHHELD = gettext_lazy("世帯数が少ないため非公表")

FIGURES = (
    "associations",
    "households",
    "member_households",
    "rate",
    "previous_rate",
    "change",
    "registry_households",
    "registry_rate",
)
CHANGE_FIGURES = ("previous_rate", "change")


def _namespace(row, *, suppressed: bool = False, hide: tuple[str, ...] = ()) -> SimpleNamespace:
    values = row.as_dict()
    values["fiscal_year"] = row.fiscal_year
    values["suppressed"] = suppressed
    values.setdefault("sample", getattr(row, "sample", False))
    for name in FIGURES if suppressed else hide:
        values[name] = None
    return SimpleNamespace(**values)


def as_published(rows) -> list[SimpleNamespace]:
    """Rows as they are, for callers who may see every figure."""
    return [_namespace(row) for row in rows]


def is_small(households: int | None, min_households: int) -> bool:
    return households is not None and households < min_households


def suppress(rows, *, min_households: int, previous_households: dict[str, int] | None = None):
    """Rows with small areas withheld. `previous_households`: code → households at the previous survey."""
    previous_households = previous_households or {}
    result = []
    for row in rows:
        if is_small(row.households, min_households):
            result.append(_namespace(row, suppressed=True))
        elif is_small(previous_households.get(row.code), min_households):
            result.append(_namespace(row, hide=CHANGE_FIGURES))
        else:
            result.append(_namespace(row))
    return result


def city_must_be_suppressed(ward_households: list[int], *, min_households: int) -> bool:
    """Whether publishing the city total beside the wards would reveal the suppressed wards' sum."""
    hidden = sum(h for h in ward_households if is_small(h, min_households))
    return 0 < hidden < min_households


# The published figures of membership_stats: the API, the pages and the open data call these.


def suppress_stats(rows, *, level: str, ward=None, min_households: int) -> list[SimpleNamespace]:
    """`suppress` for selectors.membership_stats rows, with the previous survey's sizes (so that a
    change cannot give a withheld rate back) and, for the city, complementary suppression."""
    from ..selectors import Level, membership_stats

    previous = previous_households(rows, level=level, ward=ward)
    results = suppress(rows, min_households=min_households, previous_households=previous)
    if level == Level.CITY and rows:
        wards = membership_stats(survey_date=rows[0].survey_date, level=Level.WARD)
        if city_must_be_suppressed([w.households for w in wards], min_households=min_households):
            results = suppress(rows, min_households=float("inf"))
    return results


def previous_households(rows, *, level: str, ward=None) -> dict[str, int]:
    """Code → households at the previous survey of `rows` (membership_stats rows of one date): what
    `suppress` needs so that a change cannot give a withheld rate back. One query, none without one."""
    from ..selectors import membership_stats

    previous_day = next((r.previous_survey_date for r in rows if r.previous_survey_date), None)
    if previous_day is None:
        return {}
    return {r.code: r.households for r in membership_stats(survey_date=previous_day, level=level, ward=ward)}


def stats_for(user, rows, *, level: str, ward=None) -> tuple[list[SimpleNamespace], int | None]:
    """membership_stats rows as `user` may see them, each with `sample`, and the threshold applied
    (None: every figure)."""
    minimum = threshold_for(user)
    if minimum is None:
        results = as_published(rows)
    else:
        results = suppress_stats(rows, level=level, ward=ward, min_households=minimum)
    if rows:
        mark_samples(results, sample_keys(level=level, dates=[rows[0].survey_date], ward=ward))
    return results, minimum


def published_series(*, min_households: int) -> list[SimpleNamespace]:
    """The open data: every survey date, oldest first; per date the city (its code sorts first), then
    the wards. Small wards withheld, and the city total where it would give them back; each row
    with `sample`. Five queries whatever the number of dates."""
    from ..selectors import Level, membership_series

    wards: dict = {}
    for row in membership_series(level=Level.WARD):
        wards.setdefault(row.survey_date, []).append(row)
    cities = membership_series(level=Level.CITY)
    result = []
    for city_row in cities:
        ward_rows = sorted(wards.get(city_row.survey_date, []), key=lambda r: r.code)
        hide_city = city_must_be_suppressed([r.households for r in ward_rows], min_households=min_households)
        result.extend(suppress([city_row], min_households=float("inf") if hide_city else min_households))
        result.extend(suppress(ward_rows, min_households=min_households))
    dates = [row.survey_date for row in cities]
    keys = sample_keys(level=Level.CITY, dates=dates) | sample_keys(level=Level.WARD, dates=dates)
    return mark_samples(result, keys)


def series_as_published(rows, *, min_households: int) -> list:
    """A series (one area's surveys, oldest first) as published: the surveys of too few households
    left out."""
    return [row for row in rows if not is_small(row.households, min_households)]


def label_withheld(rows) -> list:
    """Rows for an HTML table, whose filters format numbers: a withheld row says why instead."""
    for row in rows:
        if getattr(row, "suppressed", False):
            row.associations = "—"
            row.households = WITHHELD
            row.member_households = gettext_lazy("非公表")
    return rows


# Samples


def sample_data_present() -> bool:
    """Whether the database holds sample data (seed_demo's associations): the open data then says it
    is synthetic and names no publisher or licence of the city's."""
    return Association.objects.filter(is_sample=True).exists()


# The field of a count that names its group, at the levels summed from the counts.
_SAMPLE_GROUP = {
    "district": "association__district__code",
    "federation": "association__federation__code",
    "association": "association__code",
}


def sample_keys(*, level: str, dates, ward=None) -> set[tuple[str, object]]:
    """(group code, survey date) of the rows at `level` that sum at least one sample association's
    count.

    Without sample data (a city's real database) one cheap query and nothing more. Wards and the
    city, the levels read from the ward summaries because grouping millions of counts is slow: one
    EXISTS per (ward, date) summary, which stops at the first sample count. The other levels are
    summed from the counts anyway, and so is their flag (one grouped query).
    """
    from ..selectors import UNASSIGNED_CODE

    dates = list(dates)
    if not dates or not sample_data_present():
        return set()
    counts = HouseholdCount.objects.filter(association__is_sample=True).order_by()
    if level in ("city", "ward"):
        summaries = WardSummary.objects.filter(survey_date__in=dates).order_by()
        if ward is not None:
            summaries = summaries.filter(ward=ward)
        flagged = summaries.filter(
            Exists(counts.filter(association__ward=OuterRef("ward"), survey_date=OuterRef("survey_date")))
        ).values_list("ward__code", "survey_date")
        if level == "ward":
            return set(flagged)
        return {(city().code, day) for _code, day in flagged}
    counts = counts.filter(survey_date__in=dates)
    if ward is not None:
        counts = counts.filter(association__ward=ward)
    field = _SAMPLE_GROUP[level]
    return {
        (code or UNASSIGNED_CODE, day) for code, day in counts.values_list(field, "survey_date").distinct()
    }


def mark_samples(rows, keys: set) -> list:
    """Set `sample` on published rows (namespaces with code and survey_date) from `sample_keys`."""
    for row in rows:
        row.sample = (row.code, row.survey_date) in keys
    return rows


# Who sees what


def sees_unpublished(user) -> bool:
    """Whether `user` sees figures of areas below the threshold: any role holder (staff, leaders, viewers)."""
    return policy.is_city_admin(user) or policy.role_of(user) is not None


def min_households() -> int:
    """The published threshold: areas of fewer households are withheld (the loaded city's profile)."""
    return city().publication_min_households


def threshold_for(user) -> int | None:
    """The households below which `user` is not shown an area's figures; None if they see them all."""
    return None if sees_unpublished(user) else min_households()


def hall_positions_for(user) -> Callable[[object], bool]:
    """A test `association → bool`: whether `user` may see its meeting-hall position.

    The roles whose scope covers the association (association_policy.associations_on_map_for, the rule of the
    staff map's hall layer); nobody else, so anonymous callers never. One query, on the first call.
    """
    if not getattr(user, "is_authenticated", False):
        return lambda association: False
    covered: set[int] | None = None

    def covers(association) -> bool:
        nonlocal covered
        if covered is None:
            covered = set(association_policy.associations_on_map_for(user).values_list("pk", flat=True))
        return association.pk in covered

    return covers


# One association's counts


def count_is_withheld(households: int | None, *, min_households: int | None) -> bool:
    """Whether a count of `households` is withheld from a caller with this threshold (None: sees all)."""
    return min_households is not None and is_small(households, min_households)


def history_as_published(rows, *, min_households: int | None) -> list[SimpleNamespace]:
    """An association's count history (oldest first) as `min_households` allows: a small count's
    figures withheld, and the change of a count whose previous one was withheld (rate − change would
    give it back). Each row gets `suppressed`."""
    result = []
    previous_withheld = False
    for row in rows:
        withheld = count_is_withheld(row.households, min_households=min_households)
        values = {
            "survey_date": row.survey_date,
            "fiscal_year": row.fiscal_year,
            "households": row.households,
            "member_households": row.member_households,
            "rate": row.rate,
            "change": row.change,
            "suppressed": withheld,
        }
        if withheld:
            values.update(households=None, member_households=None, rate=None, change=None)
        elif previous_withheld:
            values["change"] = None
        result.append(SimpleNamespace(**values))
        previous_withheld = withheld
    return result
