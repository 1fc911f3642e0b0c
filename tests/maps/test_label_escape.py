"""Labels are drawn as text, never read as matplotlib's mathtext: a name holding `$` is just a name."""

import pytest

from maps import builders
from tests.factories import AssociationFactory, HouseholdCountFactory, ward
from tests.maps.conftest import D24
from tests.maps.test_area_levels import geojson_file
from wards.boundaries import import_boundaries

pytestmark = pytest.mark.django_db

NAME = "$5$町内会"  # i18n: data (two dollars: mathtext would parse "$5$" and fail on the rest)


@pytest.fixture
def dollar_areas(db, tmp_path):
    for n, name in enumerate([NAME, r"A$\frac{1}{$B町内会", "普通町内会"], start=1):  # i18n: data
        association = AssociationFactory(ward=ward("01101"), code=f"01101-000{n}", name=name)
        HouseholdCountFactory(association=association, survey_date=D24, households=200, member_households=120)
    return import_boundaries(
        path=geojson_file(tmp_path / "a.geojson", {"01101-0001": 0, "01101-0002": 1, "01101-0003": 2}),
        level="association",
    )


@pytest.mark.parametrize("font", [True, False], ids=["japanese-font", "no-japanese-font"])
def test_an_association_name_with_dollars_does_not_break_the_png_export(
    dollar_areas, client, monkeypatch, font
):
    if not font:
        monkeypatch.setattr(builders, "japanese_font", lambda: None)

    response = client.get("/maps/export.png", {"level": "association", "metric": "members"})

    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
