"""What a ward map shows: the metrics, each ward's figures, the fair share of the gap, class breaks.

Pure Python over the selectors' rows (no geopandas, folium or mapclassify), so the map page can
build its table without loading the map libraries. The class breaks are explicit "nice" steps
(60 以上 65 未満 …) rather than mapclassify's Fisher–Jenks: with 10 values, round limits read
better in a public legend, and importing mapclassify (scikit-learn, SciPy, pyplot) costs ~1.4 s
and ~100 MB per process for the sake of classifying ten numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chonaikai.associations import rules
from chonaikai.associations.stats import publication
from chonaikai.calendar import japanese_date

NO_DATA_COLOUR = "#d4d4d4"  # grey, never black: folium's default for missing data is black
OUTLINE_COLOUR = "#555555"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    label_en: str  # for the PNG when no Japanese font is installed
    unit: str
    palette: tuple[str, ...]  # light → dark; a diverging palette runs decline → increase
    diverging: bool = False
    integer: bool = False


# ColorBrewer 6-class sequential palettes and the 7-class RdBu (red = decline, blue = increase).
METRICS = {
    m.key: m
    for m in (
        Metric(
            "rate",
            _("加入率（%）"),
            "Membership rate (%)",
            "%",
            ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"),
        ),
        Metric(
            "change",
            _("前回調査からの加入率の増減（ポイント）"),
            "Change since the previous survey (points)",
            _("ポイント"),
            ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"),
            diverging=True,
        ),
        Metric(
            "members",
            _("加入世帯数（世帯）"),
            "Member households",
            _("世帯"),
            ("#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"),
            integer=True,
        ),
        Metric(
            "gap",
            _("目標までの不足分の割当（世帯）"),
            "Share of the gap to the target (households)",
            _("世帯"),
            ("#feedde", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"),
            integer=True,
        ),
    )
}
DEFAULT_METRIC = "rate"
# What a metric divides by, for the legends of maps that leave the page (the PNG): the rates and
# their change are per 区域内世帯数 (rules.Denominator.AREA); the counts divide by nothing.
DENOMINATORS = {"rate": _("区域内世帯数"), "change": _("区域内世帯数")}


@dataclass(frozen=True)
class WardFigures:
    """One area's figures on a survey date (a ward, a district or an association); every figure is
    None where the area has no data or is withheld (`suppressed`)."""

    code: str
    name: str
    romaji: str
    households: int | None = None
    member_households: int | None = None
    rate: Decimal | None = None
    change: Decimal | None = None
    gap_share: int | None = None
    suppressed: bool = False  # fewer households than the publication threshold: shown as no data
    sample: bool = False  # sums a sample association's count: synthetic (publication.sample_keys)

    @property
    def has_data(self) -> bool:
        return self.households is not None and not self.suppressed

    def value(self, metric: str) -> Decimal | int | None:
        if not self.has_data:
            return None
        return {
            "rate": self.rate,
            "change": self.change,
            "members": self.member_households,
            "gap": self.gap_share,
        }[metric]


def fair_share_of_gap(rows, progress: rules.TargetProgress | None) -> dict[str, int]:
    """Each ward's fair share of the member households still needed to reach the plan target.

    The remaining gap (target − current member households) is divided among the wards in
    proportion to their households (区域内世帯数): share = gap × ward households ÷ all households.
    Shares are whole households; the rounding remainder goes to the wards with the largest
    fractions (largest-remainder method), so the shares add up to the gap exactly. Once the
    target is reached (gap ≤ 0) every share is 0. Without a target there are no shares.
    """
    if progress is None:
        return {}
    rows = [r for r in rows if r.households]
    if progress.gap <= 0 or not rows:
        return {r.code: 0 for r in rows}
    total = sum(r.households for r in rows)
    exact = {r.code: Decimal(progress.gap) * r.households / total for r in rows}
    shares = {code: int(value) for code, value in exact.items()}
    remainder = progress.gap - sum(shares.values())
    by_fraction = sorted(exact, key=lambda code: (-(exact[code] - shares[code]), code))
    for code in by_fraction[:remainder]:
        shares[code] += 1
    return shares


def progress_on(*, rows, dashboard) -> rules.TargetProgress | None:
    """The dashboard's progress toward the target, re-based on the survey date the rows belong to.

    The dashboard measures the latest survey; a map of an earlier survey shows the gap as it
    stood then (the plan's baseline and target, and that survey's member households).
    """
    if dashboard.baseline is None or dashboard.target is None or not rows:
        return None
    if (
        dashboard.progress is not None
        and dashboard.city
        and dashboard.city.survey_date == rows[0].survey_date
    ):
        return dashboard.progress
    return rules.target_progress(
        baseline=int(dashboard.baseline.value),
        target=int(dashboard.target.value),
        current=sum(r.member_households for r in rows),
    )


def ward_figures(
    *,
    wards,
    rows,
    progress,
    min_households: int,
    previous_households: dict[str, int] | None = None,
    sample_codes: frozenset[str] = frozenset(),
) -> list[WardFigures]:
    """Figures for every area (code, name, romaji: wards, districts or associations), with or without
    counts on the survey date.

    Small areas are withheld by chonaikai.associations.stats.publication.suppress, the rule the API and open data apply: an
    area of fewer than `min_households` households gets no figures, and an area whose previous
    survey (`previous_households`: code → households) was that small gets no change. The gap shares
    are computed over every row, withheld or not, so that they still add up to the gap. Areas in
    `sample_codes` (their figures sum sample counts) are flagged `sample`.
    """
    published = {
        r.code: r
        for r in publication.suppress(
            rows, min_households=min_households, previous_households=previous_households
        )
    }
    shares = fair_share_of_gap(rows, progress)
    figures = []
    for code, name, romaji in wards:
        row = published.get(code)
        if row is None:
            figures.append(WardFigures(code=code, name=name, romaji=romaji))
        elif row.suppressed:
            figures.append(
                WardFigures(code=code, name=name, romaji=romaji, suppressed=True, sample=code in sample_codes)
            )
        else:
            figures.append(
                WardFigures(
                    code=code,
                    name=name,
                    romaji=romaji,
                    households=row.households,
                    member_households=row.member_households,
                    rate=row.rate,
                    change=row.change,
                    gap_share=shares.get(code),
                    sample=code in sample_codes,
                )
            )
    return figures


def figures_digest(figures: list[WardFigures]) -> str:
    """A short fingerprint of the figures a map draws, part of its cache key.

    Signals invalidate cached maps when counts are saved one by one; bulk writes (bulk_create,
    QuerySet.update) send no signals, and the fingerprint catches those.
    """
    # The fields' values as they are (dataclasses.astuple deep-copies every value: 30× slower).
    text = repr([tuple(vars(f).values()) for f in figures])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# Class breaks and colours
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str


@dataclass(frozen=True)
class Classes:
    colours: dict[str, str]  # ward code → fill colour
    legend: list[LegendEntry]


_NICE_MANTISSAS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))


def nice_step(raw: Decimal, *, integer: bool) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ that is ≥ raw (whole numbers only for counts)."""
    exponent = raw.adjusted() if raw > 0 else 0
    for power in range(exponent - 1, exponent + 2):
        for mantissa in _NICE_MANTISSAS:
            step = mantissa.scaleb(power)
            if step >= raw and (not integer or (step >= 1 and step == step.to_integral_value())):
                return step
    return Decimal(10).scaleb(exponent + 1)


def classify(figures: list[WardFigures], metric: str, *, classes: int = 5) -> Classes:
    """Fill colours and legend for `metric`: about `classes` equal steps of a nice width.

    Sequential metrics start at a multiple of the step at or below the smallest value. The
    change is classed symmetrically around zero (three steps each side and 0 itself), so that
    red always means a decline and blue an increase.
    """
    values = {f.code: Decimal(f.value(metric)) for f in figures if f.value(metric) is not None}
    colours, legend = classify_values(values, metric, classes=classes)
    if len(values) < len(figures):
        legend.append(LegendEntry(NO_DATA_COLOUR, gettext("データなし・非公表")))
    return Classes(colours={f.code: colours.get(f.code, NO_DATA_COLOUR) for f in figures}, legend=legend)


def classify_series(
    figures_by_date: dict[dt.date, list[WardFigures]], metric: str, *, classes: int = 5
) -> tuple[dict[tuple[dt.date, str], str], list[LegendEntry]]:
    """One set of class breaks for every survey date, so that a colour means the same on each map.

    The breaks are computed over the values of all the dates together: (date, ward code) → colour.
    """
    values = {
        (day, f.code): Decimal(f.value(metric))
        for day, figures in figures_by_date.items()
        for f in figures
        if f.value(metric) is not None
    }
    colours, legend = classify_values(values, metric, classes=classes)
    every = {(day, f.code) for day, figures in figures_by_date.items() for f in figures}
    if len(values) < len(every):
        legend.append(LegendEntry(NO_DATA_COLOUR, gettext("データなし・非公表")))
    return {key: colours.get(key, NO_DATA_COLOUR) for key in every}, legend


@dataclass(frozen=True)
class Band:
    low: Decimal  # inclusive
    high: Decimal  # inclusive (the largest value of the class, at the metric's precision)
    colour: str
    label: str


def class_bands(values, metric: str | Metric, *, classes: int = 5) -> list[Band]:
    """The classes `values` (an iterable of Decimals) fall into, lowest first; [] without values."""
    spec = metric if isinstance(metric, Metric) else METRICS[metric]
    values = {i: v for i, v in enumerate(values)}
    if not values:
        return []
    limits = _diverging_limits(values, spec) if spec.diverging else _sequential_limits(values, spec, classes)
    palette = spec.palette if spec.diverging else _spread(spec.palette, len(limits))
    return [
        Band(low=low, high=high, colour=colour, label=label)
        for (low, high, label), colour in zip(limits, palette, strict=True)
    ]


def band_colour(value: Decimal | None, bands: list[Band]) -> str:
    """The colour of the first band containing `value`; the nearest end band for a value outside them."""
    if value is None or not bands:
        return NO_DATA_COLOUR
    for band in bands:
        if band.low <= value <= band.high:
            return band.colour
    return bands[0].colour if value < bands[0].low else bands[-1].colour


@dataclass(frozen=True)
class SeriesCell:
    code: str
    name: str
    colour: str
    text: str  # the value as the legend formats it; 非公表 or — where there is none


@dataclass(frozen=True)
class SeriesMaps:
    """The time view: one map per survey date (oldest first) with one legend for all of them."""

    dates: list[dt.date]
    maps: list[list[SeriesCell]]  # per date, every ward in code order
    legend: list[LegendEntry]

    @property
    def by_date(self) -> list[tuple[dt.date, list[SeriesCell]]]:
        return list(zip(self.dates, self.maps, strict=True))

    @property
    def rows(self) -> list[tuple[str, list[SeriesCell]]]:
        """The same figures as a table: one row per ward, one cell per date."""
        if not self.maps:
            return []
        return [(cell.name, [m[i] for m in self.maps]) for i, cell in enumerate(self.maps[0])]


def series_maps(figures_by_date: dict[dt.date, list[WardFigures]], metric: str) -> SeriesMaps:
    colours, legend = classify_series(figures_by_date, metric)
    spec = METRICS[metric]
    maps = [
        [
            SeriesCell(
                code=f.code,
                name=f.name,
                colour=colours[(day, f.code)],
                text=gettext("非公表") if f.suppressed else format_value(f.value(metric), spec),
            )
            for f in figures
        ]
        for day, figures in figures_by_date.items()
    ]
    return SeriesMaps(dates=list(figures_by_date), maps=maps, legend=legend)


def series_table(figures_by_date: dict[dt.date, list[WardFigures]], metric: str) -> list[list]:
    """The time view's figures as rows for a file: survey date, code, name, the value as a plain
    number (empty where withheld or missing), unit, withheld (1/0), sample (1/0); oldest date first."""
    spec = METRICS[metric]
    return [
        [
            day.isoformat(),
            f.code,
            f.name,
            "" if f.value(metric) is None else f.value(metric),
            str(spec.unit),
            int(f.suppressed),
            int(f.sample),
        ]
        for day, figures in sorted(figures_by_date.items())
        for f in figures
    ]


def classify_values(values: dict, metric: str, *, classes: int = 5) -> tuple[dict, list[LegendEntry]]:
    """key → colour for the keys that have a value, and the legend (without a "no data" entry)."""
    bands = class_bands(values.values(), metric, classes=classes)
    colours = {key: band_colour(value, bands) for key, value in values.items()}
    return colours, [LegendEntry(b.colour, b.label) for b in bands]


def _sequential_limits(values: dict, spec: Metric, classes: int):
    lo, hi = min(values.values()), max(values.values())
    if lo == hi:
        return [(lo, hi, format_value(lo, spec, unit=False))]
    step = nice_step((hi - lo) / classes, integer=spec.integer)
    start = (lo / step).to_integral_value(ROUND_FLOOR) * step
    # start > lo − step and step ≥ (hi − lo) / classes, so there are at most classes + 1 classes.
    count = int(((hi - start) / step).to_integral_value(ROUND_CEILING)) or 1
    limits = []
    for i in range(count):
        low, high = start + i * step, start + (i + 1) * step
        last = i == count - 1
        # [low, high) except the last class, which includes its upper limit.
        upper = high if last else high - _epsilon(spec)
        label = gettext("%(low)s 以上 %(high)s %(end)s") % {
            "low": format_limit(low, spec, unit=False),
            "high": format_limit(high, spec, unit=False),
            "end": gettext("以下") if last else gettext("未満"),
        }
        limits.append((low, upper, label))
    return limits


def _diverging_limits(values: dict, spec: Metric):
    largest = max(abs(v) for v in values.values())
    step = nice_step(largest / 3, integer=False) if largest else Decimal(1)
    e = _epsilon(spec)
    bands = [
        (-3 * step, -2 * step - e, -3 * step, -2 * step),
        (-2 * step, -step - e, -2 * step, -step),
        (-step, -e, -step, Decimal(0)),
    ]
    limits = [
        (
            low,
            high,
            gettext("%(low)s 以上 %(high)s 未満") % {"low": _signed(a, spec), "high": _signed(b, spec)},
        )
        for low, high, a, b in bands
    ]
    limits.append((Decimal(0), Decimal(0), gettext("変化なし（±0）")))
    for i in range(3):
        low, high = i * step, (i + 1) * step
        label = gettext("%(low)s 超 %(high)s 以下") % {"low": _signed(low, spec), "high": _signed(high, spec)}
        limits.append((low + e, high, label))
    # The outermost classes take anything beyond ±3 steps (never happens: 3 steps ≥ the largest change).
    limits[0] = (Decimal("-Infinity"), limits[0][1], limits[0][2])
    limits[-1] = (limits[-1][0], Decimal("Infinity"), limits[-1][2])
    return limits


def _epsilon(spec: Metric) -> Decimal:
    # Rates and changes have two decimals, counts none: the largest value below a limit.
    return Decimal(1) if spec.integer else Decimal("0.01")


def _spread(palette: tuple[str, ...], n: int) -> tuple[str, ...]:
    """n (≤ len(palette)) colours spread over the palette, keeping its lightest and darkest ends."""
    if n == 1:
        return (palette[len(palette) // 2],)
    return tuple(palette[round(i * (len(palette) - 1) / (n - 1))] for i in range(n))


def format_value(value: Decimal | int | None, spec: Metric, *, unit: bool = True) -> str:
    """A figure as the legend, tooltips and table show it: 65.25%, 12,345世帯, +0.50ポイント."""
    if value is None:
        return "—"
    suffix = str(spec.unit) if unit else ""
    if spec.integer:
        return f"{int(value):,}{suffix}"
    if spec.key == "change":
        return _signed(Decimal(value), spec, unit=unit, trim=False)
    return f"{Decimal(value):.2f}{suffix}"


def format_limit(value: Decimal, spec: Metric, *, unit: bool = True) -> str:
    """A class limit in a legend: trailing zeros dropped (65, 2.5, 0.25), counts with commas."""
    if spec.integer:
        return format_value(value, spec, unit=unit)
    return _trim(value) + (str(spec.unit) if unit else "")


def _signed(value: Decimal, spec: Metric, *, unit: bool = False, trim: bool = True) -> str:
    """Always signed, as the tables show changes: +0.50, -1.25, ±0."""
    sign = "+" if value > 0 else ("-" if value < 0 else "±")
    number = _trim(abs(value)) if trim else f"{abs(value):.2f}"
    return f"{sign}{number}" + (str(spec.unit) if unit else "")


def _trim(value: Decimal) -> str:
    """Two decimals at most, trailing zeros of a limit dropped: 65.00 → 65, 2.50 → 2.5, 0.25 → 0.25."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def date_label(day: dt.date, language: str) -> str:
    """令和5年1月1日（2023-01-01） on Japanese pages, 2023-01-01 otherwise."""
    if language.startswith("ja"):
        try:
            return f"{japanese_date(day)}（{day.isoformat()}）"  # i18n: data
        except ValueError:
            pass
    return day.isoformat()
