"""Atomic index updates: every change is written to a fresh generation folder, then a symlink swap publishes it.

Layout of an index folder::

    INDEX/CURRENT -> gen-20261123T101500-1a2b   (symlink, replaced atomically with os.replace)
    INDEX/gen-.../manifest.json, store.sqlite, chunks.faiss, sentences.faiss
    INDEX/.lock                                 (one writer at a time)

Readers resolve CURRENT once when they open, so a running service keeps a consistent snapshot
while a build or an update happens beside it. A reader holds a lease on its generation for as long as it is
open (a shared ``flock`` on ``INDEX/.leases/<generation>``, released by the system if the process dies), and a
writer removes an old generation only once it can take that lease exclusively: never under a reader.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dalil.locks import folder_lock

CURRENT = "CURRENT"
PREFIX = "gen-"
RESUMABLE = "resumable-"


def current_generation(root: Path) -> Path | None:
    link = Path(root) / CURRENT
    if not link.is_symlink():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


LEASES = ".leases"


class Lease:
    """A reader's hold on one generation: while it is held, no writer removes the generation."""

    def __init__(self, root: Path, folder: Path) -> None:
        self._handle = open(_lease_file(root, folder), "a")  # noqa: SIM115 - held until release()
        fcntl.flock(self._handle, fcntl.LOCK_SH)

    def release(self) -> None:
        if not self._handle.closed:
            self._handle.close()  # closing the file releases the lock


def _lease_file(root: Path, generation: Path) -> Path:
    (root / LEASES).mkdir(exist_ok=True)
    return root / LEASES / generation.name


def open_generation(root: Path) -> tuple[Path, Lease] | None:
    """The published generation, leased; None when nothing is published.

    A writer may prune the generation between reading CURRENT and taking the lease: then it is gone once the
    lease is held, and the new CURRENT is taken instead.
    """
    while True:
        folder = current_generation(root)
        if folder is None:
            return None
        lease = Lease(Path(root), folder)
        if folder.is_dir():
            return folder, lease
        lease.release()


@contextmanager
def new_generation(root: Path, *, start_from_current: bool, resume: str | None = None) -> Iterator[Path]:
    """Yield a folder to write the next generation into; publish it only if the block succeeds.

    With ``resume``, the folder is named after that key and is not removed when the block fails, so that a writer
    killed or interrupted part-way can be started again and carry on in it (the folder says how far it got).
    """
    root = Path(root)
    with folder_lock(root):
        base = current_generation(root)
        folder = root / f"{PREFIX}{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
        if resume is not None and root / f"{PREFIX}{RESUMABLE}{resume}" != base:
            folder = root / f"{PREFIX}{RESUMABLE}{resume}"
        if folder.is_dir():
            pass  # an unfinished resumable change, taken up again
        elif start_from_current and base is not None:
            shutil.copytree(base, folder)
        else:
            folder.mkdir()
        try:
            yield folder
        except BaseException:
            if RESUMABLE not in folder.name:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        _publish(root, folder)
        _prune(root, keep=folder)


def _publish(root: Path, folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    temporary = root / f".{CURRENT}.{secrets.token_hex(3)}"
    temporary.symlink_to(folder.name)
    os.replace(temporary, root / CURRENT)


def _prune(root: Path, keep: Path) -> None:
    """Remove generations other than ``keep`` that no reader holds."""
    for stale in root.iterdir():
        if not (stale.is_dir() and stale.name.startswith(PREFIX)) or stale == keep:
            continue
        lease_file = _lease_file(root, stale)
        with open(lease_file, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a reader still uses it; a later change removes it
            shutil.rmtree(stale, ignore_errors=True)
            lease_file.unlink(missing_ok=True)
