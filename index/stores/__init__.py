"""Stores behind the ``Store`` seam, and the one function that picks one from the settings."""

from __future__ import annotations

from dalil.index.protocols import STORES, Store
from dalil.settings import Settings


def load_store(settings: Settings) -> Store:
    """The store named by ``DALIL_STORE`` (``faiss``: FAISS + SQLite files under ``DALIL_INDEX_DIR``)."""
    return STORES.create(settings.store, settings)
