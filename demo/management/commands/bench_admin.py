"""Time the agency's filing list in the admin and print p50/p95 per scenario.

Run it against a database with the filings at scale, e.g.

    EMBEDDED_DB_NAME=portal_bench DEBUG=1 .venv/bin/python manage.py migrate
    EMBEDDED_DB_NAME=portal_bench DEBUG=1 .venv/bin/python manage.py seed_demo --scale 2000000
    EMBEDDED_DB_NAME=portal_bench DEBUG=1 .venv/bin/python manage.py bench_admin

(`make bench-admin` does all three.) It renders the real changelist through
Django's test client, in process: middleware, region scoping, templates and
queries included, the network excluded. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from filings.models import Filing
from portal.idnumbers import make_id_number
from portal.models import InsuranceRegion, User

URL = "/admin/filings/filing/"
DASHBOARD = "/admin/"


class Command(BaseCommand):
    help = "Print p50/p95 render times of the admin filing list for fixed scenarios."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args: Any, runs: int, **options: Any) -> None:
        total = Filing.objects.count()
        sample = (
            Filing.objects.filter(insured_region_id="340100").order_by("pk").last()
            or Filing.objects.last()
        )
        if sample is None:
            self.stderr.write("No filings: run seed_demo --scale first.")
            return
        reviewer = self._staff("bench-hefei", superuser=False)
        national = self._staff("bench-national", superuser=True)
        scenarios = [
            ("national: unfiltered", national, ""),
            ("national: status=submitted", national, "?status__exact=submitted"),
            ("national: category=referral", national, "?category__exact=referral"),
            ("national: destination province 上海", national, "?destination_province=310000"),
            ("合肥: unfiltered", reviewer, ""),
            ("合肥: status=submitted", reviewer, "?status__exact=submitted"),
            (
                "合肥: status=effective, category=retired",
                reviewer,
                "?status__exact=effective&category__exact=retired",
            ),
            ("合肥: search by reference", reviewer, f"?q={sample.reference}"),
            ("合肥: search by masked ID", reviewer, f"?q={sample.masked_id_number}"),
            ("合肥: overdue", reviewer, "?overdue=yes"),
            # Not a list: the admin's front page, counts and charts for the regions.
            # It is cached for a minute: "cold" clears the cache before each run,
            # which is what the first request of each minute pays.
            ("national: dashboard, cached", national, DASHBOARD),
            ("national: dashboard, cold", national, DASHBOARD),
            ("合肥: dashboard, cached", reviewer, DASHBOARD),
            ("合肥: dashboard, cold", reviewer, DASHBOARD),
        ]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE filings_filing")
        self.stdout.write(f"Admin filing list, {total:,} filings, {runs} runs each (ms):")
        self.stdout.write(f"{'scenario':46} {'p50':>8} {'p95':>8} {'rows':>8}")
        with override_settings(
            DEBUG=False, ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False
        ):
            for name, user, query in scenarios:
                client = self._client(user)
                timings = []
                url = query if query.startswith("/") else URL + query
                response = client.get(url)  # warm up
                for _ in range(runs):
                    if name.endswith("cold"):
                        cache.clear()
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (name, response.status_code)
                rows = response.content.decode().count('class="action-select"')
                timings.sort()
                p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
                self.stdout.write(
                    f"{name:46} {statistics.median(timings):8.1f} {p95:8.1f} {rows:8d}"
                )

    def _staff(self, key: str, *, superuser: bool) -> User:
        user = User.objects.filter(full_name=key).first()
        if user is None:
            import datetime as dt

            user = User.objects.create_user(
                make_id_number("340102", dt.date(1980, 1, 1), 900 + superuser),
                password=None,
                full_name=key,
                mobile="1999999999" + str(int(superuser)),
                is_staff=True,
                is_superuser=superuser,
            )
            if not superuser:
                user.staff_regions.set([InsuranceRegion.objects.get(pk="340100")])
                from django.contrib.auth.models import Group

                user.groups.add(Group.objects.get(name="审核员"))
        return user

    def _client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client
