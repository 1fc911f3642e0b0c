"""What may be published to anonymous callers: small areas' figures are withheld.

Pure functions over the selectors' MembershipRow objects (no queries). An area with fewer
households than settings.PUBLIC_SUPPRESSION_MIN_HOUSEHOLDS has its figures replaced by None and
`suppressed` set, and so does any figure that would let them be worked out again:

- the change and previous rate of a row whose previous survey was suppressed (or is itself
  suppressed now), since rate − change gives the other rate back;
- the city total when the suppressed wards' households add up to less than the threshold, since
  the city minus the published wards would give them back (complementary suppression).

One rule for every published figure: the API, the open data and the maps all call it.
"""

from __future__ import annotations

from types import SimpleNamespace

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
