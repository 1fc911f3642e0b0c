"""The map page in headless Chromium, with every request to another host blocked.

Needs Debian's chromium (/usr/bin/chromium) and the `playwright` Python package; no browser is
ever downloaded (playwright drives the system Chromium through executable_path). Skipped with
the reason when either is missing. Run alone with `pytest -m browser`.
"""

import json
import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.harness import CHROMIUM, chromium
from tests.maps.boundary_files import REPO

SCREENSHOTS = REPO / "artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = [
    pytest.mark.browser,
    # live_server serves from another thread: the rows must be committed, and the wards the
    # migrations loaded are restored afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not CHROMIUM.is_file(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    ),
]


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def open_page(browser, live_server, *, cookies=()):
    """A page whose requests to any host but this machine are aborted (and recorded)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ja-JP")
    context.add_cookies([{"name": k, "value": v, "url": live_server.url} for k, v in cookies])
    page = context.new_page()
    blocked, errors = [], []

    def only_local(route):
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            return route.continue_()
        blocked.append(route.request.url)
        return route.abort()

    page.route("**/*", only_local)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return page, blocked, errors


def test_the_ward_map_is_drawn_offline_with_its_ten_ward_paths(live_server, boundaries, counts, browser):
    page, blocked, errors = open_page(browser, live_server)
    page.goto(f"{live_server.url}/maps/", wait_until="networkidle")
    page.wait_for_function(
        "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length >= 10",
        timeout=15000,
    )
    paths = page.locator(".leaflet-overlay-pane path.leaflet-interactive")
    ward_paths = paths.count()
    fills = {paths.nth(i).get_attribute("fill") for i in range(ward_paths)}
    legend = page.locator(".ward-map-legend").inner_text()
    labels = page.locator(".ward-label").count()
    # What Tab reaches inside the map, and the name each one has for a screen reader.
    unnamed = page.evaluate(
        """() => {
            const map = document.querySelector(".ward-map");
            const focusable = [map, ...map.querySelectorAll("path.leaflet-interactive, a[href], [tabindex]")];
            return focusable
                .filter(e => !(e.getAttribute("aria-label") || e.textContent.trim() || e.getAttribute("title")))
                .map(e => e.outerHTML.slice(0, 80));
        }"""
    )
    area_names = page.evaluate(
        "() => [...document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')]"
        ".map(e => e.getAttribute('aria-label'))"
    )
    map_name = page.locator(".ward-map").get_attribute("aria-label")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "maps.png"), full_page=True)

    assert ward_paths == 10
    assert len(fills) > 1 and "#000000" not in fills
    assert "加入率（%）" in legend
    assert labels == 10
    assert unnamed == []
    assert "中央区 加入率（%） 61.00%" in area_names  # 610 of 1,000 households (the counts fixture)
    assert map_name and "加入率" in map_name
    assert blocked == []  # the page asked nothing of any other host
    assert [e for e in errors if "favicon" not in e] == []
    assert (SCREENSHOTS / "maps.png").stat().st_size > 10_000


def test_a_viewer_turns_the_hall_layer_on_and_sees_halls_clustered_and_single_halls_when_zoomed_in(
    live_server, boundaries, counts, viewer, browser
):
    from django.test import Client

    from chonaikai.associations.models import Association

    Association.objects.update(hall_latitude="43.060000", hall_longitude="141.355000")  # all in one spot
    client = Client()
    client.force_login(viewer)
    cookies = [("sessionid", client.cookies["sessionid"].value)]

    page, blocked, errors = open_page(browser, live_server, cookies=cookies)
    page.goto(f"{live_server.url}/maps/", wait_until="networkidle")
    page.wait_for_selector(".leaflet-control-layers", timeout=15000)
    # Off until asked for: the halls would cover the ward labels.
    toggle = page.get_by_label("町内会（会館の位置）")
    checked_at_start = toggle.is_checked()
    clusters_at_start = page.locator(".hall-cluster").count()
    legends_at_start = page.locator(".hall-legend").count()
    toggle.check()
    page.wait_for_selector(".hall-cluster", timeout=15000)
    legend = page.locator(".hall-legend").inner_text()
    cluster_text = page.locator(".hall-cluster").first.inner_text()
    data = json.loads(page.locator("#association-layer-data").text_content())
    page.evaluate("window[document.querySelector('.ward-map').id].setView([43.06, 141.355], 15)")
    page.wait_for_selector("path.hall-point", timeout=15000)
    halls = page.locator("path.hall-point").count()
    hall_names = page.evaluate(
        "() => [...document.querySelectorAll('path.hall-point')].map(e => e.getAttribute('aria-label'))"
    )
    page.locator("path.hall-point").first.click(force=True)
    popup = page.locator(".hall-popup").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".ward-map").screenshot(path=str(SCREENSHOTS / "maps-halls.png"))

    assert (checked_at_start, clusters_at_start, legends_at_start) == (False, 0, 0)
    assert "町内会の会館" in legend and "加入率" in legend  # the layer's own legend, once shown
    assert cluster_text == "10"  # ten halls in one cell at city zoom
    assert halls == len(data["points"]) == 10
    assert all(name and re.search(r" 加入率: \d+\.\d\d%$", name) for name in hall_names), hall_names
    assert re.search(r"加入率: \d+\.\d\d%", popup) and "町内会のページを開く" in popup
    assert blocked == []
    assert [e for e in errors if "favicon" not in e] == []
