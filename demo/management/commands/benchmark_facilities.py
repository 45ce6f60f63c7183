"""Time the facility lookup on a fixed set of searches.

For each search it prints p50/p95 of: the whole page through Django's test
client (middleware, query, template), the results alone as htmx fetches them
while the person types, the lookup's queries alone (the page and its count), and
the same page and count from the plain query that checks every row instead
of reading the postings (services.scan_facilities). Generate a directory first:
`manage.py generate_facilities --count 200000`.

`--mix N` instead times N searches made up from random facilities (seeded,
so the same ones each time), to find the searches nobody thought of.

Before and after, it times a fixed loop of pure Python: a rough guide to
the machine's speed then (it catches some of the drift between runs).

It runs with DEBUG off whatever the settings say (DEBUG on records every
query and checks templates on each request, which production does not).
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlencode

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from facilities import search as search_text
from facilities import services
from facilities.forms import FacilitySearchForm, RegionChoices
from facilities.models import LEVEL_FILTERS, Facility, FacilityKind, Service

SEARCHES: list[dict[str, str]] = [
    {"q": "协和"},
    {"q": "xh"},
    {"q": "xiehe"},
    {"q": "同仁", "province": "110000"},
    {"q": "人民医院", "province": "340000"},
    {"q": "rmyy", "province": "320000"},
    {"q": "中医", "city": "310100", "kind": "tcm"},
    {"q": "社区卫生", "city": "340100", "service": "hypertension"},
    {"q": "大药房", "city": "310100"},
    {"q": "zhongyi", "province": "440000", "level": "3"},
    {"q": "医院", "level": "3a"},
    {"q": "肿瘤", "service": "cancer", "sort": "distance", "near": "340100"},
    # Nationwide searches whose matches sit at the end of the rank order
    # (pharmacies and clinics have no level).
    {"q": "药房"},
    {"q": "社区卫生"},
    {"q": "wsy"},
    {"kind": "pharmacy"},
    {"q": "大药房", "service": "outpatient"},
]


def _made_up_search(rng: random.Random, name: str, province: str, city: str) -> str:
    """A search someone could make for this facility: part of its name, of
    its pinyin or of its initials (or nothing), with filters now and then."""
    params: dict[str, str] = {}
    roll = rng.random()
    if roll < 0.5:
        start = rng.randrange(len(name))
        params["q"] = name[start : start + rng.choice([1, 2, 2, 3, 4])]
    elif roll < 0.7:
        full = search_text.pinyin_full(name)
        start = rng.randrange(max(1, len(full) - 3))
        params["q"] = full[start : start + rng.choice([2, 3, 5, 8])]
    elif roll < 0.9:
        initials = search_text.pinyin_initials(name)
        start = rng.randrange(max(1, len(initials) - 1))
        params["q"] = initials[start : start + rng.choice([2, 3, 4])]
    if rng.random() < 0.3:
        params["province"] = province
    elif rng.random() < 0.2:
        params["city"] = city
    if rng.random() < 0.2:
        params["kind"] = rng.choice(FacilityKind.values)
    if rng.random() < 0.2:
        params["level"] = rng.choice([value for value, _label in LEVEL_FILTERS])
    if rng.random() < 0.1:
        params["service"] = rng.choice(Service.values)
    if rng.random() < 0.15:
        params.update(sort="distance", near=city)
    if rng.random() < 0.1:
        params["page"] = str(rng.choice([2, 3, 10]))
    return urlencode(params)


def _reference_ms() -> float:
    """The median time of a fixed piece of pure Python (200,000 steps of
    arithmetic): roughly how fast the machine is running at the time. On
    these shared machines pages swing by up to 2x within minutes; this loop
    catches some of that drift, not all (docs/benchmarks.md), so compare
    figures side by side where it matters."""
    samples = []
    for _ in range(15):
        started = time.perf_counter()
        total = 0
        for step in range(200_000):
            total += step * step % 7
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _time(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


class Command(BaseCommand):
    help = "Print p50/p95 (ms) of the facility lookup for a fixed set of searches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=40)
        parser.add_argument(
            "--naive-runs", type=int, default=5, help="runs of the plain query (no postings)"
        )
        parser.add_argument(
            "--mix",
            type=int,
            default=0,
            metavar="N",
            help="instead: N searches made up from random facilities (a piece of the name,"
            " its pinyin or initials; random filters, pages, nearest first), each timed as"
            " the whole page and as the lookup's queries; prints p50/p95/max and the slowest",
        )
        parser.add_argument("--seed", type=int, default=1, help="for --mix")
        parser.add_argument(
            "--slowest", type=int, default=8, help="for --mix: how many of the slowest to list"
        )

    def handle(
        self,
        *args: Any,
        runs: int,
        naive_runs: int,
        mix: int,
        seed: int,
        slowest: int,
        **options: Any,
    ) -> None:
        before = _reference_ms()
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["localhost"]):
            if mix:
                self._mix(mix, seed, slowest)
            else:
                self._run(runs, naive_runs)
        self.stdout.write(
            f"Machine reference (a fixed Python loop; lower is faster): {before:.1f} ms"
            f" before, {_reference_ms():.1f} ms after."
        )

    def _mix(self, count: int, seed: int, slowest: int) -> None:
        """The fixed searches cannot show where a search goes wrong that
        nobody thought of (药房 nationwide took 571 ms while every fixed
        search was under 30): these are made up, the same ones for a seed."""
        rng = random.Random(seed)  # noqa: S311 (made-up searches, not secrets)
        ids = list(Facility.objects.order_by("pk").values_list("pk", flat=True))
        if len(ids) < count:
            raise CommandError("Too few facilities; run generate_facilities --count 200000 first.")
        picked = rng.sample(ids, count)
        rows = Facility.objects.filter(pk__in=picked).values_list("pk", "name", "province", "city")
        by_pk = {pk: (name, province, city) for pk, name, province, city in rows}
        regions = RegionChoices.load()
        client = Client(HTTP_HOST="localhost")
        url = reverse("facilities:list")
        timed: list[tuple[float, float, str, str]] = []
        for pk in picked:
            name, province, city = by_pk[pk]
            query = _made_up_search(rng, name, province, city)
            form = FacilitySearchForm(QueryDict(query), regions=regions)
            criteria, _needs = form.criteria()
            number = services.page_number(QueryDict(query).get("page"))

            def lookup(criteria: services.Criteria = criteria, number: int = number) -> Any:
                return services.lookup_page(criteria, number, cities=regions.cities)

            def page(query: str = query) -> None:
                response = client.get(f"{url}?{query}", secure=True)
                assert response.status_code == 200, response.status_code

            result = lookup()
            # The better of two runs each: the machine's noise aside.
            took, rendered = min(_time(lookup, 2)), min(_time(page, 2))
            found = f"{result.count}{'+' if result.capped else ''}"
            timed.append((rendered, took, unquote(query), found))
        pages = sorted(t[0] for t in timed)
        queries = sorted(t[1] for t in timed)
        page_p50, page_p95 = _percentiles(pages)
        query_p50, query_p95 = _percentiles(queries)
        self.stdout.write(
            f"{count} made-up searches (seed {seed}), ms: the page p50 {page_p50:.1f},"
            f" p95 {page_p95:.1f}, max {pages[-1]:.1f}; its queries p50 {query_p50:.1f},"
            f" p95 {query_p95:.1f}, max {queries[-1]:.1f}. Slowest pages (page, queries):"
        )
        for slow_page, slow_queries, query, found in sorted(timed, reverse=True)[:slowest]:
            self.stdout.write(f"{slow_page:8.1f} {slow_queries:8.1f}  {query}  ({found})")

    def _run(self, runs: int, naive_runs: int) -> None:
        total = Facility.objects.count()
        if total < 1000:
            raise CommandError("Too few facilities; run generate_facilities --count 200000 first.")
        self.stdout.write(f"{total} facilities. p50 / p95 in ms ({runs} runs; plain {naive_runs}).")
        client = Client(HTTP_HOST="localhost")
        url = reverse("facilities:list")
        regions = RegionChoices.load()
        header = (
            f"{'search':<44} {'page':>13} {'htmx':>13} {'queries':>13} {'plain':>15} {'found':>6}"
        )
        self.stdout.write(header)
        page_p95s, fragment_p95s = [], []
        for search in SEARCHES:
            query = urlencode(search)
            form = FacilitySearchForm(QueryDict(query), regions=regions)
            criteria, _needs = form.criteria()

            def page(query: str = query) -> None:
                response = client.get(f"{url}?{query}", secure=True)
                assert response.status_code == 200, response.status_code

            def fragment(query: str = query) -> None:
                response = client.get(f"{url}?{query}", secure=True, HTTP_HX_REQUEST="true")
                assert response.status_code == 200, response.status_code

            def indexed(criteria: services.Criteria = criteria) -> services.ResultPage:
                return services.lookup_page(criteria, 1, cities=regions.cities)

            def naive(criteria: services.Criteria = criteria) -> tuple[list[Any], int]:
                found = services.scan_facilities(criteria).ranked()
                return list(found[: services.PAGE_SIZE]), found[: services.COUNT_CAP + 1].count()

            page_times = _time(page, runs)
            fragment_times = _time(fragment, runs)
            query_times = _time(indexed, runs)
            naive_times = _time(naive, naive_runs)
            result = indexed()
            found = f"{result.count}{'+' if result.capped else ''}"
            page_p95s.append(page_times[1])
            fragment_p95s.append(fragment_times[1])
            self.stdout.write(
                f"{unquote(query):<44} {page_times[0]:>6.1f}/{page_times[1]:>6.1f}"
                f" {fragment_times[0]:>6.1f}/{fragment_times[1]:>6.1f}"
                f" {query_times[0]:>6.1f}/{query_times[1]:>6.1f}"
                f" {naive_times[0]:>7.1f}/{naive_times[1]:>7.1f} {found:>6}"
            )
        self.stdout.write(
            f"Worst p95: page {max(page_p95s):.1f} ms, htmx results {max(fragment_p95s):.1f} ms."
        )
