"""Connections to the store's database: one pool per process (psycopg_pool), opened on first use, with pgvector's
types known on every connection that hands out vectors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from pgvector.psycopg import register_vector
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from dalil.index.protocols import IndexUnavailable

CONNECT_TIMEOUT_S = 10


class Database:
    """The database at ``url``; ``location`` names it for people, without its password."""

    def __init__(self, url: str, pool_size: int, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        try:
            parts = conninfo_to_dict(url)
        except psycopg.ProgrammingError as exc:
            raise ValueError(f"DALIL_DATABASE_URL is not a PostgreSQL connection string: {exc}") from None
        self.url = url
        host, port = parts.get("host") or "localhost", parts.get("port")
        database = parts.get("dbname") or parts.get("user", "")
        if host.startswith("/"):  # a Unix socket's folder
            self.location = f"postgresql:///{database}?host={host}"
        else:
            self.location = f"postgresql://{host}{f':{port}' if port else ''}/{database}"
        self._pool_size, self._timeout_s = pool_size, timeout_s
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()

    def _opened_pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=self._pool_size,
                    timeout=self._timeout_s,
                    kwargs={"connect_timeout": max(1, round(self._timeout_s)), "application_name": "dalil"},
                    open=True,
                    name="dalil",
                )
            return self._pool

    def take(self) -> psycopg.Connection:
        """A connection of the pool for the caller alone, until ``give_back``; ``IndexUnavailable`` when the
        database cannot be reached."""
        try:
            connection = self._opened_pool().getconn()
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise IndexUnavailable(
                f"the database at {self.location} cannot be reached ({exc}); check DALIL_DATABASE_URL and that "
                "PostgreSQL is running"
            ) from exc
        with_vector_types(connection)
        return connection

    def give_back(self, connection: psycopg.Connection) -> None:
        if not connection.closed and not connection.broken:  # else the pool drops it and connects anew
            if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                connection.rollback()
            connection.isolation_level = connection.read_only = None
        self._opened_pool().putconn(connection)

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection for one short unit of work, committed at the end of the block."""
        connection = self.take()
        try:
            with connection.transaction():
                yield connection
        finally:
            self.give_back(connection)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


def with_vector_types(connection: psycopg.Connection) -> None:
    """Teach ``connection`` pgvector's types once the extension exists (a migration creates it)."""
    if connection.adapters.types.get("halfvec") is None:
        has_vector = connection.execute("SELECT to_regtype('halfvec') IS NOT NULL").fetchone()[0]
        connection.rollback()
        if has_vector:
            register_vector(connection)
            connection.commit()
