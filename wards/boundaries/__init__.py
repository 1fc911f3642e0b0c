"""Official boundary files → boundary rows: read, match to areas, repair, dissolve, simplify, store.

Three levels: wards (WardBoundary, matched on the 5-digit local-government code or the ward's
name), districts and associations (AreaBoundary, matched on the district's or the
association's code, or on a name that is unique among them). One pipeline for all three: read a
set of GeoJSON, TopoJSON, Shapefile (a .zip, a folder or a .shp), GeoPackage and 国土数値情報 N03
files through geopandas/pyogrio (reading.py), match features to the loaded municipality's areas
(matching.py), reproject to EPSG:4326, repair invalid rings, merge each area's pieces into one
geometry, simplify the level's areas together (coverage simplification) for the web, and replace
the level's boundaries in one transaction (importing.py).

geopandas and shapely are imported inside the functions: this package is reached only from the
import command and the map builders, and must not make other pages pay ~1 s and ~70 MB to load them.
"""

from chonaikai.codes import check_digit

from .common import (
    CODE_FIELDS,
    DEFAULT_ATTRIBUTION,
    LEVEL_LABELS,
    LEVELS,
    SIMPLIFY_TOLERANCE_M,
    WARD,
    WEB_DECIMALS,
    BoundaryFileError,
    ImportReport,
    normalise_area_code,
    normalise_code,
)
from .importing import (
    BOUNDARY_AREAS,
    candidate_areas,
    import_boundaries,
    import_ward_boundaries,
    simplify_coverage,
)
from .matching import FAR_APART_KM
from .municipality import Municipality, loaded_municipality

__all__ = [
    "BOUNDARY_AREAS",
    "CODE_FIELDS",
    "DEFAULT_ATTRIBUTION",
    "FAR_APART_KM",
    "LEVELS",
    "LEVEL_LABELS",
    "SIMPLIFY_TOLERANCE_M",
    "WARD",
    "WEB_DECIMALS",
    "BoundaryFileError",
    "ImportReport",
    "Municipality",
    "candidate_areas",
    "check_digit",
    "import_boundaries",
    "import_ward_boundaries",
    "loaded_municipality",
    "normalise_area_code",
    "normalise_code",
    "simplify_coverage",
]
