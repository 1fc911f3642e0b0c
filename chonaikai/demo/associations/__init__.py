"""Synthetic demo data (サンプルデータ) for `manage.py seed_demo`, for whichever city is loaded.

The package has two halves:

- generation.py: `generate()` is pure: the city's sample parameters (`SampleParams`, from its profile's
  sample.toml), its areas with their weights, and a seeded `random.Random(seed)` in, plain
  dataclasses out. No queries, so it is tested without a database and the same seed always gives
  the same data.
- storage.py: `seed_sample_data()` / `replace_sample_data()` are the only database writes: inside one
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

from .generation import DEFAULT_SEED, SAMPLE_MARK, generate, wards_from_profile
from .storage import (
    HISTORY_REASON,
    delete_sample_data,
    replace_sample_data,
    seed_sample_data,
    ward_inputs,
)

__all__ = [
    "DEFAULT_SEED",
    "HISTORY_REASON",
    "SAMPLE_MARK",
    "delete_sample_data",
    "generate",
    "replace_sample_data",
    "seed_sample_data",
    "ward_inputs",
    "wards_from_profile",
]
