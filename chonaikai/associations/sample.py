"""Synthetic demo data (サンプルデータ) for `manage.py seed_demo`.

The module has two halves:

- `generate()` is pure: a seeded `random.Random(seed)` and the wards' registry households in, plain
  dataclasses out. No queries, so it is tested without a database and the same seed always gives
  the same data.
- `seed_sample_data()` / `replace_sample_data()` are the only database writes: inside one
  transaction they upsert the sample districts, federations and associations by code, delete sample
  rows the dataset no longer has, and rewrite the sample counts.

What is real and what is invented. Real, and used only as weights or targets: the 10 ward codes,
their 住民基本台帳 households on 2021-01-01 (loaded by wards/migrations/0002, never changed here), the
ward offices' coordinates (centres for the jittered hall positions), 87 まちづくりセンター districts with
8 in 西区, about 2,200 associations and 90 federations, the published city membership rates and the
685,497 member households of 2023-01-01 (plan_facts.md). Everything else (every name, reading, person,
phone, address, date, per-association count and per-ward rate) is invented, and every name carries
「（サンプル）」.

History: each sample association and count gets exactly one history row ("created", change reason
`HISTORY_REASON`), so the demo's history pages behave as they do for real data; a re-run replaces
those rows instead of piling up "changed" rows. Deleting the old counts skips simple_history's per-row
signals (see `_delete_sample_counts`), because 15,000 one-by-one deletes would make `make demo` slow.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import ProtectedError

from wards.models import District, Ward, WardTotal

from . import rules
from .models import Association, Federation, HouseholdCount
from .services.counts import CountValues, counts_write
from .services.summaries import summaries_refresh

# ---------------------------------------------------------------------------------------------
# Figures the sample reproduces
# ---------------------------------------------------------------------------------------------

SAMPLE_MARK = "（サンプル）"
DEFAULT_SEED = 1
HISTORY_REASON = "サンプルデータ（seed_demo）"

# The registry households that weight the wards (loaded by wards/migrations/0002_sapporo_wards).
REGISTRY_DATE = dt.date(2021, 1, 1)

SURVEY_DATES = tuple(dt.date(year, 1, 1) for year in range(2019, 2026))

# Published city 加入率 (plan_facts.md). 2024-01-01 is not published: 69.10 lies between 2023's 69.4
# and 2025's 68.8 and is labelled as interpolated in the command's summary.
CITY_RATES = {
    dt.date(2019, 1, 1): Decimal("70.49"),
    dt.date(2020, 1, 1): Decimal("70.08"),
    dt.date(2021, 1, 1): Decimal("69.87"),
    dt.date(2022, 1, 1): Decimal("69.62"),
    dt.date(2023, 1, 1): Decimal("69.40"),
    dt.date(2024, 1, 1): Decimal("69.10"),
    dt.date(2025, 1, 1): Decimal("68.80"),
}
INTERPOLATED_DATES = frozenset({dt.date(2024, 1, 1)})

# Member households on 2023-01-01 (the plan's FY2022 actual). The households in the associations'
# areas follow from it and the rate: 685,497 / 0.694 ≈ 987,748 (not the registry's 1,078,932).
ANCHOR_DATE = dt.date(2023, 1, 1)
ANCHOR_MEMBERS = 685_497
# Households in the areas grow about 0.9 % a year, faster than members: the rate falls while member
# households rise, as the plan describes.
HOUSEHOLD_GROWTH = 0.009

ASSOCIATIONS = 2200
DISTRICTS = 87
FEDERATIONS = 90
KNOWN_DISTRICTS = {"01107": 8}  # 西区 has 8 まちづくりセンター (city page, 2018)


@dataclass(frozen=True)
class CitySize:
    """How much of the city to generate. FULL reproduces the published figures (685,497 member
    households on 2023-01-01); SMALL, for tests and quick looks, keeps the wards, survey dates and
    published city rates with a twentieth of the associations and households and one district a ward."""

    associations: int
    districts: int
    federations: int
    divisor: int  # the city's households and member households are divided by this


FULL = CitySize(associations=ASSOCIATIONS, districts=DISTRICTS, federations=FEDERATIONS, divisor=1)
SMALL = CitySize(associations=110, districts=10, federations=10, divisor=20)
SIZES = {"full": FULL, "small": SMALL}
UNAFFILIATED_SHARE = 0.03  # associations that belong to no federation
DISSOLVED = 5
MERGED = 2

# Ward offices (sapporo_facts.md §1.1): only the centres around which sample halls are scattered.
WARD_OFFICES = {
    "01101": (43.055361, 141.340972),
    "01102": (43.090833, 141.340833),
    "01103": (43.076389, 141.363611),
    "01104": (43.045560, 141.396444),
    "01105": (43.031389, 141.380028),
    "01106": (42.990000, 141.353444),
    "01107": (43.074440, 141.300889),
    "01108": (43.036333, 141.474720),
    "01109": (43.121917, 141.245830),
    "01110": (42.999556, 141.443806),
}
HALL_SHARE = 0.35
HALL_JITTER_DEG = (0.008, 0.011)  # standard deviation (lat, lon): about 0.9 km each way
HALL_JITTER_MAX_DEG = (0.02, 0.025)

# ---------------------------------------------------------------------------------------------
# Invented vocabulary (kanji, hiragana)
# ---------------------------------------------------------------------------------------------

PLACE_HEADS = [
    ("桜", "さくら"), ("若葉", "わかば"), ("緑", "みどり"), ("旭", "あさひ"), ("栄", "さかえ"),
    ("光", "ひかり"), ("青葉", "あおば"), ("曙", "あけぼの"), ("泉", "いずみ"), ("柏", "かしわ"),
    ("北斗", "ほくと"), ("白樺", "しらかば"), ("楓", "かえで"), ("松", "まつ"), ("梅", "うめ"),
    ("菊", "きく"), ("藤", "ふじ"), ("鈴蘭", "すずらん"), ("東雲", "しののめ"), ("星", "ほし"),
    ("月見", "つきみ"), ("花", "はな"), ("富士見", "ふじみ"), ("日の出", "ひので"), ("朝霧", "あさぎり"),
    ("虹", "にじ"), ("雪", "ゆき"), ("空", "そら"), ("稲穂", "いなほ"), ("百合", "ゆり"),
    ("銀杏", "いちょう"), ("楡", "にれ"), ("椿", "つばき"), ("萩", "はぎ"), ("葵", "あおい"),
    ("翠", "みどり"), ("清水", "しみず"), ("大空", "おおぞら"), ("明星", "みょうじょう"), ("若草", "わかくさ"),
]  # fmt: skip
PLACE_TAILS = [
    ("が丘", "がおか"), ("台", "だい"), ("町", "まち"), ("野", "の"), ("川", "かわ"), ("沢", "さわ"),
    ("原", "はら"), ("里", "さと"), ("山", "やま"), ("通", "どおり"), ("の森", "のもり"), ("坂", "ざか"),
]  # fmt: skip
MODIFIERS = [
    ("", ""), ("", ""), ("東", "ひがし"), ("西", "にし"), ("南", "みなみ"), ("北", "きた"),
    ("中央", "ちゅうおう"), ("本通", "ほんどおり"), ("第一", "だいいち"), ("第二", "だいに"),
    ("第三", "だいさん"), ("第四", "だいよん"), ("第五", "だいご"), ("1条", "いちじょう"),
    ("2条", "にじょう"), ("3条", "さんじょう"), ("4条", "よじょう"), ("5条", "ごじょう"),
    ("6条", "ろくじょう"), ("団地", "だんち"), ("新町", "しんまち"), ("緑町", "みどりちょう"),
]  # fmt: skip
KINDS = [("町内会", "ちょうないかい", 70), ("自治会", "じちかい", 22), ("住民会", "じゅうみんかい", 8)]
GIVEN_NAMES = ["太郎", "花子", "一郎", "次郎", "三郎", "桜子", "良子", "健一", "和子", "正男"]
FEDERATION_MODIFIERS = [("", ""), ("東", "ひがし"), ("西", "にし"), ("南", "みなみ"), ("北", "きた")]

# ---------------------------------------------------------------------------------------------
# The generated data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WardInput:
    code: str
    name: str
    registry_households: int


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


def city_targets(size: CitySize = FULL) -> dict[dt.date, CityTotal]:
    """Households and member households the sample's city totals hit exactly, per survey date.

    Households: 2023-01-01's figure is 685,497 / 69.40 %, and the other dates follow at
    `HOUSEHOLD_GROWTH` a year. Member households: households × the published rate, except the
    anchor date, which is the plan's exact figure. Each pair reproduces the published rate after
    `rules.membership_rate`'s rounding (checked here, so a wrong constant fails loudly). A smaller
    `size` divides the households and takes every date's members from its rate.
    """
    anchor_rate = CITY_RATES[ANCHOR_DATE]
    anchor_households = int((Decimal(ANCHOR_MEMBERS) * 100 / anchor_rate).quantize(Decimal(1), ROUND_HALF_UP))
    anchor_households = round(anchor_households / size.divisor)
    targets = {}
    for day, rate in CITY_RATES.items():
        years = day.year - ANCHOR_DATE.year
        households = round(anchor_households * (1 + HOUSEHOLD_GROWTH) ** years)
        if day == ANCHOR_DATE and size.divisor == 1:
            households, members = anchor_households, ANCHOR_MEMBERS
        else:
            members = int((Decimal(households) * rate / 100).quantize(Decimal(1), ROUND_HALF_UP))
        total = CityTotal(households, members)
        if total.rate != rate:
            raise AssertionError(f"{day}: {members}/{households} gives {total.rate}, not {rate}")
        targets[day] = total
    return targets


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


def generate(*, wards: list[WardInput], seed: int = DEFAULT_SEED, size: CitySize = FULL) -> SampleDataset:
    """The whole sample dataset for `wards` at `size`, deterministic in `seed`."""
    city_size = size  # `size` is a district's size in the loop below
    rng = random.Random(seed)
    wards = sorted(wards, key=lambda w: w.code)
    dataset = SampleDataset(seed=seed)
    names = _NameMaker(rng)

    weights = [w.registry_households for w in wards]
    associations_per_ward = dict(
        zip((w.code for w in wards), largest_remainder(city_size.associations, weights), strict=True)
    )
    federations_per_ward = dict(
        zip((w.code for w in wards), largest_remainder(city_size.federations, weights), strict=True)
    )
    districts_per_ward = _districts_per_ward(wards, city_size)

    serial = 0  # city-wide, for unique fake phone numbers and e-mail addresses
    for ward in wards:
        n_districts = districts_per_ward[ward.code]
        districts, places = [], []
        for i in range(n_districts):
            place, place_kana = names.place()
            places.append((place, place_kana))
            districts.append(
                SampleDistrict(
                    code=f"{ward.code}-D{i + 1:02d}",
                    ward_code=ward.code,
                    name=f"{place}地区{SAMPLE_MARK}",
                    kana=f"{place_kana}ちく",
                )
            )
        dataset.districts.extend(districts)

        # Associations per district: uneven, as real districts are.
        sizes = largest_remainder(
            associations_per_ward[ward.code], [rng.uniform(0.6, 1.4) for _ in districts]
        )
        # Federations per district: one each where there are enough, extras to the biggest districts.
        n_feds = federations_per_ward[ward.code]
        by_size = sorted(range(n_districts), key=lambda i: (-sizes[i], i))
        feds_in = [0] * n_districts
        for k in range(n_feds):
            feds_in[by_size[k % n_districts]] += 1

        fed_serial = 0
        assoc_serial = 0
        for district, (place, place_kana), size, n_fed in zip(districts, places, sizes, feds_in, strict=True):
            federations = []
            for j in range(n_fed):
                fed_serial += 1
                mod, mod_kana = FEDERATION_MODIFIERS[j % len(FEDERATION_MODIFIERS)]
                federations.append(
                    SampleFederation(
                        code=f"{ward.code}-F{fed_serial:03d}",
                        ward_code=ward.code,
                        district_code=district.code,
                        name=f"{place}{mod}連合町内会{SAMPLE_MARK}",
                        kana=f"{place_kana}{mod_kana}れんごうちょうないかい",
                    )
                )
            dataset.federations.extend(federations)
            # Contiguous blocks of the district's associations per federation.
            block_sizes = (
                largest_remainder(size, [rng.uniform(0.7, 1.3) for _ in federations]) if federations else []
            )
            block_of = [k for k, n in enumerate(block_sizes) for _ in range(n)]
            for j in range(size):
                assoc_serial += 1
                serial += 1
                federation = None
                if federations and rng.random() >= UNAFFILIATED_SHARE:
                    federation = federations[block_of[j]].code
                dataset.associations.append(
                    _association(
                        rng,
                        names,
                        code=f"{ward.code}-{assoc_serial:04d}",
                        ward=ward,
                        district=district,
                        district_place=(place, place_kana),
                        federation_code=federation,
                        serial=serial,
                    )
                )

    _end_some(rng, dataset.associations)
    dataset.counts = _counts(rng, wards, dataset.associations, city_size)
    return dataset


def _districts_per_ward(wards: list[WardInput], size: CitySize = FULL) -> dict[str, int]:
    """87 districts: the known counts first, the rest in proportion to registry households."""
    if size.districts <= len(wards):  # the small city: one district a ward
        return {w.code: 1 for w in wards}
    known = {w.code: KNOWN_DISTRICTS[w.code] for w in wards if w.code in KNOWN_DISTRICTS}
    others = [w for w in wards if w.code not in known]
    shares = largest_remainder(size.districts - sum(known.values()), [w.registry_households for w in others])
    return {**known, **dict(zip((w.code for w in others), shares, strict=True))}


class _NameMaker:
    """Invented place names and association names, unique across the city."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.places: set[str] = set()
        self.names: set[str] = set()

    def place(self) -> tuple[str, str]:
        while True:
            head, head_kana = self.rng.choice(PLACE_HEADS)
            tail, tail_kana = self.rng.choice(PLACE_TAILS)
            if head + tail not in self.places:
                self.places.add(head + tail)
                return head + tail, head_kana + tail_kana

    def association(self, district_place: tuple[str, str]) -> tuple[str, str]:
        kinds = [k[:2] for k in KINDS]
        kind_weights = [k[2] for k in KINDS]
        for attempt in range(1000):
            place, place_kana = district_place
            if self.rng.random() < 0.5:
                head, head_kana = self.rng.choice(PLACE_HEADS)
                tail, tail_kana = self.rng.choice(PLACE_TAILS)
                place, place_kana = head + tail, head_kana + tail_kana
            mod, mod_kana = self.rng.choice(MODIFIERS)
            kind, kind_kana = self.rng.choices(kinds, kind_weights)[0]
            name, kana = f"{place}{mod}{kind}", f"{place_kana}{mod_kana}{kind_kana}"
            if attempt > 100:  # vanishingly rare: number it
                name, kana = f"{place}第{attempt}{kind}", f"{place_kana}だい{attempt}{kind_kana}"
            if name not in self.names:
                self.names.add(name)
                return name, kana
        raise RuntimeError("could not invent a unique association name")


def _association(rng, names, *, code, ward, district, district_place, federation_code, serial):
    name, kana = names.association(district_place)
    if rng.random() < 0.8:  # most associations date from 昭和 (after 1946), the rest from 平成
        founded = _random_date(rng, dt.date(1946, 4, 1), dt.date(1988, 12, 31))
    else:
        founded = _random_date(rng, dt.date(1989, 1, 8), dt.date(2018, 12, 31))
    lat = lon = None
    office = WARD_OFFICES.get(ward.code)
    if office and rng.random() < HALL_SHARE:
        lat = _jitter(rng, office[0], HALL_JITTER_DEG[0], HALL_JITTER_MAX_DEG[0])
        lon = _jitter(rng, office[1], HALL_JITTER_DEG[1], HALL_JITTER_MAX_DEG[1])
    return SampleAssociation(
        code=code,
        ward_code=ward.code,
        district_code=district.code,
        federation_code=federation_code,
        name=f"{name}{SAMPLE_MARK}",
        kana=kana,
        representative_name=f"サンプル {rng.choice(GIVEN_NAMES)}",
        contact_phone=f"011-000-{serial:04d}",
        contact_email=f"sample{serial:04d}@example.jp" if rng.random() < 0.5 else "",
        contact_address=f"札幌市{ward.name}サンプル町{rng.randint(1, 20)}丁目{rng.randint(1, 30)}番（架空）",
        founded_on=founded,
        is_authorized_body=rng.random() < 0.06,
        hall_latitude=lat,
        hall_longitude=lon,
    )


def _random_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _jitter(rng: random.Random, centre: float, sd: float, limit: float) -> Decimal:
    offset = max(-limit, min(limit, rng.gauss(0, sd)))
    return Decimal(f"{centre + offset:.6f}")


def _end_some(rng: random.Random, associations: list[SampleAssociation]) -> None:
    """Dissolve a few associations and merge a couple into a neighbour of the same district."""
    ordered = sorted(associations, key=lambda a: a.code)
    for assoc in rng.sample(ordered, DISSOLVED):
        assoc.status = Association.Status.DISSOLVED
        assoc.ended_on = dt.date(rng.randint(2019, 2024), 3, 31)  # end of a fiscal year, after the 総会
    merged = 0
    for assoc in rng.sample(ordered, len(ordered)):
        if merged == MERGED:
            break
        successors = {a.successor_code for a in ordered if a.successor_code}
        if assoc.status != Association.Status.ACTIVE or assoc.code in successors:
            continue  # no chains: a successor is never merged away itself
        partners = [
            a
            for a in ordered
            if a.district_code == assoc.district_code
            and a is not assoc
            and a.status == Association.Status.ACTIVE
        ]
        if not partners:
            continue
        assoc.status = Association.Status.MERGED
        assoc.ended_on = dt.date(rng.randint(2020, 2024), 3, 31)
        assoc.successor_code = rng.choice(partners).code
        merged += 1


def _counts(
    rng: random.Random, wards: list[WardInput], associations: list[SampleAssociation], size: CitySize = FULL
):
    """Per-association households and members, scaled per survey date to hit `city_targets()`.

    Raw values first: lognormal households (median about 300), a ward-specific mean rate lowered a
    little for big (apartment-heavy) areas, and per-association drift in households and rate. Then,
    for each survey date, the raw values of the associations that still exist are scaled to the
    city targets with `largest_remainder` (members capped at households), so the totals are exact.
    """
    ward_rate = {w.code: rng.uniform(0.60, 0.78) for w in wards}
    ward_growth = {w.code: rng.gauss(HOUSEHOLD_GROWTH, 0.005) for w in wards}
    raw: dict[str, dict[dt.date, tuple[float, float]]] = {}
    for assoc in associations:
        base = max(8.0, rng.lognormvariate(math.log(300), 0.85))
        rate0 = rng.gauss(ward_rate[assoc.ward_code] - 0.03 * math.log(base / 300), 0.11)
        rate0 = min(0.97, max(0.15, rate0))
        growth = ward_growth[assoc.ward_code] + rng.gauss(0, 0.01)
        drift = rng.gauss(-0.003, 0.004)
        raw[assoc.code] = {}
        for day in SURVEY_DATES:
            years = day.year - ANCHOR_DATE.year
            households = base * (1 + growth) ** years
            rate = min(0.99, max(0.05, rate0 + drift * years))
            raw[assoc.code][day] = (households, households * rate)
    # Each ward's share of the area households follows its registry households (give or take 3 %),
    # so that no ward has more households in its associations' areas than in its registry.
    registry = {w.code: w.registry_households for w in wards}
    raw_total: dict[str, float] = defaultdict(float)
    for assoc in associations:
        raw_total[assoc.ward_code] += raw[assoc.code][REGISTRY_DATE][0]
    factor = {
        w.code: registry[w.code] * rng.uniform(0.97, 1.03) / raw_total[w.code]
        for w in wards
        if raw_total[w.code]
    }
    for assoc in associations:
        f = factor[assoc.ward_code]
        raw[assoc.code] = {day: (h * f, m * f) for day, (h, m) in raw[assoc.code].items()}
    # After a merger the successor's area includes the predecessor's households.
    for assoc in associations:
        if assoc.successor_code:
            for day in SURVEY_DATES:
                if day >= assoc.ended_on:
                    h, m = raw[assoc.successor_code][day]
                    ph, pm = raw[assoc.code][day]
                    raw[assoc.successor_code][day] = (h + ph, m + pm)

    counts = []
    targets = city_targets(size)
    for day in SURVEY_DATES:
        present = [a for a in associations if a.ended_on is None or day < a.ended_on]
        target = targets[day]
        households = largest_remainder(target.households, [raw[a.code][day][0] for a in present])
        members = largest_remainder(
            target.member_households, [raw[a.code][day][1] for a in present], caps=households
        )
        counts.extend(
            SampleCount(a.code, day, h, m) for a, h, m in zip(present, households, members, strict=True)
        )
    counts.sort(key=lambda c: (c.association_code, c.survey_date))
    return counts


# ---------------------------------------------------------------------------------------------
# Database writes
# ---------------------------------------------------------------------------------------------


class SampleDataError(Exception):
    """Sample data cannot be written; the message is meant for the user (Japanese)."""


def ward_inputs() -> list[WardInput]:
    """The wards and their registry households on `REGISTRY_DATE`, read, never written."""
    wards = list(Ward.objects.order_by("code"))
    totals = dict(
        WardTotal.objects.filter(survey_date=REGISTRY_DATE).values_list("ward__code", "registry_households")
    )
    missing = [w.name for w in wards if w.code not in totals]
    if not wards or missing:
        raise SampleDataError(
            f"{REGISTRY_DATE:%Y-%m-%d} の住民基本台帳世帯数がない区があります（{'、'.join(missing) or '区なし'}）。"
            "先に manage.py migrate を実行してください。"
        )
    return [WardInput(w.code, w.name, totals[w.code]) for w in wards]


@transaction.atomic
def seed_sample_data(*, seed: int = DEFAULT_SEED, size: CitySize = FULL) -> SampleDataset:
    """Replace all sample data with the dataset generated from `seed` at `size`; returns that dataset."""
    dataset = generate(wards=ward_inputs(), seed=seed, size=size)
    replace_sample_data(dataset)
    return dataset


@transaction.atomic
def replace_sample_data(dataset: SampleDataset) -> None:
    """Make the sample rows in the database exactly `dataset`, never touching non-sample rows.

    Districts, federations and associations are upserted by code, so their primary keys survive a
    re-run and whatever points at them (a demo leader's role assignment, say) stays valid. Sample rows
    the dataset no longer has are deleted. Counts and all history rows of sample associations and
    counts are deleted and written afresh: after any run each sample row has exactly one history row.
    """
    _refuse_collisions(dataset)
    ward_ids = dict(Ward.objects.values_list("code", "id"))

    deleted_pairs = _delete_sample_counts()
    district_ids = _upsert(
        District,
        [
            District(code=d.code, name=d.name, kana=d.kana, ward_id=ward_ids[d.ward_code], is_sample=True)
            for d in dataset.districts
        ],
    )
    federation_ids = _upsert(
        Federation,
        [
            Federation(
                code=f.code,
                name=f.name,
                kana=f.kana,
                ward_id=ward_ids[f.ward_code],
                district_id=district_ids[f.district_code],
                is_sample=True,
            )
            for f in dataset.federations
        ],
    )

    def build(a: SampleAssociation, association_ids: dict[str, int]) -> Association:
        return Association(
            code=a.code,
            name=a.name,
            kana=a.kana,
            # bulk_create skips save(), which keeps search_text in step: set it here.
            search_text=Association.build_search_text(a.name, a.kana),
            ward_id=ward_ids[a.ward_code],
            district_id=district_ids[a.district_code],
            federation_id=federation_ids[a.federation_code] if a.federation_code else None,
            representative_name=a.representative_name,
            contact_phone=a.contact_phone,
            contact_email=a.contact_email,
            contact_address=a.contact_address,
            founded_on=a.founded_on,
            status=a.status,
            ended_on=a.ended_on,
            successor_id=association_ids[a.successor_code] if a.successor_code else None,
            is_authorized_body=a.is_authorized_body,
            hall_latitude=a.hall_latitude,
            hall_longitude=a.hall_longitude,
            is_sample=True,
        )

    # Successors first: the status constraint needs a merged association's successor on insert.
    first = [build(a, {}) for a in dataset.associations if not a.successor_code]
    association_ids = _upsert(Association, first)
    rest = [build(a, association_ids) for a in dataset.associations if a.successor_code]
    association_ids = _upsert(Association, rest)

    _delete_stale(Association, set(association_ids) - {a.code for a in dataset.associations})
    _delete_stale(Federation, set(federation_ids) - {f.code for f in dataset.federations})
    _delete_stale(District, set(district_ids) - {d.code for d in dataset.districts})

    history = Association.history
    history.filter(id__in=Association.objects.filter(is_sample=True).values("id")).delete()
    history.bulk_history_create(
        list(Association.objects.filter(is_sample=True)), batch_size=500, default_change_reason=HISTORY_REASON
    )
    ward_of = {a.code: ward_ids[a.ward_code] for a in dataset.associations}
    # The one write of counts (services.counts): versions, history rows, summaries. Sample counts
    # touch no survey round's progress and record no audit event (they are not anyone's entry).
    counts_write(
        actor=None,
        source=HouseholdCount.Source.SAMPLE,
        change_reason=HISTORY_REASON,
        mark_started=False,
        also_refresh=deleted_pairs,
        rows=[
            CountValues(
                association_id=association_ids[c.association_code],
                ward_id=ward_of[c.association_code],
                survey_date=c.survey_date,
                households=c.households,
                member_households=c.member_households,
            )
            for c in dataset.counts
        ],
    )


def delete_sample_data() -> None:
    """Delete every sample row, with its counts and history (for tests and for clearing a demo)."""
    summaries_refresh(_delete_sample_counts())
    _delete_stale(Association, set(Association.objects.filter(is_sample=True).values_list("code", flat=True)))
    Federation.objects.filter(is_sample=True).delete()
    District.objects.filter(is_sample=True).delete()


def _refuse_collisions(dataset: SampleDataset) -> None:
    checks = [
        (District, [d.code for d in dataset.districts], "まちづくりセンター地区"),
        (Federation, [f.code for f in dataset.federations], "連合町内会"),
        (Association, [a.code for a in dataset.associations], "町内会"),
    ]
    for model, codes, label in checks:
        taken = list(
            model.objects.filter(is_sample=False, code__in=codes)
            .order_by("code")
            .values_list("code", flat=True)[:5]
        )
        if taken:
            raise SampleDataError(
                f"サンプルではない{label}が、サンプルデータと同じコードで登録されています"
                f"（{'、'.join(taken)} など）。実データを上書きしないよう、サンプルデータの作成を中止しました。"
            )


def _upsert(model, objs: list) -> dict[str, int]:
    """Insert or update `objs` by code (one statement per batch); code → id of every sample row.

    Only called after `_refuse_collisions`, so a conflicting code is always a sample row's.
    """
    if objs:
        fields = [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != "code"]
        model.objects.bulk_create(
            objs, batch_size=500, update_conflicts=True, unique_fields=["code"], update_fields=fields
        )
    return dict(model.objects.filter(is_sample=True).values_list("code", "id"))


def _delete_sample_counts() -> set[tuple[int, dt.date]]:
    """Delete the counts of sample associations and the history rows of those counts.

    Returns the (ward id, survey date) pairs they were counted in, for summaries_refresh.

    One DELETE (`_raw_delete`) rather than `QuerySet.delete()`: with simple_history's delete signals
    connected, Django would load every count and write a "deleted" history row for each, only for us
    to delete those rows next, which would make `make demo` slow. Nothing references a count, so no
    cascade is skipped (a new foreign key to counts would fail at commit, not silently).
    """
    sample = Association.objects.filter(is_sample=True).values("id")
    counts = HouseholdCount.objects.filter(association_id__in=sample)
    pairs = set(counts.values_list("association__ward_id", "survey_date").distinct().order_by())
    counts._raw_delete(counts.db)
    HouseholdCount.history.filter(association_id__in=sample).delete()
    return pairs


def _delete_stale(model, codes: set[str]) -> None:
    """Delete the sample rows with these codes; data that protects them stops the whole run."""
    if not codes:
        return
    rows = model.objects.filter(is_sample=True, code__in=codes)
    ids = list(rows.values_list("id", flat=True))
    try:
        if model is Association:
            # A merged association protects its successor: delete those nobody points at, repeatedly.
            successors = Association.objects.filter(successor__isnull=False).values("successor_id")
            while rows.exclude(id__in=successors).delete()[0]:
                pass
        rows.delete()
    except ProtectedError as exc:
        raise SampleDataError(
            "サンプルデータを参照している他のデータ（役割の割り当てなど）があるため、"
            f"サンプルの{model._meta.verbose_name}を削除できません。"
        ) from exc
    if model is Association:
        Association.history.filter(id__in=ids).delete()
