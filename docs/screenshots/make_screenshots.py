"""Screenshots of the target page and the staff ward map for the README, from a running demo server.

    make demo                                   # in another terminal: http://127.0.0.1:8000/
    DEBUG=1 CHONAIKAI_PASSWORD=… .venv/bin/python manage.py create_account demo_staff --role ward_staff --ward CODE  # a ward code of the loaded city
    STAFF_USERNAME=demo_staff STAFF_PASSWORD=… .venv/bin/python docs/screenshots/make_screenshots.py

Writes, 1280 pixels wide, docs/screenshots/target.png (/maps/target/: the projections table, and
the city chart with the history, the target line and both projections) and
docs/screenshots/staff_map.png (/maps/ signed in as ward staff). Needs the `playwright` package
and Debian's Chromium (/usr/bin/chromium, or CHROMIUM); no browser is downloaded, and every
request to another host is refused. Without STAFF_USERNAME the staff map is skipped. BASE_URL
picks another server (default http://127.0.0.1:8000). With Pillow installed the PNGs are reduced
to a 256-colour palette (text and flat fills lose nothing visible; about 40 % of the size).
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 900}


def only_this_server(route):
    if urlsplit(route.request.url).netloc == urlsplit(BASE_URL).netloc:
        return route.continue_()
    return route.abort()


def save(png: bytes, path: Path) -> None:
    """The screenshot, as a palette PNG when Pillow is there (text and flat fills lose nothing)."""
    try:
        from PIL import Image
    except ImportError:
        path.write_bytes(png)
    else:
        image = Image.open(io.BytesIO(png)).convert("RGB")
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path.relative_to(HERE.parent.parent)}: {path.stat().st_size // 1024} KB")


def clip_between(page, first: str, last: str) -> bytes:
    """The page's full width from the top of `first` to the bottom of `last`."""
    top, bottom = page.evaluate(
        """([first, last]) => [
            document.querySelector(first).getBoundingClientRect().top + window.scrollY,
            document.querySelector(last).getBoundingClientRect().bottom + window.scrollY,
        ]""",
        [first, last],
    )
    return page.screenshot(
        clip={"x": 0, "y": top - 16, "width": VIEWPORT["width"], "height": bottom - top + 32}, full_page=True
    )


def target_page(page) -> bytes:
    """The projections table and the city chart (history, target line, projections) below it."""
    page.goto(f"{BASE_URL}/maps/target/", wait_until="networkidle")
    return clip_between(page, "#projections", "#target-chart")


def staff_map(page, username: str, password: str) -> bytes:
    """The ward map as ward staff see it: the hall layer is offered but off until they tick it."""
    page.goto(f"{BASE_URL}/accounts/login/?next=/maps/", wait_until="networkidle")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="ログインする").click()
    page.wait_for_load_state("networkidle")
    if "/accounts/login/" in page.url:
        sys.exit("login failed: check STAFF_USERNAME and STAFF_PASSWORD")
    page.wait_for_function(
        "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length >= 10",
        timeout=20000,
    )
    page.wait_for_timeout(500)  # Leaflet's fade-in of the labels
    return clip_between(page, ".ward-map-section", ".ward-map-exports")


def main() -> None:
    username = os.environ.get("STAFF_USERNAME", "")
    password = os.environ.get("STAFF_PASSWORD", "")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="ja-JP")
            page = context.new_page()
            page.route("**/*", only_this_server)
            save(target_page(page), HERE / "target.png")
            if username:
                save(staff_map(page, username, password), HERE / "staff_map.png")
            else:
                print("STAFF_USERNAME not set: staff_map.png not made")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
