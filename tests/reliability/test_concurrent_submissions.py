"""Fifty identical submissions at once, over HTTP to a live server: one filing."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from django.core.servers.basehttp import ThreadedWSGIServer

from filings.models import EventAction, Filing, FilingEvent
from tests.conftest import PASSWORD, make_person
from tests.reliability.portal_http import csrf_token, log_in, submit, walk_temporary_journey

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
REQUESTS = 50

# Django's test server listens with a backlog of 10; fifty connections at the
# same instant overflow it and the kernel resets some of them before the
# application sees a byte. A production server (gunicorn: 2048) does not.
ThreadedWSGIServer.request_queue_size = 128


@pytest.fixture
def plain_http_cookies(settings: Any) -> None:
    """The live server speaks plain HTTP: cookies must not be Secure-only."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.mark.usefixtures("plain_http_cookies")
def test_fifty_concurrent_identical_submissions_make_exactly_one_filing(live_server: Any) -> None:
    person = make_person()
    base = live_server.url
    browser = requests.Session()
    log_in(browser, base, person.mobile or person.id_number, PASSWORD)
    draft_token = walk_temporary_journey(browser, base, phone="13955100001")
    csrf = csrf_token(browser, base, "/filings/new/check/")
    cookies = {name: value or "" for name, value in browser.cookies.get_dict().items()}

    barrier = threading.Barrier(REQUESTS)
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def fire() -> None:
        with requests.Session() as session:  # one connection each, the same browser session
            session.cookies.update(cookies)
            barrier.wait(timeout=30)
            try:
                response = submit(session, base, draft_token, csrf)
                outcome = (response.status_code, response.headers.get("Location", ""))
            except requests.RequestException as error:
                outcome = (0, repr(error))
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=fire) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    filing = Filing.objects.get(person=person)  # exactly one row, or this raises
    assert str(filing.submission_token) == draft_token
    assert FilingEvent.objects.filter(filing=filing, action=EventAction.SUBMITTED).count() == 1
    assert len(outcomes) == REQUESTS
    statuses = {status for status, _ in outcomes}
    assert statuses == {302}, [o for o in outcomes if o[0] != 302]
    done = f"/filings/{filing.reference}/done/"
    # Every answer leads to the filing; a request that arrived after the
    # draft was used may be sent to "new filing" with a notice instead.
    assert {location for _, location in outcomes} <= {done, "/filings/new/"}, outcomes
    assert sum(location == done for _, location in outcomes) >= 1
