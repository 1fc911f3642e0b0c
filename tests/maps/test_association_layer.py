"""The association layer: halls clustered on the server, scoped per user, no personal data, public mode."""

import json
import re
from decimal import Decimal

import pytest

from maps import layer, metrics
from maps.layer import HallPoint, grid_clusters, layer_payload, pixel
from tests.factories import AssociationFactory, FederationFactory, HouseholdCountFactory, ward
from tests.maps.conftest import D23, D24

PAGE = "/maps/"
LABELS = {"no_data": "データなし・非公表"}


def point(code, lat, lon, households=100, members=70, federation=""):
    return HallPoint(
        code=code,
        name=code,
        federation=federation,
        lat=lat,
        lon=lon,
        households=households,
        member_households=members,
    )


# --- clustering (no database) ------------------------------------------------------------------


def test_pixel_coordinates_are_web_mercators():
    assert pixel(0, 0, 0) == pytest.approx((128, 128))
    assert pixel(0, 180, 1) == pytest.approx((512, 256))
    x, y = pixel(43.0621, 141.3544, 10)  # Sapporo
    assert (int(x // 256), int(y // 256)) == (914, 376)  # the OpenStreetMap tile of Sapporo at zoom 10


def test_halls_close_together_share_a_cell_and_far_ones_do_not():
    points = [point("a", 43.060, 141.360), point("b", 43.061, 141.361), point("c", 43.200, 141.100)]

    clusters = grid_clusters(points, zoom=10)

    assert sorted(c.members for c in clusters) == [(0, 1), (2,)]
    ab = next(c for c in clusters if len(c.members) == 2)
    assert ab.lat == pytest.approx(43.0605) and ab.lon == pytest.approx(141.3605)
    assert (ab.households, ab.member_households, ab.rate) == (200, 140, Decimal("70.00"))


def test_at_street_zoom_every_hall_is_its_own_cell():
    points = [point("a", 43.060, 141.360), point("b", 43.061, 141.361)]

    assert len(grid_clusters(points, zoom=16)) == 2


def test_the_payload_has_a_cluster_level_per_zoom_and_single_halls_by_reference():
    points = [point("a", 43.060, 141.360), point("b", 43.061, 141.361), point("c", 43.200, 141.100)]

    payload = layer_payload(points, detail_url="/associations/CODE/", labels=LABELS, min_households=20)

    assert set(payload["levels"]) == {
        str(z) for z in range(layer.CLUSTER_MIN_ZOOM, layer.CLUSTER_MAX_ZOOM + 1)
    }
    level = payload["levels"]["10"]
    assert [2] in level  # c alone: drawn as the hall itself
    cluster = next(e for e in level if len(e) > 1)
    assert cluster[2:4] == [2, "70.00%"]
    assert cluster[4] == payload["points"][0][2]  # the cluster's rate has the halls' colour class


def test_a_cluster_of_too_few_households_gets_no_rate():
    points = [
        point("a", 43.060, 141.360, households=5, members=4),
        point("b", 43.0601, 141.3601, households=6, members=5),
    ]

    payload = layer_payload(points, detail_url="/associations/CODE/", labels=LABELS, min_households=20)

    cluster = next(e for e in payload["levels"]["10"] if len(e) > 1)
    assert cluster[3] == "—"
    assert cluster[4] == "#d4d4d4"


def test_halls_without_a_count_are_grey_and_the_legend_says_so():
    points = [point("a", 43.06, 141.35), point("b", 43.2, 141.1, households=None, members=None)]

    payload = layer_payload(points, detail_url="/associations/CODE/", labels=LABELS, min_households=20)

    assert payload["points"][1][2:4] == ["#d4d4d4", "—"]
    assert payload["legend"][-1] == ["#d4d4d4", "データなし・非公表"]


def test_halls_are_drawn_in_neutral_greys_that_no_choropleth_uses():
    """Orange halls clashed with the orange map of the gap: the halls' classes are greys (no hue)."""
    points = [point(str(i), 43.06 + i / 100, 141.35, members=50 + 5 * i) for i in range(8)]

    payload = layer_payload(points, detail_url="/associations/CODE/", labels=LABELS, min_households=20)
    colours = {entry[0].lower() for entry in payload["legend"]}

    assert len(colours) >= 3
    assert all(c[1:3] == c[3:5] == c[5:7] for c in colours), colours
    assert not colours & {c.lower() for m in metrics.METRICS.values() for c in m.palette}


def test_the_json_can_sit_inside_a_script_element():
    text = layer.to_json_text({"name": "</script><script>alert(1)</script> & 町内会"})

    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["name"].endswith("& 町内会")
    assert "町内会" in text  # Japanese as is, not \\u escapes


# --- the page, per persona ---------------------------------------------------------------------


@pytest.fixture
def halls(db):
    """Two halls in 中央区 (one in a federation) and one in 北区, all counted on 2024-01-01."""
    federation = FederationFactory(ward=ward("01101"), name="大通連合町内会")
    chuo_a = AssociationFactory(
        ward=ward("01101"),
        name="会館あり中央A町内会",
        federation=federation,
        hall_latitude="43.060000",
        hall_longitude="141.350000",
    )
    chuo_b = AssociationFactory(
        ward=ward("01101"), name="会館あり中央B町内会", hall_latitude="43.061000", hall_longitude="141.351000"
    )
    kita = AssociationFactory(
        ward=ward("01102"), name="会館あり北町内会", hall_latitude="43.100000", hall_longitude="141.340000"
    )
    AssociationFactory(ward=ward("01101"), name="会館なし町内会")  # no hall position: not on the map
    for association, members in ((chuo_a, 80), (chuo_b, 60), (kita, 75)):
        HouseholdCountFactory(
            association=association, survey_date=D23, households=100, member_households=members
        )
        HouseholdCountFactory(
            association=association, survey_date=D24, households=100, member_households=members
        )
    return {"chuo_a": chuo_a, "chuo_b": chuo_b, "kita": kita}


def hall_layer(response) -> dict | None:
    match = re.search(
        r'<script type="application/json" id="association-layer-data">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1)) if match else None


def names(payload) -> list[str]:
    return sorted(p[5] for p in payload["points"])


@pytest.mark.parametrize("persona", ["city_admin", "viewer"])
def test_city_admins_and_viewers_see_every_hall(client, boundaries, halls, request, persona):
    client.force_login(request.getfixturevalue(persona))

    payload = hall_layer(client.get(PAGE))

    assert names(payload) == ["会館あり中央A町内会", "会館あり中央B町内会", "会館あり北町内会"]


def test_ward_staff_see_only_their_wards_halls(client, boundaries, halls, ward_staff_kita):
    client.force_login(ward_staff_kita)

    assert names(hall_layer(client.get(PAGE))) == ["会館あり北町内会"]


def test_an_association_leader_sees_only_their_own_hall(client, boundaries, halls, db):
    from chonaikai.accounts.models import RoleAssignment
    from tests.factories import UserFactory

    leader = UserFactory()
    RoleAssignment.objects.create(user=leader, role="association_leader", association=halls["chuo_b"])
    client.force_login(leader)

    assert names(hall_layer(client.get(PAGE))) == ["会館あり中央B町内会"]


def test_anonymous_visitors_get_no_association_layer(client, boundaries, halls):
    response = client.get(PAGE)

    assert response.status_code == 200
    assert hall_layer(response) is None
    assert "association_layer.js" not in response.content.decode()
    assert "公表用の表示" not in response.content.decode()  # the option is for signed-in users


def test_public_mode_hides_the_layer_from_signed_in_users_too(client, boundaries, halls, viewer):
    client.force_login(viewer)

    response = client.get(PAGE, {"public": "on"})

    assert hall_layer(response) is None
    assert "公表用の表示です" in response.content.decode()


def test_popups_carry_name_federation_rate_and_link_but_no_personal_data(
    client, boundaries, halls, city_admin
):
    client.force_login(city_admin)

    response = client.get(PAGE, {"survey_date": "2023-01-01"})
    payload = hall_layer(response)

    chuo_a = next(p for p in payload["points"] if p[5] == "会館あり中央A町内会")
    assert chuo_a[3] == "80.00%"
    assert payload["federations"][chuo_a[6]] == "大通連合町内会"
    assert payload["detailUrl"].replace("CODE", chuo_a[4]) == f"/associations/{halls['chuo_a'].code}/"
    html = response.content.decode()
    for personal in ("札幌 太郎", "011-000-0000"):  # the factories' representative and phone
        assert personal not in html
    assert '<script src="/static/maps/association_layer.js">' in html


def test_the_layer_is_never_part_of_the_cached_map_or_the_exports(client, boundaries, halls, city_admin):
    client.force_login(city_admin)
    client.get(PAGE)

    exported = client.get("/maps/export.html").content.decode()

    assert "association-layer-data" not in exported and "会館あり" not in exported


def test_exports_withhold_wards_below_the_publication_threshold(client, boundaries, counts, city_row):
    city_row(publication_min_households=5000)  # every ward of the fixture has 1,000 households

    html = client.get("/maps/export.html").content.decode()

    assert "世帯数が少ないため非公表" in html
    assert "61.00%" not in html
