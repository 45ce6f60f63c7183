"""Demo accounts (and, with --scale, bulk synthetic people) for trying the portal.

Idempotent: running it again changes nothing already there. Later issues add
filings, facilities and settlements to this same command.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from demo.admissions import seed_hospital_clients
from demo.claims import seed_demo_data
from demo.facilities import seed_demo_data as seed_facility_demo
from demo.family import seed_demo_data as seed_family_demo
from demo.filings import seed_bulk_filings
from demo.filings import seed_demo_data as seed_filing_demo
from filings.models import Filing
from portal.bulk import copy_instances
from portal.idnumbers import make_id_number
from portal.models import InsuranceRegion, MemberStatus, Scheme, User

DEMO_PASSWORD = "Demo-2026!"  # noqa: S105 - printed for local trials only


@dataclass(frozen=True)
class DemoPerson:
    key: str
    full_name: str
    id_number: str
    mobile: str
    role: str
    insured_region: str | None = None
    scheme: str = ""
    member_status: str = ""
    is_staff: bool = False
    is_superuser: bool = False
    staff_regions: tuple[str, ...] = ()


DEMO_PEOPLE = [
    DemoPerson(
        "retiree",
        "张桂兰",
        make_id_number("340102", dt.date(1957, 4, 18), 124),
        "13955100001",
        "参保地合肥、退休后随儿子住在上海的参保人",
        insured_region="340100",
        scheme=Scheme.EMPLOYEE,
        member_status=MemberStatus.RETIRED,
    ),
    DemoPerson(
        "son",
        "李明",
        make_id_number("340102", dt.date(1983, 9, 2), 317),
        "13816600002",
        "她的儿子，在上海工作，参保地上海",
        insured_region="310100",
        scheme=Scheme.EMPLOYEE,
        member_status=MemberStatus.WORKING,
    ),
    DemoPerson(
        "reviewer",
        "王芳",
        make_id_number("340104", dt.date(1988, 11, 5), 226),
        "13905510003",
        "合肥市医疗保障局审核员（经办管理后台）",
        is_staff=True,
        staff_regions=("340100",),
    ),
    DemoPerson(
        "admin",
        "系统管理员",
        make_id_number("110101", dt.date(1980, 1, 1), 15),
        "13800000004",
        "全国超级管理员",
        is_staff=True,
        is_superuser=True,
    ),
]

# Top outflow provinces (domain.md, 2017 figures): where bulk people are insured.
OUTFLOW_POOLING_REGIONS = ["340100", "341200", "320300", "130600", "330300", "410100", "411300"]


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent); --scale N adds N synthetic insured people."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            help="at least this many synthetic people, each with a filing",
        )
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (never in production)"
        )

    def handle(self, *args: Any, scale: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs only with "
                "DEBUG=1, or with --force on a machine that is not production."
            )
        with transaction.atomic():
            for person in DEMO_PEOPLE:
                self.ensure_person(person)
            seed_demo_data(self.stdout)
        seed_filing_demo(self.stdout)
        seed_facility_demo(self.stdout)
        seed_family_demo(self.stdout)
        if scale:
            added = seed_bulk_people(scale)
            self.stdout.write(f"{added} synthetic insured people added (at least {scale} wanted).")
            last = 0
            while True:  # in primary-key order: no anti-join over millions of rows
                chunk = list(
                    User.objects.filter(mobile__startswith="170", pk__gt=last).order_by("pk")[
                        :20000
                    ]
                )
                if not chunk:
                    break
                seed_bulk_filings(chunk)
                last = chunk[-1].pk
            self.stdout.write(f"Filings for synthetic people: {Filing.objects.count()} in all.")
        seed_hospital_clients(self.stdout)
        self.print_logins()

    def ensure_person(self, p: DemoPerson) -> User:
        user = User.objects.filter(id_number=p.id_number).first()
        if user is None:
            user = User(
                id_number=p.id_number,
                full_name=p.full_name,
                mobile=p.mobile,
                insured_region_id=p.insured_region,
                scheme=p.scheme,
                member_status=p.member_status,
                is_staff=p.is_staff,
                is_superuser=p.is_superuser,
            )
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            if p.staff_regions:
                user.staff_regions.set(InsuranceRegion.objects.filter(pk__in=p.staff_regions))
        return user

    def print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for p in DEMO_PEOPLE:
            self.stdout.write(f"  {p.full_name:<6} mobile {p.mobile}  ID {p.id_number}  — {p.role}")


def seed_bulk_people(count: int) -> int:
    """Make sure there are at least `count` synthetic insured people, so running
    it again adds nothing. Person i is insured in one of the top outflow cities
    (i mod 7) and has a valid ID number that no other i gets: the k-th person of
    a city has sequence k mod 1000 and a birth date stepped by a prime through
    65 years, so dates spread over 1940–2004 without repeating."""
    start = User.objects.filter(mobile__startswith="170").count()
    password = make_password(None)  # unusable: bulk people cannot log in
    people = (_bulk_person(i, password) for i in range(start, max(start, count)))
    # Unique ID numbers and mobiles by construction; skip_existing keeps rows
    # an older version of this generator made from failing the COPY.
    return copy_instances(User, people, skip_existing=True)


BIRTH_DAYS = 365 * 65  # 23,725 = 5² × 13 × 73: stepping by 7919 visits every day


def _bulk_person(i: int, password: str) -> User:
    city, k = i % len(OUTFLOW_POOLING_REGIONS), i // len(OUTFLOW_POOLING_REGIONS)
    region = OUTFLOW_POOLING_REGIONS[city]
    born = dt.date(1940, 1, 1) + dt.timedelta(days=(k // 1000) * 7919 % BIRTH_DAYS)
    retired = born.year < 1965
    return User(
        id_number=make_id_number(region[:4] + "02", born, k % 1000),
        full_name=f"参保人{i:07d}",
        mobile=f"170{i:08d}",
        insured_region_id=region,
        scheme=Scheme.EMPLOYEE,
        member_status=MemberStatus.RETIRED if retired else MemberStatus.WORKING,
        password=password,
    )
