"""`make bench`: gunicorn against PostgreSQL with demo data at scale, measured
by locust, one scenario at a time; prints p50/p95 and requests per second.

Bounded: every scenario runs for --seconds with --users simulated people;
the server listens on 127.0.0.1 only (port 8004 by default, within 8004-8009)
and is stopped at the end. The data lives in its own database, portal_bench_load,
on the embedded PostgreSQL in var/pgdata (or on DATABASE_URL's server), so
the development data is left alone; demo data is added once and reused.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCENARIOS = [
    # (locust user class, label, users)
    ("Ceiling", "trivial Django view (/healthz/, the ceiling)", 20),
    ("StartPage", "start page (/)", 20),
    ("Facilities", "facility lookup (/facilities/)", 20),
    ("MyFilings", "my filings (/filings/, logged in)", 10),
    ("SubmitFiling", "submitting a filing (whole journey, fresh person)", 6),
]


def bench_database_url() -> str:
    """The bench database: on DATABASE_URL's server, else on the embedded one."""
    url = os.environ.get("DATABASE_URL")
    if url:
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/portal_bench_load"))
    sys.path.insert(0, str(ROOT))
    from portal.embedded_db import ensure_server

    socket_dir = ensure_server(ROOT / "var" / "pgdata", "portal_bench_load")
    return f"postgresql://postgres@{quote(str(socket_dir), safe='')}/portal_bench_load"


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'portal_bench_load'"
        ).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier("portal_bench_load")))


def run(cmd: list[str], env: dict[str, str], timeout: int, *, quiet: bool = False) -> None:
    if not quiet:
        print("$", " ".join(cmd[1:] if cmd[0] == sys.executable else cmd), flush=True)
    subprocess.run(  # noqa: S603 - our own commands, fixed arguments
        cmd,
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer at {url}")


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def read_stats(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["Name"] != "Aggregated"]


def read_failures(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            f"{row['Name']}: {row['Error']} ({row['Occurrences']}x)"
            for row in csv.DictReader(handle)
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100_000, help="synthetic insured people")
    parser.add_argument("--seconds", type=int, default=30, help="length of each scenario")
    parser.add_argument("--only", nargs="*", help="run only these scenarios (class names)")
    parser.add_argument("--port", type=int, default=8004, choices=range(8004, 8010))
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 2) + 1)
    args = parser.parse_args()

    url = bench_database_url()
    ensure_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",  # plain HTTP on loopback
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "ERROR",
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",  # no collectstatic here
        "BENCH_RUN_SEED": str(int(time.time()) % 10_000),
    }
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env, 600)
    run([sys.executable, "manage.py", "compile_translations"], {**env, "DEBUG": "1"}, 120)
    started = time.monotonic()
    run(
        [sys.executable, "manage.py", "seed_demo", "--scale", str(args.scale)],
        {**env, "DEBUG": "1"},
        900,
    )
    print(f"demo data at scale {args.scale}: ready in {time.monotonic() - started:.0f} s")

    base = f"http://127.0.0.1:{args.port}"
    gunicorn = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(BIN / "gunicorn"),
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    results: list[tuple[str, list[dict[str, str]] | None]] = []
    failures: list[str] = []
    try:
        wait_until_up(base + "/healthz/")
        with tempfile.TemporaryDirectory(prefix="bench-") as out:
            for user_class, label, users in SCENARIOS:
                if args.only and user_class not in args.only:
                    continue
                if user_class == "Facilities" and status_of(base + "/facilities/") == 404:
                    print(f"skipped: {label}: /facilities/ is not there yet")
                    results.append((label, None))
                    continue
                print(f"running: {label}, {users} users for {args.seconds} s", flush=True)
                prefix = Path(out) / user_class
                run(
                    [
                        str(BIN / "locust"),
                        "-f",
                        str(ROOT / "bench" / "locustfile.py"),
                        "--headless",
                        "--host",
                        base,
                        "--users",
                        str(users),
                        "--spawn-rate",
                        str(users),
                        "--run-time",
                        f"{args.seconds}s",
                        "--stop-timeout",
                        "10",
                        "--csv",
                        str(prefix),
                        "--only-summary",
                        "--loglevel",
                        "WARNING",
                        "--exit-code-on-error",
                        "0",
                        user_class,
                    ],
                    env,
                    args.seconds + 120,
                    quiet=True,
                )
                results.append((label, read_stats(Path(f"{prefix}_stats.csv"))))
                failures += read_failures(Path(f"{prefix}_failures.csv"))
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)

    print()
    print(
        f"gunicorn {args.workers} sync workers, {os.cpu_count()} cores shared with locust; "
        f"{args.scale} synthetic people with filings; {args.seconds} s per scenario"
    )
    header = f"{'request':<52} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>8}"
    print(header)
    print("-" * len(header))
    for label, rows in results:
        print(label)
        if rows is None:
            print(f"  {'(skipped: page not there)':<50}")
            continue
        for row in rows:
            print(
                f"  {row['Name'][:50]:<50} {row['Request Count']:>7} {row['Failure Count']:>5} "
                f"{row['50%']:>7} {row['95%']:>7} {float(row['Requests/s']):>8.1f}"
            )

    if failures:
        print("failures:")
        for failure in failures:
            print("  " + failure)


if __name__ == "__main__":
    main()
