"""The association list API and the maps."""

from __future__ import annotations

import json
import re
import time

from bench.measure.common import bench_admin, figure, timed

# ---------------------------------------------------------------------------------------------
# The association list API and the maps
# ---------------------------------------------------------------------------------------------


def measure_api(size: str) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    client = Client()

    def page(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    p50 = timed(lambda: page("/api/v1/associations/"), runs=15, warmup=2)
    counts = []
    for url in (
        "/api/v1/associations/",
        "/api/v1/associations/?page=2",
        "/api/v1/associations/?page_size=200",
    ):
        with CaptureQueriesContext(connection) as queries:
            page(url)
        counts.append(len(queries))
    total = page("/api/v1/associations/").json()["count"]
    figure(
        "api_list_p50",
        f"API association list, page of 50 of {total:,}, p50",
        p50,
        "ms",
        50,
        note=f"queries per page (page 1, page 2, 200 rows): {counts}",
    )
    figure(
        "api_list_queries",
        "API association list, queries per page (any page, any size)",
        max(counts),
        "queries",
        2,
    )
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        page("/api/v1/associations/")
        uncached = (time.perf_counter() - start) * 1000
    figure(
        "api_list_uncounted",
        "API association list, page 1 with the total not yet cached",
        uncached,
        "ms",
        None,
        note=f"{len(queries)} queries (COUNT(*) included)",
    )


def measure_maps(size: str) -> None:
    from django.core.cache import cache
    from django.test import Client

    from maps import selectors as map_selectors

    client = Client()
    cache.clear()
    start = time.perf_counter()
    client.get("/maps/?public=on&metric=members")  # loads folium, geopandas: once per process
    first = (time.perf_counter() - start) * 1000
    cache.clear()
    start = time.perf_counter()
    response = client.get("/maps/?public=on")
    cold = (time.perf_counter() - start) * 1000
    assert response.status_code == 200
    figure(
        "map_cold",
        "ward choropleth page, cold (render + cache)",
        cold,
        "ms",
        1000,
        note=f"first render in a new process, with the map libraries' import: {first:.0f} ms",
    )
    cached = timed(lambda: client.get("/maps/?public=on"), runs=15, warmup=2)
    figure(
        "map_cached",
        "ward choropleth page, cached",
        cached,
        "ms",
        20,
        note=f"page {len(response.content) // 1024} KB",
    )
    geometry = sum(len(g.encode()) for g in map_selectors.ward_geometries(full=False).values())
    figure("map_geometry", "ward geometry on the page (coverage-simplified)", geometry / 1024, "KB", 100)

    client.force_login(bench_admin())
    start = time.perf_counter()
    response = client.get("/maps/")
    elapsed = (time.perf_counter() - start) * 1000
    match = re.search(
        rb'<script type="application/json" id="association-layer-data">(.*?)</script>', response.content, re.S
    )
    layer_bytes = len(match.group(1)) if match else 0
    data = json.loads(match.group(1)) if match else {}
    halls = len(data.get("points", [])) or "none (fetched per viewport)"
    figure(
        "map_layer_payload",
        "association-point layer payload (city administrator, every hall)",
        layer_bytes / 1024 / 1024,
        "MB",
        2,
        note=f"page {elapsed:.0f} ms; levels embedded {sorted(data.get('levels', {}), key=int)}; "
        f"points embedded: {halls}; remote: {'remote' in data}",
    )
    if "remote" in data:
        viewport = f"{data['remote']}&zoom=14&bbox=43.02,141.28,43.10,141.42"
        ms = timed(lambda: client.get(viewport), runs=5)
        size_kb = len(client.get(viewport).content) / 1024
        figure(
            "map_layer_viewport",
            "association layer, one viewport at zoom 14",
            ms,
            "ms",
            500,
            note=f"{size_kb:.0f} KB",
        )
