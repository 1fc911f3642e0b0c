"""Locust users for the load test (bench/load/run.py starts locust with this file; see bench/README.md).

    LOAD_PLAN=plan.json LOAD_OUT=out.json locust -f bench/load/locustfile.py --headless ...

Four kinds of user, all FastHttpUser (geventhttpclient: a light load generator on a 2-core box):

- Visitor: anonymous, browses the association list (pages, ward filter, search), association
  pages, the ward map (survey dates and metrics at random), the dashboard, wards and the time view.
- ApiClient: anonymous scripts: the membership statistics API at every level, the associations API.
- Viewer: signs in (viewer role) and browses the same pages, the staff map and the statistics.
- WardStaff: signs in as a ward's staff and saves counts for the open round, for the associations
  the plan gives it alone: through the API (POST /api/v1/counts/, with the version it last saw)
  and through the entry grid's form (several rows at once, each with its version); it also reads
  the grid page, the grid API (and checks that the versions there are its own) and the round page.
  Every save carries new values (previous survey + a per-user sequence) and a note naming the
  user and the sequence; the user remembers what it saved in LEDGER.

Requests are named "<kind>: <what>" (read, write, login, static). Every request's time and outcome
is recorded (SAMPLES), and at the end SAMPLES, LEDGER and the first error messages are written to
LOAD_OUT for run.py, which prints the table and checks the ledger against the database.

The users talk to gunicorn as the city's proxy would: X-Forwarded-Proto https (the production
settings redirect plain http), an X-Forwarded-For address of their own (TRUSTED_PROXY_COUNT=1, so
the API's per-address throttle sees 50 clients, not one), and a same-origin https Referer on POSTs
(Django's CSRF check for secure requests). Their cookie jar sends the Secure session and CSRF
cookies over the plain loopback connection (BehindTLS), as a browser sends them to the proxy over
HTTPS: the production cookie settings stay as they are.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import defaultdict
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlencode, urlsplit

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
OUT = os.environ["LOAD_OUT"]
STATIC = os.environ.get("LOAD_STATIC", "1") == "1"
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "1,3").split(","))

ROUND = PLAN["round"]
DATES = PLAN["survey_dates"]
WARDS = PLAN["wards"]
CODES = PLAN["associations"]
METRICS = ("rate", "change", "members", "gap")
LEVELS = ("city", "ward", "district", "federation")

SAMPLES: list[tuple[str, float, bool, float]] = []  # name, ms, ok, start (epoch seconds)
ERRORS: dict[str, list[str]] = defaultdict(list)
LEDGER: dict[str, dict] = {}  # association code → what its one author saved last
_addresses = itertools.count(1)
_staff = itertools.count()
_viewers = itertools.count()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, start_time=None, **_kw):
    SAMPLES.append((name, round(response_time, 2), exception is None, start_time or time.time()))
    if exception is not None and len(ERRORS[name]) < 5:
        ERRORS[name].append(str(exception)[:300])


@events.test_stop.add_listener
def _write(**_kw):
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"samples": SAMPLES, "errors": ERRORS, "ledger": LEDGER}, f, ensure_ascii=False)


class BehindTLS(DefaultCookiePolicy):
    """Secure cookies go out on the loopback hop too: the user stands for a browser on HTTPS."""

    def return_ok_secure(self, cookie, request):
        return True


class Base(FastHttpUser):
    abstract = True
    wait_time = between(*WAIT)
    network_timeout = 30.0
    connection_timeout = 10.0

    browser = True  # fetches the site's stylesheet (and Leaflet with the first map) once, as a browser would

    def on_start(self):
        self.client.cookiejar.set_policy(BehindTLS())
        n = next(_addresses)
        self.address = f"127.0.{n // 250}.{n % 250 + 1}"
        self.origin = "https://" + urlsplit(self.host).netloc
        if STATIC and self.browser:
            self.static("css/site.css")

    # --- requests -------------------------------------------------------------------------------

    def headers(self, **extra) -> dict:
        return {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Accept-Language": "ja",
            **extra,
        }

    def read(self, path: str, name: str, *, expect=(200,), check=None):
        with self.client.get(path, name=f"read: {name}", headers=self.headers(), catch_response=True) as r:
            if r.status_code not in expect:
                r.failure(f"{r.status_code} for {path}: {(r.text or '')[:200]}")
            elif check is not None and (problem := check(r)):
                r.failure(problem)
            return r

    def static(self, path: str):
        with self.client.get(
            f"/static/{path}", name=f"static: {path}", headers=self.headers(), catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} for /static/{path}")

    def csrf_token(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def post_headers(self, path: str, **extra) -> dict:
        return self.headers(Referer=self.origin + path, **extra)

    def login(self, username: str) -> bool:
        path = "/accounts/login/"
        self.read(path, "login page")
        body = urlencode(
            {"username": username, "password": PLAN["password"], "csrfmiddlewaretoken": self.csrf_token()}
        )
        headers = self.post_headers(path, **{"Content-Type": "application/x-www-form-urlencoded"})
        with self.client.post(
            path,
            data=body,
            name="login: sign in",
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"{r.status_code}: sign-in refused for {username}")
                return False
        return True

    # --- pages everyone reads -----------------------------------------------------------------

    def association_list(self):
        choice = random.random()
        if choice < 0.4:
            query = {"page": random.randint(1, len(CODES) // 50)}
        elif choice < 0.7:
            query = {"ward": random.choice(WARDS), "page": random.randint(1, 4)}
        elif choice < 0.9:
            query = {"q": f"ごうせいだい{random.randint(1, 220)}"}  # i18n: data
        else:
            query = {}
        self.read("/associations/?" + urlencode(query), "association list")

    def association_detail(self):
        self.read(f"/associations/{random.choice(CODES)}/", "association page")

    def ward_map(self, name="map page", **extra):
        query = {"survey_date": random.choice(DATES), "metric": random.choice(METRICS), **extra}
        self.read("/maps/?" + urlencode(query), name)
        if STATIC and self.browser and not getattr(self, "_leaflet", False):
            self._leaflet = True
            self.static("leaflet/leaflet.js")
            self.static("leaflet/leaflet.css")

    def stats_api(self, name="stats API"):
        level = random.choice(LEVELS)
        query = {"level": level, "survey_date": random.choice(DATES)}
        if level != "city" and random.random() < 0.5:
            query["ward"] = random.choice(WARDS)
        self.read("/api/v1/stats/membership/?" + urlencode(query), name)


class Visitor(Base):
    """Anonymous visitor of the public pages."""

    weight = 3

    @task(4)
    def list_page(self):
        self.association_list()

    @task(3)
    def detail_page(self):
        self.association_detail()

    @task(3)
    def map_page(self):
        self.ward_map()

    @task(1)
    def dashboard(self):
        self.read("/", "dashboard")

    @task(1)
    def wards(self):
        self.read("/wards/", "ward list")

    @task(1)
    def time_view(self):
        self.read(f"/maps/series/?metric={random.choice(('rate', 'members'))}", "map time view")


class ApiClient(Base):
    """An anonymous script reading the API."""

    weight = 2
    browser = False

    @task(5)
    def stats(self):
        self.stats_api()

    @task(2)
    def associations(self):
        query = {"page": random.randint(1, len(CODES) // 50)}
        if random.random() < 0.5:
            query = {"ward": random.choice(WARDS)}
        self.read("/api/v1/associations/?" + urlencode(query), "associations API")

    @task(1)
    def association(self):
        self.read(f"/api/v1/associations/{random.choice(CODES)}/", "association API")

    @task(1)
    def survey_dates(self):
        self.read("/api/v1/survey-dates/", "survey dates API")


class Viewer(Base):
    """A signed-in viewer (city-wide reading, no editing)."""

    fixed_count = len(PLAN["viewers"])

    def on_start(self):
        super().on_start()
        self.username = PLAN["viewers"][next(_viewers) % len(PLAN["viewers"])]
        self.login(self.username)

    @task(3)
    def list_page(self):
        self.association_list()

    @task(2)
    def detail_page(self):
        self.association_detail()

    @task(3)
    def map_page(self):
        self.ward_map("map page (signed in)")

    @task(2)
    def stats(self):
        self.stats_api("stats API (signed in)")


class WardStaff(Base):
    """Ward office staff entering this round's counts for their associations."""

    fixed_count = len(PLAN["staff"])

    def on_start(self):
        super().on_start()
        index = next(_staff)
        if index >= len(PLAN["staff"]):
            raise RuntimeError("more ward staff users than staff accounts in the plan")
        self.me = PLAN["staff"][index]
        self.ward = self.me["ward"]
        self.sequence = 0
        self.signed_in = self.login(self.me["username"])

    # --- what it saves ------------------------------------------------------------------------

    def _next_values(self, association: dict) -> dict:
        """New values for one association: previous survey + this user's sequence, with a note."""
        self.sequence += 1
        households = association["households"] + self.sequence
        members = min(households, association["members"] + self.sequence // 2)
        return {
            "households": households,
            "members": members,
            "note": f"load {self.me['username']} #{self.sequence}",
        }

    def _begin(self, association: dict, values: dict) -> dict:
        """Record a save about to be sent: until it is confirmed, either value may be in the database."""
        held = LEDGER.get(association["code"])
        entry = {
            **values,
            "version": (held["version"] if held else 0) + 1,
            "saves": (held["saves"] if held else 0) + 1,
            "user": self.me["username"],
            "pending": True,
            "before": held and {k: held[k] for k in ("households", "members", "note", "version", "saves")},
        }
        LEDGER[association["code"]] = entry
        return entry

    def _settle(self, association: dict, entry: dict, *, saved: bool, known: bool) -> None:
        """After the answer: confirmed, or refused (nothing written), or unknown (no answer)."""
        if saved:
            entry["pending"] = False
            entry["before"] = None
        elif known:  # a refusal: the save wrote nothing
            before = entry["before"]
            if before is None:
                LEDGER.pop(association["code"], None)
            else:
                LEDGER[association["code"]] = {
                    **before,
                    "user": entry["user"],
                    "pending": False,
                    "before": None,
                }

    def _version(self, association: dict) -> int:
        held = LEDGER.get(association["code"])
        return held["version"] if held else 0

    # --- tasks -----------------------------------------------------------------------------------

    @task(4)
    def save_through_api(self):
        if not self.signed_in:
            self.signed_in = self.login(self.me["username"])
            return
        association = random.choice(self.me["associations"])
        version = self._version(association)
        values = self._next_values(association)
        entry = self._begin(association, values)
        body = json.dumps(
            {
                "association": association["code"],
                "survey_date": ROUND,
                "households": values["households"],
                "member_households": values["members"],
                "note": values["note"],
                "version": version,
            }
        )
        path = "/api/v1/counts/"
        headers = self.post_headers(
            path,
            **{
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.csrf_token(),
            },
        )
        with self.client.post(
            path, data=body, name="write: save count (API)", headers=headers, catch_response=True
        ) as r:
            ok = r.status_code in (200, 201)
            if ok:
                count = r.json()["count"]
                if count["version"] != entry["version"] or count["households"] != values["households"]:
                    r.failure(f"saved {count} but expected version {entry['version']} and {values}")
            else:
                r.failure(f"{r.status_code}: {(r.text or '')[:300]}")
            self._settle(association, entry, saved=ok, known=r.status_code > 0)

    @task(2)
    def save_through_grid(self):
        if not self.signed_in:
            return
        chosen = random.sample(self.me["associations"], k=min(3, len(self.me["associations"])))
        path = f"/counts/{self.ward}/{ROUND}/"
        form = {"csrfmiddlewaretoken": self.csrf_token(), "reason": ""}
        pending = []
        for association in chosen:
            held = LEDGER.get(association["code"])
            prefix = f"a{association['id']}"
            form[f"initial-{prefix}-households"] = held["households"] if held else ""
            form[f"initial-{prefix}-member_households"] = held["members"] if held else ""
            form[f"initial-{prefix}-note"] = held["note"] if held else ""
            form[f"{prefix}-version"] = self._version(association)
            values = self._next_values(association)
            form[f"{prefix}-households"] = values["households"]
            form[f"{prefix}-member_households"] = values["members"]
            form[f"{prefix}-note"] = values["note"]
            pending.append((association, self._begin(association, values)))
        headers = self.post_headers(path, **{"Content-Type": "application/x-www-form-urlencoded"})
        with self.client.post(
            path,
            data=urlencode(form),
            name="write: save grid rows (form)",
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            ok = r.status_code == 302 and urlsplit(r.headers.get("Location", "")).path == path
            if not ok:
                r.failure(f"{r.status_code}: {(r.text or '')[:300]}")
            for association, entry in pending:
                self._settle(association, entry, saved=ok, known=r.status_code > 0)

    @task(1)
    def grid_page(self):
        if self.signed_in:
            self.read(f"/counts/{self.ward}/{ROUND}/", "entry grid page")

    @task(1)
    def grid_api(self):
        if not self.signed_in:
            return
        mine = {a["code"] for a in self.me["associations"]}

        def versions_are_mine(r) -> str:
            for row in r.json()["rows"]:
                held = LEDGER.get(row["association"])
                if row["association"] not in mine or held is None or held["pending"]:
                    continue
                current = row["current"] or {}
                if current.get("version") != held["version"]:
                    return f"{row['association']}: version {current.get('version')}, saved {held['version']}"
            return ""

        self.read(f"/api/v1/wards/{self.ward}/counts/{ROUND}/", "entry grid API", check=versions_are_mine)

    @task(1)
    def round_page(self):
        if self.signed_in:
            self.read(f"/counts/rounds/{ROUND}/", "round overview")

    @task(1)
    def map_page(self):
        self.ward_map("map page (signed in)", survey_date="")  # the latest date: this round's, once saved
