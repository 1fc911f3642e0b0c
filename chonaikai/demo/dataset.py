"""The sample data's inputs and outputs: the city's sample parameters (its profile's sample.toml),
the sizes, the generated dataclasses and the pure arithmetic that spreads the city's published
totals over its areas. No queries; chonaikai.demo.associations generates and writes the data.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings

from chonaikai.associations import rules
from chonaikai.associations.models import Association


class SampleDataError(Exception):
    """Sample data cannot be written; the message is meant for the user (Japanese)."""


# ---------------------------------------------------------------------------------------------
# The city's parameters (its profile's sample.toml)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleParams:
    """What the sample of one city reproduces: its profile's sample.toml, with the city's words.

    `rates` are the city membership rates (%) by survey date; their dates are the sample's survey
    dates. The anchor is either `anchor_members` (member households on `anchor_date`) or
    `households` (households in the associations' areas on `anchor_date`, members = households ×
    rate). `registry_date` None: the households are spread equally over the areas.
    """

    city_code: str
    city_name: str
    associations: int
    districts: int
    federations: int
    anchor_date: dt.date
    rates: dict[dt.date, Decimal]
    anchor_members: int | None = None
    households: int | None = None
    household_growth: float = 0.0
    registry_date: dt.date | None = None
    interpolated: frozenset[dt.date] = frozenset()
    rates_source: str = ""
    districts_per_area: dict[str, int] = field(default_factory=dict)
    offices: dict[str, tuple[float, float]] = field(default_factory=dict)
    federation_label: str = "連合町内会"
    number_digits: int = 4
    phone_prefix: str = "000"  # the area code of the invented phone numbers (<prefix>-000-0001)

    @property
    def survey_dates(self) -> tuple[dt.date, ...]:
        return tuple(sorted(self.rates))


def params_from_profile(profile) -> SampleParams:
    """The sample parameters of a checked profile (chonaikai.cities.profile.read_profile)."""
    if profile.sample is None:
        raise SampleDataError(
            f"{profile.folder / 'sample.toml'} がないため、サンプルデータを作成できません"
            "（書き方は cities/README.md の sample.toml）。"
        )
    spec, city = profile.sample, profile.city
    # read_profile has checked that every rate falls on the city's survey month and day.
    phones = [city.get("department_phone", "")] + [a.get("office_phone", "") for a in profile.areas]
    prefix = next((p.split("-")[0] for p in phones if p and "-" in p and p.split("-")[0].isdigit()), "000")
    return SampleParams(
        city_code=city["code"],
        city_name=city["name"],
        associations=spec["associations"],
        districts=spec["districts"],
        federations=spec["federations"],
        anchor_date=spec["anchor_date"],
        rates=dict(sorted(spec["rates"].items())),
        anchor_members=spec["anchor_members"],
        households=spec["households"],
        household_growth=float(spec["household_growth"]),
        registry_date=spec["registry_date"],
        interpolated=frozenset(spec["interpolated"]),
        rates_source=spec["rates_source"],
        districts_per_area=dict(spec["districts_per_area"]),
        offices=dict(spec["offices"]),
        federation_label=city.get("federation_label") or "連合町内会",
        number_digits=city.get("association_number_digits", 4),
        phone_prefix=prefix,
    )


def loaded_profile():
    """The profile of the loaded city (City.profile names its folder), read and checked again."""
    from chonaikai.cities.current import city
    from chonaikai.cities.profile import ProfileError, read_profile

    current = city()
    if current.pk is None:
        raise SampleDataError(
            "市町村が読み込まれていません。先に manage.py load_city cities/<名前> を実行してください。"
        )
    folder = Path(current.profile)
    if not folder.is_absolute() and not folder.is_dir():
        folder = Path(settings.BASE_DIR) / folder
    try:
        profile = read_profile(folder)
    except ProfileError as exc:
        raise SampleDataError(f"プロファイル {current.profile} を読めません:\n{exc}") from exc
    except OSError as exc:
        raise SampleDataError(f"プロファイル {current.profile} を読めません: {exc}") from exc
    if profile.city["code"] != current.code:
        raise SampleDataError(
            f"プロファイル {current.profile} の市町村コード {profile.city['code']} が、"
            f"読み込まれている {current.name}（{current.code}）と違います。"
        )
    return profile


def sample_params() -> SampleParams:
    """The loaded city's sample parameters; SampleDataError when no city or no sample.toml."""
    return params_from_profile(loaded_profile())


@dataclass(frozen=True)
class Scale:
    """How much of the city to generate: `full` reproduces the profile's figures; `small`, for tests
    and quick looks, keeps the areas, survey dates and rates with a twentieth of the associations and
    households, one district an area (when the city has districts) and a few federations."""

    name: str
    divisor: int  # the city's households and member households are divided by this


FULL = Scale("full", divisor=1)
SMALL = Scale("small", divisor=20)
SIZES = {"full": FULL, "small": SMALL}


@dataclass(frozen=True)
class CitySize:
    """The numbers `generate` makes for one city at one scale."""

    associations: int
    districts: int
    federations: int
    divisor: int


def city_size(params: SampleParams, areas: int, scale: Scale = FULL) -> CitySize:
    """The profile's numbers at `scale` for a city of `areas` areas. The small city keeps at least one
    association and one federation an area, and one district an area (at most the profile's)."""
    if scale.divisor == 1:
        return CitySize(params.associations, params.districts, params.federations, 1)
    associations = max(areas, round(params.associations / scale.divisor))
    return CitySize(
        associations=associations,
        districts=min(areas, params.districts),
        federations=min(associations, max(areas, round(params.federations / scale.divisor)))
        if params.federations
        else 0,
        divisor=scale.divisor,
    )


UNAFFILIATED_SHARE = 0.03  # associations that belong to no federation
ASSOCIATIONS_PER_GROUP = 25  # without districts, associations are named in groups of about this many
DISSOLVED = 5
MERGED = 2
HALL_SHARE = 0.35
HALL_JITTER_DEG = (0.008, 0.011)  # standard deviation (lat, lon): about 0.9 km each way
HALL_JITTER_MAX_DEG = (0.02, 0.025)

# ---------------------------------------------------------------------------------------------
# The generated data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WardInput:
    """An area and its weight: its registry households on the profile's registry_date, or 1 for
    every area when the profile gives no registry totals (households spread equally)."""

    code: str
    name: str
    weight: int


@dataclass
class SampleDistrict:
    code: str
    ward_code: str
    name: str
    kana: str


@dataclass
class SampleFederation:
    code: str
    ward_code: str
    district_code: str
    name: str
    kana: str


@dataclass
class SampleAssociation:
    code: str
    ward_code: str
    district_code: str
    federation_code: str | None
    name: str
    kana: str
    representative_name: str
    contact_phone: str
    contact_email: str
    contact_address: str
    founded_on: dt.date
    is_authorized_body: bool
    hall_latitude: Decimal | None
    hall_longitude: Decimal | None
    status: str = Association.Status.ACTIVE
    ended_on: dt.date | None = None
    successor_code: str | None = None


@dataclass(frozen=True)
class SampleCount:
    association_code: str
    survey_date: dt.date
    households: int
    member_households: int


@dataclass(frozen=True)
class CityTotal:
    households: int
    member_households: int

    @property
    def rate(self) -> Decimal | None:
        return rules.membership_rate(self.member_households, self.households)


@dataclass
class SampleDataset:
    seed: int
    params: SampleParams | None = None
    districts: list[SampleDistrict] = field(default_factory=list)
    federations: list[SampleFederation] = field(default_factory=list)
    associations: list[SampleAssociation] = field(default_factory=list)
    counts: list[SampleCount] = field(default_factory=list)

    def city_totals(self) -> dict[dt.date, CityTotal]:
        """Sums of the generated counts per survey date (what the city-level statistics will show)."""
        households: dict[dt.date, int] = defaultdict(int)
        members: dict[dt.date, int] = defaultdict(int)
        for count in self.counts:
            households[count.survey_date] += count.households
            members[count.survey_date] += count.member_households
        return {day: CityTotal(households[day], members[day]) for day in sorted(households)}


# ---------------------------------------------------------------------------------------------
# Pure arithmetic
# ---------------------------------------------------------------------------------------------


def largest_remainder(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Split `total` into integers proportional to `weights` (Hamilton / largest-remainder method).

    With `caps`, no share exceeds its cap: capped shares are fixed and the rest is split again among
    the others. Leftover units go to the largest fractional parts, ties to the lower index, so the
    result is deterministic. The shares always sum to `total`.
    """
    n = len(weights)
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("total and weights must not be negative")
    if caps is not None and sum(caps) < total:
        raise ValueError(f"caps sum to {sum(caps)}, less than {total}")
    shares = [0] * n
    free = [i for i in range(n)]
    remaining = total
    quotas: dict[int, float] = {}
    while free:
        weight_sum = sum(weights[i] for i in free)
        if weight_sum <= 0:
            quotas = {i: remaining / len(free) for i in free}
        else:
            quotas = {i: remaining * weights[i] / weight_sum for i in free}
        over = [i for i in free if caps is not None and quotas[i] > caps[i]]
        if not over:
            break
        for i in over:
            shares[i] = caps[i]
            remaining -= caps[i]
        free = [i for i in free if i not in set(over)]
    for i in free:
        shares[i] = math.floor(quotas[i])
    leftover = remaining - sum(shares[i] for i in free)
    by_fraction = sorted(free, key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in by_fraction:
        if leftover <= 0:
            break
        if caps is None or shares[i] < caps[i]:
            shares[i] += 1
            leftover -= 1
    if leftover:  # only when every uncapped share sits on its cap after flooring
        for i in range(n):
            while leftover and (caps is None or shares[i] < caps[i]):
                shares[i] += 1
                leftover -= 1
    return shares


def years_between(first: dt.date, day: dt.date) -> float:
    """Years from `first` to `day`: whole years between dates on the same survey day of the year."""
    return day.year - first.year + (day.month - first.month) / 12 + (day.day - first.day) / 365


def anchor_households(params: SampleParams) -> int:
    """Households in the associations' areas on `anchor_date`: the profile's `households`, or its
    `anchor_members` / the anchor's rate (members 500,000 at 50.00 % give 1,000,000 households)."""
    if params.households is not None:
        return params.households
    rate = params.rates[params.anchor_date]
    return int((Decimal(params.anchor_members) * 100 / rate).quantize(Decimal(1), ROUND_HALF_UP))


def city_targets(params: SampleParams, size: Scale = FULL) -> dict[dt.date, CityTotal]:
    """Households and member households the sample's city totals hit exactly, per survey date.

    Households: the anchor's (`anchor_households`), the other dates following at `household_growth`
    a year. Member households: households × the rate, except on the anchor date of a profile that
    gives `anchor_members`, which is that exact figure. Each pair reproduces the rate after
    `rules.membership_rate`'s rounding; where households × rate cannot (a small city, a rate with
    two decimals), the nearest household count that can is taken. A smaller `size` divides the
    households and takes every date's members from its rate.
    """
    anchor = round(anchor_households(params) / size.divisor)
    targets = {}
    for day, rate in params.rates.items():
        households = round(anchor * (1 + params.household_growth) ** years_between(params.anchor_date, day))
        members = None
        if day == params.anchor_date and size.divisor == 1:
            households, members = anchor, params.anchor_members
        targets[day] = _exact_pair(day, households, rate, members)
    return targets


def _exact_pair(day: dt.date, households: int, rate: Decimal, members: int | None) -> CityTotal:
    """The household count nearest `households` whose members (given, or households × rate) give
    exactly `rate`."""
    for step in range(2001):
        candidate = households + (step + 1) // 2 * (1 if step % 2 else -1)
        if candidate <= 0:
            continue
        wanted = members
        if wanted is None:
            wanted = int((Decimal(candidate) * rate / 100).quantize(Decimal(1), ROUND_HALF_UP))
        total = CityTotal(candidate, wanted)
        if total.rate == rate:
            return total
    raise SampleDataError(
        f"{day:%Y-%m-%d}: 約 {households:,} 世帯では加入率 {rate}% を再現できません（sample.toml を確認してください）。"
    )
