"""FAISS vectors beside SQLite tables, in atomically published generation folders."""

from dalil.index.stores.faiss_sqlite.store import FaissStore

__all__ = ["FaissStore"]
