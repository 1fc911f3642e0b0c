"""The metric projection the boundary code works in: the UTM zone of an area's centre.

geopandas' `estimate_utm_crs()` answers the same but queries the PROJ database each time, about
0.4–0.7 s per call (measured on a 2-core machine), which every boundary import and every PNG map
paid. The zone of a longitude is plain arithmetic; pyproj builds the CRS from its EPSG code in
a millisecond and caches it.
"""

from __future__ import annotations

import functools


def utm_crs(bounds):
    """The WGS 84 / UTM CRS (EPSG:326zz north, 327zz south) of the centre of (minx, miny, maxx, maxy)
    given in degrees (EPSG:4326)."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    zone = int((lon + 180) // 6) % 60 + 1
    return _crs((32600 if lat >= 0 else 32700) + zone)


@functools.cache
def _crs(epsg: int):
    import pyproj

    return pyproj.CRS.from_epsg(epsg)
