"""What every end-to-end journey shares: the browser, numbered screenshots, axe-core on every page.

A journey drives Debian's Chromium (/usr/bin/chromium) through the `playwright` package; no browser
is ever downloaded. Every request to a host other than this machine is aborted and every script
error or Content-Security-Policy refusal is recorded, so a journey that passes also shows that the
pages work offline and under the real CSP.

`Journey.step(name)` saves artifacts/screenshots/<journey>/NN-name.png and runs axe-core
(axe-playwright-python) on the page (long tables: see AXE_CONTEXT). `Journey.finish()` fails the
test when any page had a serious or critical violation (with axe's help text and the elements),
when a page that the browser showed was never checked, when a page's <html lang> was not the
journey's language, when a script failed or when a request left this machine. Every finding,
moderate and minor ones too, is written to artifacts/axe/<journey>.json for people to read.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = REPO / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORTS = ARTIFACTS / "axe"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
BLOCKING_IMPACTS = ("serious", "critical")
# What axe-core leaves out: the body rows of a table after its 25th that mark no state (no class
# naming an error, a flag or a warning). They are made by the same code as the rows before them, and
# a 300-row grid or preview took axe 4–6 s a page; the first 25, and every row in a marked state
# wherever it is, are audited as before.
AXE_CONTEXT = {
    "exclude": ['tbody > tr:nth-child(n+26):not([class*="error"]):not([class*="flag"]):not([class*="warn"])']
}
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's

# Markers for every module of this package: a real browser against live_server (which serves from
# another thread, so rows must be committed; the wards and programmes the migrations loaded are
# restored afterwards).
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not CHROMIUM.is_file(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    ),
]


@contextlib.contextmanager
def chromium() -> Iterator:
    """Headless Debian Chromium through playwright's sync API, closed at the end.

    Playwright's event loop runs in this thread meanwhile: Django would refuse the ORM (it sees an
    async context), so DJANGO_ALLOW_ASYNC_UNSAFE is set for the while, and a test can read and
    change the database between steps (live_server answers from its own thread either way).
    Django keeps this thread's database connections apart from the ones it had before (asgiref's
    Local follows the running loop), and nothing else would close the ones opened meanwhile: on
    PostgreSQL one left open stopped the test database from being dropped at the end of the run.
    They are closed here, before the loop stops.
    """
    from django.db import connections

    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed (pip install playwright)"
    )
    with (
        mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"}),
        sync_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            connections.close_all()
            browser.close()


def _document(url: str) -> str:
    """The URL without its fragment: following #main stays on the same page."""
    return url.split("#", 1)[0]


def ignorable_console_error(text: str) -> bool:
    # The breakdown endpoint answers 400 for lines it cannot compute yet, and there is no favicon:
    # Chromium logs both as "Failed to load resource". A CSP refusal or a script error is not ignorable.
    return text.startswith("Failed to load resource")


@dataclass
class Journey:
    """One person's way through the site in one browser page."""

    page: object
    name: str
    base_url: str
    step_number: int = 0
    violations: list[str] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    audited: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    lang: str = "ja"  # what <html lang> must say on every page of the journey
    wrong_lang: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.directory = SCREENSHOTS / self.name
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        page = self.page
        page.on("framenavigated", self._navigated)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"{page.url}: {message.text}")
                if message.type == "error" and not ignorable_console_error(message.text)
                else None
            ),
        )
        page.route("**/*", self._only_local)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url.startswith("http"):
            self.visited.append(_document(frame.url))

    def _only_local(self, route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, name: str | None = None) -> None:
        """Open `path` (as typed in the address bar) and, given a name, record it as a step."""
        self.page.goto(self.url(path), wait_until="load")
        if name:
            self.step(name)

    def step(self, name: str, *, audit: bool = True, full_page: bool = True) -> Path:
        """A numbered screenshot of what is on screen now (the whole page unless told), and axe-core on it."""
        self.page.wait_for_load_state("load")
        self.step_number += 1
        path = self.directory / f"{self.step_number:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        lang = self.page.evaluate("() => document.documentElement.lang")
        if lang != self.lang:
            self.wrong_lang.append(f"{path.name}: {self.page.url} has lang={lang!r}, not {self.lang!r}")
        if audit:
            self.audit(name)
        return path

    def audit(self, name: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page, context=AXE_CONTEXT).response
        url = self.page.url
        self.audited.add(_document(url))
        title = self.page.title()
        for violation in results["violations"]:
            nodes = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
            record = {
                "step": f"{self.step_number:02d}-{name}",
                "url": url,
                "title": title,
                "id": violation["id"],
                "impact": violation["impact"],
                "help": violation["help"],
                "targets": nodes,
            }
            self.findings.append(record)
            if violation["impact"] in BLOCKING_IMPACTS:
                self.violations.append(
                    f"[{record['step']}] {urlsplit(url).path} 「{title}」: {violation['id']} "
                    f"({violation['impact']}) {violation['help']} — {violation['helpUrl']}\n"
                    + "\n".join(f"      {target}" for target in nodes[:10])
                )

    def finish(self) -> None:
        """Fail on serious/critical axe findings, unchecked pages, script errors, outside requests."""
        AXE_REPORTS.mkdir(parents=True, exist_ok=True)
        (AXE_REPORTS / f"{self.name}.json").write_text(
            json.dumps(
                {"pages": sorted(self.audited), "findings": self.findings}, ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
        unchecked = sorted(set(self.visited) - self.audited)
        problems = []
        if self.violations:
            problems.append("axe-core found serious or critical violations:\n" + "\n".join(self.violations))
        if unchecked:
            problems.append("pages shown but never checked with axe-core:\n" + "\n".join(unchecked))
        if self.wrong_lang:
            problems.append("pages in the wrong language:\n" + "\n".join(self.wrong_lang))
        if self.errors:
            problems.append("script errors or CSP refusals:\n" + "\n".join(self.errors))
        if self.blocked:
            problems.append("requests to other hosts:\n" + "\n".join(self.blocked))
        assert not problems, "\n\n".join(problems)


# ---------------------------------------------------------------------------------------------
# What a person does
# ---------------------------------------------------------------------------------------------


def log_in(journey: Journey, username: str, *, next_path: str = "/", password: str = PASSWORD) -> None:
    """Through the login page, typing the user name and password as a person would."""
    page = journey.page
    journey.goto(f"/accounts/login/?next={next_path}")
    journey.step(f"login-{username}")
    page.get_by_label("ユーザー名").press_sequentially(username)
    page.get_by_label("パスワード", exact=True).press_sequentially(password)
    with page.expect_navigation():
        page.get_by_role("button", name="ログインする").click()


def log_out(journey: Journey) -> None:
    page = journey.page
    with page.expect_navigation():
        page.get_by_role("button", name="ログアウト").click()


def focused(page) -> dict:
    """What has the keyboard focus: tag, id, name, type, and its text or value."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            return {
                tag: e.tagName.toLowerCase(),
                id: e.id || "",
                name: e.getAttribute("name") || "",
                type: e.getAttribute("type") || "",
                value: e.value === undefined ? "" : String(e.value),
                text: (e.innerText || e.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 120),
                outlineStyle: getComputedStyle(e).outlineStyle,
                outlineWidth: getComputedStyle(e).outlineWidth,
            };
        }"""
    )


def tab_to(page, matches, *, limit: int = 80, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element satisfies `matches`; it returns that element.

    Every stop on the way must show where the focus is (a visible outline), as a keyboard user needs.
    """
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if now["tag"] != "body":
            assert now["outlineStyle"] != "none" and now["outlineWidth"] != "0px", (
                f"no visible focus on {now}"
            )
        if matches(now):
            return now
    raise AssertionError(f"{key} pressed {limit} times without reaching the element (last: {focused(page)})")


def by_text(text: str):
    return lambda element: text in element["text"] or text == element["value"]


def by_id(element_id: str):
    return lambda element: element["id"] == element_id


_DATE_ORDERS = (("year", "month", "day"), ("month", "day", "year"), ("day", "month", "year"))


def date_field_order(context) -> tuple[str, ...]:
    """The order in which this browser's date fields take year, month and day from the keyboard.

    It follows the browser's own language, not the page's: a Japanese Chrome takes 年/月/日, the
    headless Debian Chromium month/day/year. Found by typing a date into a blank page.
    """
    parts = {"year": "2003", "month": "01", "day": "02"}
    page = context.new_page()
    try:
        page.set_content('<input type="date" id="d">')
        for order in _DATE_ORDERS:
            page.evaluate('() => { document.body.innerHTML = \'<input type="date" id="d">\'; }')
            page.focus("#d")
            for part in order:
                page.keyboard.type(parts[part])
            if page.eval_on_selector("#d", "e => e.value") == "2003-01-02":
                return order
    finally:
        page.close()
    raise AssertionError("could not find the order of this browser's date fields")


def type_date(page, iso: str, order: tuple[str, ...]) -> None:
    """Type an ISO date into the focused date field, segment by segment, as a person would."""
    year, month, day = iso.split("-")
    parts = {"year": year, "month": month, "day": day}
    for part in order:
        page.keyboard.type(parts[part])


def choose_file_with_space(page, path) -> None:
    """Space on the focused file field opens the file chooser, as it does for a person; `path` is chosen.

    Headless Chromium now and then lets a key press on a file field pass without opening the
    chooser when the machine is loaded (seen in parallel runs): press again, as a person would,
    with the focus still on the field.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    field_id = focused(page)["id"]
    for attempt in range(3):
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Space")
            break
        except PlaywrightTimeoutError:
            assert attempt < 2, "Space on the file field never opened the file chooser"
            assert focused(page)["id"] == field_id
    chooser.value.set_files(str(path))
