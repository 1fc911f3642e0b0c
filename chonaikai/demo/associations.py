"""Synthetic demo data (サンプルデータ) for `manage.py seed_demo`, for whichever city is loaded.

The module has two halves:

- `generate()` is pure: the city's sample parameters (`SampleParams`, from its profile's
  sample.toml), its areas with their weights, and a seeded `random.Random(seed)` in, plain
  dataclasses out. No queries, so it is tested without a database and the same seed always gives
  the same data.
- `seed_sample_data()` / `replace_sample_data()` are the only database writes: inside one
  transaction they upsert the sample districts, federations and associations by code, delete sample
  rows the dataset no longer has, and rewrite the sample counts.

What comes from the profile and what is invented. From the profile (cities/<name>/sample.toml, see
cities/README.md), used only as weights or targets: the areas and, when `registry_date` is given,
their 住民基本台帳 households on that date (loaded by load_city, never changed here); the offices'
coordinates (centres for the jittered hall positions); the numbers of associations, districts
(0: none, the associations belong to no district) and federations, with any known district counts
per area; the city membership rates by survey date and the member households (`anchor_members`) or
households (`households`) on `anchor_date`. The survey dates are the dates of the rates. Without
registry totals the households are spread equally over the areas (not by area_km2, which would give
mountain areas far too many). Everything else (every name, reading, person, phone, address, date,
per-association count and per-area rate) is invented, and every name carries 「（サンプル）」.

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
from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError

from chonaikai.associations.imports.services.counts import CountValues, counts_write
from chonaikai.associations.models import Association, Federation, HouseholdCount
from chonaikai.associations.stats.services import summaries_refresh
from wards.models import District, Ward, WardTotal

from .dataset import (
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
from .names import FEDERATION_KANA, FEDERATION_MODIFIERS, GIVEN_NAMES, NameMaker

SAMPLE_MARK = "（サンプル）"
DEFAULT_SEED = 1
HISTORY_REASON = "サンプルデータ（seed_demo）"
# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Database writes
# ---------------------------------------------------------------------------------------------


def ward_inputs(params: SampleParams | None = None) -> list[WardInput]:
    """The loaded city's areas and their weights, read, never written: the registry households on the
    profile's `registry_date`, or 1 each (spread equally) when the profile gives none."""
    from chonaikai.cities.current import city

    params = params or sample_params()
    area = city().area_label or "区域"
    wards = list(Ward.objects.order_by("code"))
    if not wards:
        raise SampleDataError(
            f"{area}が登録されていません。先に manage.py load_city cities/<名前> を実行してください。"
        )
    if params.registry_date is None:
        return [WardInput(w.code, w.name, 1) for w in wards]
    totals = dict(
        WardTotal.objects.filter(survey_date=params.registry_date).values_list(
            "ward__code", "registry_households"
        )
    )
    missing = [w.name for w in wards if w.code not in totals]
    if missing:
        raise SampleDataError(
            f"{params.registry_date:%Y-%m-%d} の住民基本台帳世帯数がない{area}があります（{'、'.join(missing)}）。"
            "プロファイルを manage.py load_city で読み込み直してください。"
        )
    return [WardInput(w.code, w.name, totals[w.code]) for w in wards]


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


@transaction.atomic
def seed_sample_data(
    *, seed: int = DEFAULT_SEED, size: Scale = FULL, params: SampleParams | None = None
) -> SampleDataset:
    """Replace all sample data with the dataset generated from `seed` at `size` for the loaded city
    (or `params`); returns that dataset."""
    params = params or sample_params()
    dataset = generate(wards=ward_inputs(params), params=params, seed=seed, size=size)
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
                district_id=district_ids[f.district_code] if f.district_code else None,
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
            district_id=district_ids[a.district_code] if a.district_code else None,
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
    from chonaikai.cities.current import city

    current = city()
    checks = [
        (District, [d.code for d in dataset.districts], current.district_label or "地区"),
        (Federation, [f.code for f in dataset.federations], current.federation_label or "連合町内会"),
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
