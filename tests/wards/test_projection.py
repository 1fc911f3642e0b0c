"""`utm_crs` picks the zone geopandas' (slow) `estimate_utm_crs` picks, without querying PROJ."""

import geopandas
import pytest
import shapely

from wards.projection import utm_crs


@pytest.mark.parametrize(
    "bounds",
    [
        (140.99, 42.78, 141.51, 43.19),  # Sapporo
        (127.6, 26.1, 127.8, 26.3),  # Naha
        (139.6, 35.6, 139.9, 35.8),  # Tokyo
        (144.9, 43.0, 145.1, 43.2),  # Kushiro, the next zone east
        (-74.1, 40.6, -73.8, 40.9),  # west of Greenwich
        (151.1, -33.9, 151.3, -33.8),  # south of the equator
    ],
)
def test_the_zone_is_the_one_geopandas_estimates(bounds):
    expected = geopandas.GeoSeries([shapely.box(*bounds)], crs=4326).estimate_utm_crs()

    assert utm_crs(bounds) == expected
