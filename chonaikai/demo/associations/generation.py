"""The pure half of the demo data: the city's sample parameters, its areas with their weights and a
seeded random.Random in, plain dataclasses (chonaikai.demo.dataset) out. No queries, so it is tested
without a database and the same seed always gives the same data.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from decimal import Decimal

from chonaikai.associations.models import Association

from ..dataset import (
    ASSOCIATIONS_PER_GROUP,
    DISSOLVED,
    FULL,
    HALL_JITTER_DEG,
    HALL_JITTER_MAX_DEG,
    HALL_SHARE,
    MERGED,
    UNAFFILIATED_SHARE,
    CitySize,
    SampleAssociation,
    SampleCount,
    SampleDataError,
    SampleDataset,
    SampleDistrict,
    SampleFederation,
    SampleParams,
    Scale,
    WardInput,
    city_size,
    city_targets,
    largest_remainder,
    sample_params,
    years_between,
)
from ..names import FEDERATION_KANA, FEDERATION_MODIFIERS, GIVEN_NAMES, NameMaker

SAMPLE_MARK = "（サンプル）"
DEFAULT_SEED = 1


def generate(
    *,
    wards: list[WardInput],
    params: SampleParams | None = None,
    seed: int = DEFAULT_SEED,
    size: Scale = FULL,
) -> SampleDataset:
    """The whole sample dataset for `wards` at `size`, deterministic in `seed` and `params`.

    Without `params`, the loaded city's (which reads the database and the profile: pass them for a
    pure call).
    """
    params = params or sample_params()
    rng = random.Random(seed)
    wards = sorted(wards, key=lambda w: w.code)
    scale = size  # `size` is a group's size in the loop below
    sized = city_size(params, len(wards), scale)
    dataset = SampleDataset(seed=seed, params=params)
    names = NameMaker(rng)
    federation_kana = FEDERATION_KANA.get(params.federation_label, "")

    weights = [w.weight for w in wards]
    associations_per_ward = dict(
        zip((w.code for w in wards), largest_remainder(sized.associations, weights), strict=True)
    )
    federations_per_ward = dict(
        zip((w.code for w in wards), largest_remainder(sized.federations, weights), strict=True)
    )
    districts_per_ward = _districts_per_ward(wards, sized, params.districts_per_area)
    too_many = [w.name for w in wards if associations_per_ward[w.code] >= 10**params.number_digits]
    if too_many:
        raise SampleDataError(
            f"町内会コードの番号（{params.number_digits} 桁）に収まらない数の町内会になる区域があります"
            f"（{'、'.join(too_many)}）。sample.toml の associations を確認してください。"
        )

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
        if not districts:  # no districts: groups of about a district's size, of no district
            groups = max(1, round(associations_per_ward[ward.code] / ASSOCIATIONS_PER_GROUP))
            districts, places = [None] * groups, [names.place() for _ in range(groups)]

        # Associations per district: uneven, as real districts are.
        sizes = largest_remainder(
            associations_per_ward[ward.code], [rng.uniform(0.6, 1.4) for _ in districts]
        )
        # Federations per district: one each where there are enough, extras to the biggest districts.
        n_feds = federations_per_ward[ward.code]
        by_size = sorted(range(len(districts)), key=lambda i: (-sizes[i], i))
        feds_in = [0] * len(districts)
        for k in range(n_feds):
            feds_in[by_size[k % len(districts)]] += 1

        fed_serial = 0
        assoc_serial = 0
        for district, (place, place_kana), size, n_fed in zip(districts, places, sizes, feds_in, strict=True):
            district_code = district.code if district else None
            federations = []
            for j in range(n_fed):
                fed_serial += 1
                fed_place, fed_kana = place, place_kana
                if j < len(FEDERATION_MODIFIERS):
                    mod, mod_kana = FEDERATION_MODIFIERS[j]
                else:  # more federations than modifiers in one group: another place name
                    (fed_place, fed_kana), mod, mod_kana = names.place(), "", ""
                federations.append(
                    SampleFederation(
                        code=f"{ward.code}-F{fed_serial:03d}",
                        ward_code=ward.code,
                        district_code=district_code,
                        name=f"{fed_place}{mod}{params.federation_label}{SAMPLE_MARK}",
                        kana=f"{fed_kana}{mod_kana}{federation_kana}",
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
                        params,
                        code=f"{ward.code}-{assoc_serial:0{params.number_digits}d}",
                        ward=ward,
                        district_code=district_code,
                        district_place=(place, place_kana),
                        federation_code=federation,
                        serial=serial,
                    )
                )

    _end_some(rng, dataset.associations, params.survey_dates)
    dataset.counts = _counts(rng, wards, dataset.associations, params, scale)
    return dataset


def _districts_per_ward(
    wards: list[WardInput], size: CitySize, known_counts: dict[str, int]
) -> dict[str, int]:
    """The districts of each area: the profile's known counts first, the rest by the areas' weights;
    none when the city has no districts, one an area in the small city."""
    if size.districts == 0:
        return {w.code: 0 for w in wards}
    if size.divisor != 1:  # the small city: one district an area, or fewer areas with one
        if size.districts >= len(wards):
            return {w.code: 1 for w in wards}
        shares = largest_remainder(size.districts, [w.weight for w in wards])
        return dict(zip((w.code for w in wards), shares, strict=True))
    known = {w.code: known_counts[w.code] for w in wards if w.code in known_counts}
    others = [w for w in wards if w.code not in known]
    rest = max(0, size.districts - sum(known.values()))
    shares = largest_remainder(rest, [w.weight for w in others]) if others else []
    return {**known, **dict(zip((w.code for w in others), shares, strict=True))}


def _association(rng, names, params, *, code, ward, district_code, district_place, federation_code, serial):
    name, kana = names.association(district_place)
    # Founded before the first survey: most from 昭和 (after 1946), the rest from 平成.
    last_founded = min(dt.date(2018, 12, 31), params.survey_dates[0] - dt.timedelta(days=1))
    if rng.random() < 0.8 or last_founded < dt.date(1989, 1, 8):
        founded = _random_date(rng, dt.date(1946, 4, 1), min(dt.date(1988, 12, 31), last_founded))
    else:
        founded = _random_date(rng, dt.date(1989, 1, 8), last_founded)
    lat = lon = None
    office = params.offices.get(ward.code)
    if office and rng.random() < HALL_SHARE:
        lat = _jitter(rng, office[0], HALL_JITTER_DEG[0], HALL_JITTER_MAX_DEG[0])
        lon = _jitter(rng, office[1], HALL_JITTER_DEG[1], HALL_JITTER_MAX_DEG[1])
    # The area's name after the city's, unless the area is the whole city (a city without wards).
    town = params.city_name + (
        "" if ward.code == params.city_code or ward.name == params.city_name else ward.name
    )
    return SampleAssociation(
        code=code,
        ward_code=ward.code,
        district_code=district_code,
        federation_code=federation_code,
        name=f"{name}{SAMPLE_MARK}",
        kana=kana,
        representative_name=f"サンプル {rng.choice(GIVEN_NAMES)}",
        contact_phone=f"{params.phone_prefix}-000-{serial:04d}",
        contact_email=f"sample{serial:04d}@example.jp" if rng.random() < 0.5 else "",
        contact_address=f"{town}サンプル町{rng.randint(1, 20)}丁目{rng.randint(1, 30)}番（架空）",
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


def _end_some(
    rng: random.Random, associations: list[SampleAssociation], survey_dates: tuple[dt.date, ...]
) -> None:
    """Dissolve a few associations and merge a couple into a neighbour of the same district (of the
    same area, where there are no districts). Each ends on 31 March (the end of a fiscal year, after
    the 総会) after the first survey, so it has counts before it ended."""
    ordered = sorted(associations, key=lambda a: a.code)
    first_year = survey_dates[0].year + (dt.date(survey_dates[0].year, 3, 31) <= survey_dates[0])
    last_year = max(first_year, survey_dates[-1].year - 1)
    for assoc in rng.sample(ordered, min(DISSOLVED, len(ordered) // 10)):
        assoc.status = Association.Status.DISSOLVED
        assoc.ended_on = dt.date(rng.randint(first_year, last_year), 3, 31)
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
            and a.ward_code == assoc.ward_code
            and a is not assoc
            and a.status == Association.Status.ACTIVE
        ]
        if not partners:
            continue
        assoc.status = Association.Status.MERGED
        assoc.ended_on = dt.date(rng.randint(first_year + 1, max(first_year + 1, last_year)), 3, 31)
        assoc.successor_code = rng.choice(partners).code
        merged += 1


def _counts(
    rng: random.Random,
    wards: list[WardInput],
    associations: list[SampleAssociation],
    params: SampleParams,
    size: Scale = FULL,
):
    """Per-association households and members, scaled per survey date to hit `city_targets()`.

    Raw values first: lognormal households (median about 300), an area-specific mean rate lowered a
    little for big (apartment-heavy) areas, and per-association drift in households and rate. Then,
    for each survey date, the raw values of the associations that still exist are scaled to the
    city targets with `largest_remainder` (members capped at households), so the totals are exact.
    """
    survey_dates = params.survey_dates
    anchor = params.anchor_date
    ward_rate = {w.code: rng.uniform(0.60, 0.78) for w in wards}
    ward_growth = {w.code: rng.gauss(params.household_growth, 0.005) for w in wards}
    # Each area's share of the households follows its weight (give or take 3 %) on the weight date:
    # its registry households on registry_date (so no area has more households in its associations'
    # areas than in its registry), or equal shares on the anchor date.
    weight_date = params.registry_date or anchor
    raw: dict[str, dict[dt.date, tuple[float, float]]] = {}
    raw_total: dict[str, float] = defaultdict(float)
    for assoc in associations:
        base = max(8.0, rng.lognormvariate(math.log(300), 0.85))
        rate0 = rng.gauss(ward_rate[assoc.ward_code] - 0.03 * math.log(base / 300), 0.11)
        rate0 = min(0.97, max(0.15, rate0))
        growth = ward_growth[assoc.ward_code] + rng.gauss(0, 0.01)
        drift = rng.gauss(-0.003, 0.004)
        raw[assoc.code] = {}
        for day in survey_dates:
            years = years_between(anchor, day)
            households = base * (1 + growth) ** years
            rate = min(0.99, max(0.05, rate0 + drift * years))
            raw[assoc.code][day] = (households, households * rate)
        raw_total[assoc.ward_code] += base * (1 + growth) ** years_between(anchor, weight_date)
    weight = {w.code: w.weight for w in wards}
    factor = {
        w.code: weight[w.code] * rng.uniform(0.97, 1.03) / raw_total[w.code]
        for w in wards
        if raw_total[w.code]
    }
    for assoc in associations:
        f = factor[assoc.ward_code]
        raw[assoc.code] = {day: (h * f, m * f) for day, (h, m) in raw[assoc.code].items()}
    # After a merger the successor's area includes the predecessor's households.
    for assoc in associations:
        if assoc.successor_code:
            for day in survey_dates:
                if day >= assoc.ended_on:
                    h, m = raw[assoc.successor_code][day]
                    ph, pm = raw[assoc.code][day]
                    raw[assoc.successor_code][day] = (h + ph, m + pm)

    counts = []
    targets = city_targets(params, size)
    for day in survey_dates:
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


def wards_from_profile(profile, params: SampleParams) -> list[WardInput]:
    """`ward_inputs` from a profile instead of the database (for tests and tools without one)."""
    weights = {
        area["code"]: next(
            (r["households"] for r in area["registry"] if r["date"] == params.registry_date), 1
        )
        if params.registry_date
        else 1
        for area in profile.areas
    }
    return [WardInput(area["code"], area["name"], weights[area["code"]]) for area in profile.areas]
