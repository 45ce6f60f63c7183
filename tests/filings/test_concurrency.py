"""The overlap guard and idempotent submission hold under concurrent submits."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from filings import rules
from filings.models import FiledBy, Filing
from filings.services import DuplicateFiling, FilingRequest, submit_filing
from tests.conftest import make_person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_concurrently(count: int, work: object) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = []
    lock = threading.Lock()

    def runner(i: int) -> None:
        try:
            barrier.wait()
            outcome: object = work(i)  # type: ignore[operator]
        except Exception as error:
            outcome = error
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def request() -> FilingRequest:
    return FilingRequest(
        category=rules.Category.RETIRED_RESETTLEMENT,
        destination_code="310100",
        start_date=timezone.localdate(),
        contact_phone="13955100001",
    )


def test_concurrent_submits_with_one_token_make_exactly_one_filing() -> None:
    person = make_person()
    token = uuid.uuid4()
    results = run_concurrently(
        12,
        lambda i: submit_filing(
            person=person, request=request(), by=person, role=FiledBy.SELF, token=token
        ),
    )
    assert Filing.objects.filter(person=person).count() == 1
    assert all(isinstance(r, Filing) for r in results), results


def test_concurrent_overlapping_submits_make_one_filing_and_the_rest_see_it() -> None:
    person = make_person()
    results = run_concurrently(
        12,
        lambda i: submit_filing(
            person=person, request=request(), by=person, role=FiledBy.SELF, token=uuid.uuid4()
        ),
    )
    assert Filing.objects.filter(person=person).count() == 1
    assert sum(isinstance(r, Filing) for r in results) == 1
    assert sum(isinstance(r, DuplicateFiling) for r in results) == 11, results
