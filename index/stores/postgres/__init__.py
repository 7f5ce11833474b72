"""PostgreSQL with pgvector: the store for more than one machine (``DALIL_STORE=postgres``)."""

from dalil.index.stores.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
