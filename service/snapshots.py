"""The index the service answers from, following what the store publishes, without a restart.

``follow_published`` polls the store's cheap ``published()`` token (``DALIL_RELOAD_INTERVAL_S``) and, when it
changes, opens the new state beside the old one, reusing the loaded embedder, then swaps it in. A request keeps
the snapshot it started with to its end (``Snapshots.use``); a replaced snapshot is closed, releasing its lease
on the files, when its last request ends. A state that cannot be opened is logged and the old one kept.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePath

from dalil.index.loaded import LoadedIndex
from dalil.index.manifest import ManifestMismatch
from dalil.index.protocols import EmbedderUnavailable, IndexUnavailable, Store

logger = logging.getLogger("dalil.service")

BUILD_HINT = "dalil index build"
_PATH = re.compile(r"(?<![\w.])/[^\s:;,'\"()]+")


def public_reason(exc: Exception) -> str:
    """Why the index is unusable, for clients: dalil's own messages without folder paths; a library's error
    (FAISS, SQLite) only by kind, since it names source files and internals. The log keeps the whole of it."""
    if isinstance(exc, IndexUnavailable | EmbedderUnavailable | ManifestMismatch):
        reason = _PATH.sub(lambda match: f"…/{PurePath(match.group()).name}", str(exc))
    else:
        reason = "the index files could not be read (the service log has the details)"
    return reason if BUILD_HINT in reason else f"{reason}; build the index with `{BUILD_HINT}`"


class Snapshots:
    def __init__(self) -> None:
        self.current: LoadedIndex | None = None
        self.error: str | None = "the service has not started"
        self._users: Counter[int] = Counter()
        self._retired: dict[int, LoadedIndex] = {}
        self._lock = threading.Lock()

    @contextmanager
    def use(self) -> Iterator[LoadedIndex | None]:
        """The current snapshot (None when there is none), kept open until the block ends."""
        with self._lock:
            index = self.current
            if index is not None:
                self._users[id(index)] += 1
        try:
            yield index
        finally:
            if index is not None:
                with self._lock:
                    self._users[id(index)] -= 1
                    done = None
                    if not self._users[id(index)]:
                        del self._users[id(index)]
                        done = self._retired.pop(id(index), None)
                if done is not None:
                    done.close()

    def replace(self, index: LoadedIndex | None, error: str | None = None, close_old: bool = True) -> None:
        """Serve ``index`` from now on; the one it replaces is closed once no request uses it."""
        with self._lock:
            old, self.current, self.error = self.current, index, error
            if old is None or old is index or not close_old:
                return
            idle = not self._users[id(old)]
            if not idle:
                self._retired[id(old)] = old
        if idle:
            old.close()


async def follow_published(
    snapshots: Snapshots, store: Store, open_snapshot: Callable[[LoadedIndex | None], LoadedIndex], interval_s: float
) -> None:
    """Swap in each newly published state; runs until cancelled."""
    failed: str | None = None
    while True:
        await asyncio.sleep(interval_s)
        published = await asyncio.to_thread(store.published)
        current = snapshots.current
        if published is None or published == failed or (current is not None and current.store.published == published):
            continue
        try:
            fresh = await asyncio.to_thread(open_snapshot, current)
        except Exception as exc:
            failed = published
            logger.error("the index published as %s could not be opened: %s", published, exc, exc_info=True)
            if current is None:
                snapshots.error = public_reason(exc)
            continue
        failed = None
        snapshots.replace(fresh)
        logger.info("now serving the index published as %s", published)
