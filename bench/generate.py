"""Synthetic data for benchmarks: N associations over the wards of synthetic cities, 10 survey dates.

    .venv/bin/python -m bench.generate --database-url postgres://postgres@127.0.0.1:5432/chonaikai_bench \
        --size nationwide            # 300,000 associations, 3,000,000 counts
    .venv/bin/python -m bench.generate --database-url sqlite:////tmp/bench.sqlite3 --size city \
        --migrate --city cities/<name>   # migrate, load the profile, then its sample's size
    .venv/bin/python -m bench.generate --database-url URL --size nationwide --dates 3
        # the nationwide register with the latest 3 survey dates only (900,000 counts)

Everything written is SYNTHETIC and labelled so: every generated name ends in 「（合成）」 and rows
carry is_sample=True. The data is shaped like the loaded city's: its areas (their codes and names
are the facts `manage.py load_city` loaded from its profile; nothing generated here claims to
describe them) and, for the nationwide size, synthetic cities of `--wards-per-city` wards each
(codes 9CCWW: no prefecture code starts with 9, so they can never collide with a real
municipality). The city size is the profile's sample size (sample.toml `associations`), and halls
lie around the mean of its sample.toml `[offices]`. Associations are spread
evenly over the wards, about 25 to a district and to a federation, each with a meeting hall
position near its city's centre and one count per survey date, with the history row
django-simple-history would have written.

On PostgreSQL every table is loaded with COPY (psycopg 3 `cursor.copy`); foreign-key triggers are
off during the load (`session_replication_role = replica`, the data is consistent by
construction), then the tables are ANALYZEd. SQLite (city size only) gets executemany. The
ward summaries are rebuilt at the end (services.summaries.summaries_rebuild).

Ward sizes. At city size (the sample's number of associations, no synthetic cities) each ward gets
as many associations, and as many ended ones, as `seed_demo` gives it (`sample_ward_sizes`: the
sample generator's own split by registry households), so the largest ward is the sample's largest
and the entry-grid benchmark measures a ward of that size. Otherwise associations are spread evenly
and about 1 % are dissolved at random.

The database must be migrated, hold a loaded city and no associations yet (`--migrate` runs
migrate and then `load_city` with `--city`, default the CITY environment variable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import os
import random
import time
from dataclasses import dataclass

SIZES = {
    # associations (None: the loaded city's sample size), synthetic cities besides it, wards per synthetic city
    "city": (None, 0, 10),
    "nationwide": (300_000, 99, 10),
}
SURVEY_DATES = [dt.date(2016 + i, 1, 1) for i in range(10)]
LABEL = "（合成）"
HISTORY_REASON = "合成データ（ベンチマーク用）"
PER_GROUP = 25  # associations per district and per federation
SYNTHETIC_CODE_START = "9"  # no prefecture code starts with 9


@dataclass(frozen=True)
class Generated:
    wards: int
    associations: int
    counts: int
    history: int
    seconds: float
    summary_seconds: float


def city_profile() -> str:
    """The city profile the benchmark databases are loaded with: CITY (make bench and make load set it)."""
    city = os.environ.get("CITY")
    if not city:
        raise SystemExit("set CITY=cities/<name>: the city profile to load (make bench and make load set it)")
    return city


def boundaries_file() -> str | None:
    """BOUNDARIES: the ward boundary file imported after load_city (make bench sets it), if any."""
    return os.environ.get("BOUNDARIES") or None


def loaded_sample() -> dict:
    """The loaded city's sample.toml, read from the profile folder load_city recorded."""
    from pathlib import Path

    from chonaikai.cities.current import city
    from chonaikai.cities.profile import read_profile

    current = city()
    if current.pk is None:
        raise SystemExit("no city loaded: run manage.py load_city cities/<name> (or --migrate --city)")
    folder = Path(current.profile)
    if not folder.is_absolute():
        folder = Path(__file__).resolve().parent.parent / folder
    sample = read_profile(folder).sample
    if sample is None:
        raise SystemExit(f"{folder} has no sample.toml: the city size is its sample's size")
    return sample


def _own_centre() -> tuple[float, float]:
    """The mean of the sample's office positions: where the loaded city's halls are placed."""
    offices = list(loaded_sample()["offices"].values())
    if not offices:
        raise SystemExit("the profile's sample.toml has no [offices]: no place to put the halls")
    return sum(lat for lat, _ in offices) / len(offices), sum(lon for _, lon in offices) / len(offices)


def _city_centre(rng: random.Random, city: int) -> tuple[float, float]:
    if city == 0:
        return _own_centre()
    # Synthetic cities over Honshu, Shikoku, Kyushu and Hokkaido's latitudes (a rough box).
    return rng.uniform(31.5, 43.5), rng.uniform(130.5, 144.5)


def _wards(cities: int, wards_per_city: int) -> list[tuple[int, str]]:
    """(city index, ward code) for the loaded city's areas (city 0) and the synthetic cities' wards."""
    from wards.models import Ward

    existing = list(Ward.objects.order_by("code").values_list("code", flat=True))
    own = [code for code in existing if not code.startswith(SYNTHETIC_CODE_START)]
    if not own:
        raise SystemExit("the database holds no areas: load a city profile first (manage.py load_city)")
    result = [(0, code) for code in own]
    new = []
    for city in range(1, cities + 1):
        for ward in range(1, wards_per_city + 1):
            code = f"{SYNTHETIC_CODE_START}{city:02d}{ward:02d}"
            result.append((city, code))
            if code not in existing:
                new.append(
                    Ward(
                        code=code,
                        name=f"合成{city}市第{ward}区{LABEL}",
                        kana="ごうせい",
                        romaji=f"Synthetic {city}-{ward}",
                    )
                )
    Ward.objects.bulk_create(new, batch_size=1000)
    return result


def sample_ward_sizes() -> dict[str, tuple[int, int]]:
    """Ward code → (associations, ended associations) in seed_demo's sample data (its generator,
    which is pure and seeded: the same figures `make demo` writes)."""
    from collections import Counter

    from chonaikai.demo import associations as sample

    dataset = sample.generate(wards=sample.ward_inputs())
    total = Counter(a.ward_code for a in dataset.associations)
    ended = Counter(a.ward_code for a in dataset.associations if a.status != "active")
    return {code: (n, ended[code]) for code, n in total.items()}


def generate(
    *,
    associations: int,
    cities: int = 0,
    wards_per_city: int = 10,
    dates: list[dt.date] | None = None,
    history: bool = True,
    seed: int = 20250101,
    verbose: bool = True,
) -> Generated:
    """Load the synthetic data into the default database (Django must be set up)."""
    from django.db import connection, transaction

    from chonaikai.associations.models import Association, HouseholdCount
    from chonaikai.associations.stats.services import summaries_rebuild
    from wards.models import Ward

    dates = dates or SURVEY_DATES
    if Association.objects.exists():
        raise SystemExit("the database already holds associations: generate into an empty one")
    rng = random.Random(seed)
    say = print if verbose else (lambda *a, **k: None)
    started = time.perf_counter()

    with transaction.atomic():
        ward_list = _wards(cities, wards_per_city)
        ward_ids = dict(Ward.objects.values_list("code", "id"))
        centres = {city: _city_centre(rng, city) for city in {c for c, _ in ward_list}}
        sizes = sample_ward_sizes() if _sample_sized(associations, cities) else {}
        if sizes:
            per_ward = [sizes[code][0] for _, code in ward_list]
        else:
            per_ward = [associations // len(ward_list)] * len(ward_list)
            for i in range(associations - sum(per_ward)):
                per_ward[i] += 1
        if max(per_ward) > 9999:
            raise SystemExit("more than 9,999 associations in a ward: add cities (--cities)")

        districts, federations, assoc_rows = [], [], []
        for (city, ward_code), n in zip(ward_list, per_ward, strict=True):
            groups = max(1, math.ceil(n / PER_GROUP))
            for g in range(1, groups + 1):
                districts.append((f"{ward_code}-D{g:03d}", f"合成第{g}地区{LABEL}", ward_ids[ward_code]))
                federations.append(
                    (f"{ward_code}-F{g:03d}", f"合成第{g}連合町内会{LABEL}", ward_ids[ward_code])
                )
            lat0, lon0 = centres[city]
            # seed_demo's number of ended associations in the ward, at random places in it
            ended = set(rng.sample(range(1, n + 1), sizes[ward_code][1])) if sizes else set()
            for k in range(1, n + 1):
                group = (k - 1) // PER_GROUP + 1
                name = f"合成第{k}町内会{LABEL}"
                kana = f"ごうせいだい{k}ちょうないかい"
                dissolved = k in ended if sizes else rng.random() < 0.01
                assoc_rows.append(
                    (
                        f"{ward_code}-{k:04d}",
                        name,
                        kana,
                        ward_ids[ward_code],
                        f"{ward_code}-D{group:03d}",
                        f"{ward_code}-F{group:03d}" if rng.random() < 0.9 else None,
                        "dissolved" if dissolved else "active",
                        dt.date(2025, 6, 30) if dissolved else None,
                        round(lat0 + rng.gauss(0, 0.06), 6),
                        round(lon0 + rng.gauss(0, 0.08), 6),
                    )
                )
        say(f"  {len(ward_list)} wards, {len(assoc_rows):,} associations, {len(dates)} survey dates")
        loader = _PostgresLoader() if connection.vendor == "postgresql" else _GenericLoader()
        loader.begin()
        district_ids = loader.groups("wards_district", districts)
        federation_ids = loader.groups("associations_federation", federations)
        association_ids = loader.associations(assoc_rows, district_ids, federation_ids)
        now = dt.datetime.now(dt.UTC)
        counts = []
        for code, *_rest in assoc_rows:
            households = rng.randint(60, 700)
            rate = rng.uniform(0.45, 0.95)
            aid = association_ids[code]
            for day in dates:
                households = max(1, households + rng.randint(-12, 10))
                rate = min(1.0, max(0.2, rate + rng.uniform(-0.03, 0.02)))
                counts.append((aid, day, households, int(households * rate)))
        loader.counts(counts, now=now, history=history)
        loader.end()
        say(f"  {len(counts):,} counts loaded in {time.perf_counter() - started:.1f} s")
        summary_started = time.perf_counter()
        summaries_rebuild()
        summary_seconds = time.perf_counter() - summary_started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    say(f"  summaries rebuilt in {summary_seconds:.2f} s; total {elapsed:.1f} s")
    assert HouseholdCount.objects.count() == len(counts)
    return Generated(
        wards=len(ward_list),
        associations=len(assoc_rows),
        counts=len(counts),
        history=len(counts) if history else 0,
        seconds=elapsed,
        summary_seconds=summary_seconds,
    )


def _sample_sized(associations: int, cities: int) -> bool:
    """City size: the wards take seed_demo's sizes (module docstring)."""
    return cities == 0 and associations == loaded_sample()["associations"]


_ASSOCIATION_COLUMNS = (
    "code",
    "name",
    "kana",
    "ward_id",
    "district_id",
    "federation_id",
    "status",
    "ended_on",
    "hall_latitude",
    "hall_longitude",
    "search_text",
    "representative_name",
    "contact_phone",
    "contact_email",
    "contact_address",
    "is_authorized_body",
    "is_sample",
)
_COUNT_COLUMNS = (
    "association_id",
    "survey_date",
    "households",
    "member_households",
    "source",
    "note",
    "entered_at",
    "version",
)
_HISTORY_COLUMNS = (
    "id",
    *_COUNT_COLUMNS,
    "history_date",
    "history_change_reason",
    "history_type",
)


def _association_values(row, district_ids, federation_ids):
    from chonaikai.associations.models import Association

    code, name, kana, ward_id, district, federation, status, ended_on, lat, lon = row
    return (
        code,
        name,
        kana,
        ward_id,
        district_ids[district],
        federation_ids[federation] if federation else None,
        status,
        ended_on,
        lat,
        lon,
        Association.build_search_text(name, kana),
        "",
        "",
        "",
        "",
        False,
        True,
    )


class _GenericLoader:
    """executemany through Django's cursor: SQLite at city size."""

    def begin(self):
        pass

    def end(self):
        pass

    def _insert(self, table, columns, rows):
        from django.db import connection

        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])

    def _ids(self, table) -> dict[str, int]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT code, id FROM {table}")
            return dict(cursor.fetchall())

    def groups(self, table, rows):
        self._insert(
            table, ("code", "name", "kana", "ward_id", "is_sample"), [(*r[:2], "", r[2], True) for r in rows]
        )
        return self._ids(table)

    def associations(self, rows, district_ids, federation_ids):
        values = [_association_values(r, district_ids, federation_ids) for r in rows]
        self._insert("associations_association", _ASSOCIATION_COLUMNS, values)
        return self._ids("associations_association")

    def counts(self, counts, *, now, history):
        rows = [(aid, day, h, m, "sample", "", now, 1) for aid, day, h, m in counts]
        self._insert("associations_householdcount", _COUNT_COLUMNS, rows)
        if history:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO associations_historicalhouseholdcount ({', '.join(_HISTORY_COLUMNS)}) "
                    f"SELECT id, {', '.join(_COUNT_COLUMNS)}, %s, %s, '+' FROM associations_householdcount",
                    [now, HISTORY_REASON],
                )


class _PostgresLoader(_GenericLoader):
    """COPY for every table; foreign-key triggers off for the load (consistent by construction)."""

    def begin(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")

    def end(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")

    def _insert(self, table, columns, rows):
        from django.db import connection

        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def counts(self, counts, *, now, history):
        from django.db import connection

        self._insert(
            "associations_householdcount",
            _COUNT_COLUMNS,
            ((aid, day, h, m, "sample", "", now, 1) for aid, day, h, m in counts),
        )
        if history:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO associations_historicalhouseholdcount ({', '.join(_HISTORY_COLUMNS)}) "
                    f"SELECT id, {', '.join(_COUNT_COLUMNS)}, %s, %s, '+' FROM associations_householdcount",
                    [now, HISTORY_REASON],
                )


def setup_django(database_url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chonaikai.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--size", choices=sorted(SIZES), default="city")
    parser.add_argument("--associations", type=int, help="overrides the size's number of associations")
    parser.add_argument("--cities", type=int, help="synthetic cities besides the loaded one")
    parser.add_argument("--wards-per-city", type=int)
    parser.add_argument(
        "--dates",
        type=int,
        choices=range(1, len(SURVEY_DATES) + 1),
        metavar=f"1..{len(SURVEY_DATES)}",
        help="only the latest N survey dates (a nationwide register with fewer counts)",
    )
    parser.add_argument("--no-history", action="store_true", help="skip the counts' history rows")
    parser.add_argument("--migrate", action="store_true", help="run migrate and load_city --city first")
    parser.add_argument(
        "--city",
        default=os.environ.get("CITY"),
        help="the city profile folder --migrate loads (default: the CITY environment variable)",
    )
    parser.add_argument("--seed", type=int, default=20250101)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    setup_django(args.database_url)
    if args.migrate:
        if not args.city:
            parser.error("--migrate needs --city cities/<name> (or CITY=cities/<name>)")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_city", args.city, stdout=io.StringIO())
    n, cities, per_city = SIZES[args.size]
    generate(
        associations=args.associations or n or loaded_sample()["associations"],
        cities=cities if args.cities is None else args.cities,
        wards_per_city=args.wards_per_city or per_city,
        dates=SURVEY_DATES[-args.dates :] if args.dates else None,
        history=not args.no_history,
        seed=args.seed,
    )


if __name__ == "__main__":
    main()
