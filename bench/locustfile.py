"""Load scenarios for `make bench` (bench/run.py runs each one alone).

    Ceiling      GET /healthz/: a trivial Django view, no database, no template
    StartPage    GET /: the start page, anonymous
    Facilities   GET /facilities/ with a few searches (skipped if the page is absent)
    MyFilings    GET /filings/: the demo retiree's filings, logged in
    SubmitFiling the whole journey for a fresh person: register (logs in), six
                 steps, the check page, submit, the done page

Each locust user runs one scenario against the gunicorn on the loopback
address that bench/run.py started; nothing else is ever contacted.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import sys
import time
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.idnumbers import make_id_number
from tests.reliability.portal_http import CSRF_RE, TOKEN_RE, portal_today

DEMO_MOBILE = "13955100001"  # 张桂兰, the demo retiree (seed_demo)
DEMO_PASSWORD = "Demo-2026!"  # noqa: S105 - the published demo password
FRESH_PASSWORD = "Bench-Journey-2026"  # noqa: S105
REGIONS = ["340102", "340104", "110101", "320102", "330102", "420102", "510104", "440103"]
# A different range of fresh people on every run (the bench database is kept).
_fresh = itertools.count(int(os.environ.get("BENCH_RUN_SEED", "0")) * 100_000)


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    return found.group(1) if found else ""


class Ceiling(HttpUser):
    wait_time = between(0, 0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz/", name="healthz (ceiling)")


class StartPage(HttpUser):
    wait_time = between(0, 0)

    @task
    def home(self) -> None:
        self.client.get("/", name="start page")


class Facilities(HttpUser):
    wait_time = between(0, 0)
    searches = ["", "?q=医院", "?city=310100", "?q=药店&city=110100", "?kind=hospital&city=310100"]

    @task
    def lookup(self) -> None:
        self.client.get("/facilities/" + random.choice(self.searches), name="facility lookup")  # noqa: S311


class MyFilings(HttpUser):
    wait_time = between(0, 0)

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        self.client.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": csrf_of(page.text),
                "username": DEMO_MOBILE,
                "password": DEMO_PASSWORD,
            },
            name="login",
        )

    @task
    def my_filings(self) -> None:
        with self.client.get("/filings/", name="my filings", catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure("not logged in")


class SubmitFiling(HttpUser):
    wait_time = between(0, 0)

    def post(self, path: str, data: dict[str, str], csrf: str, name: str) -> bool:
        with self.client.post(
            path,
            {"csrfmiddlewaretoken": csrf, **data},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}")
                return False
            return True

    @task
    def whole_journey(self) -> None:
        started = time.perf_counter()
        if self.journey():
            self.environment.events.request.fire(
                request_type="JOURNEY",
                name="journey: whole, fresh person (11 requests)",
                response_time=(time.perf_counter() - started) * 1000,
                response_length=0,
                exception=None,
                context={},
            )

    def journey(self) -> bool:
        self.client.cookies.clear()
        n = next(_fresh)
        born = dt.date(1945, 1, 1) + dt.timedelta(days=n % 20000)
        region = REGIONS[(n // 20000) % len(REGIONS)]
        page = self.client.get("/accounts/register/", name="journey: register page")
        csrf = csrf_of(page.text)
        person = {
            # Names follow the ID card's rules: characters, no digits.
            "full_name": "压测" + "".join("零一二三四五六七八九"[int(d)] for d in str(n)),
            "id_number": make_id_number(region, born, (n // 160000) % 1000),
            "mobile": f"171{n % 100_000_000:08d}",
            "email": "",
            "insured_region": "340100",
            "scheme": "employee",
            "member_status": "retired",
            "password1": FRESH_PASSWORD,
            "password2": FRESH_PASSWORD,
        }
        if not self.post("/accounts/register/", person, csrf, "journey: register"):
            return False
        page = self.client.get("/filings/new/category/", name="journey: step pages")
        csrf = csrf_of(page.text)
        steps = [
            ("category", {"category": "retired"}),
            ("destination", {"province": "310000", "destination": "310100"}),
            ("dates", {"start_date": portal_today().isoformat()}),
            ("details", {"contact_phone": person["mobile"]}),
            ("evidence", {"evidence": "commitment"}),
            ("consent", {"accept": "on"}),
        ]
        for step, data in steps:
            if not self.post(f"/filings/new/{step}/", data, csrf, "journey: answer a step"):
                return False
        check = self.client.get("/filings/new/check/", name="journey: check page")
        token = TOKEN_RE.search(check.text)
        if token is None:
            return False
        with self.client.post(
            "/filings/new/submit/",
            {"csrfmiddlewaretoken": csrf, "token": token.group(1)},
            name="journey: submit",
            catch_response=True,
        ) as response:
            if "/done/" not in response.url:
                response.failure("no filing made")
                return False
        return True
