"""Generations: a build writes a fresh generation folder, then a symlink swap publishes it.

Layout of an index folder::

    INDEX/CURRENT -> gen-20261123T101500-1a2b   (symlink, replaced atomically with os.replace)
    INDEX/gen-.../manifest.json, store.sqlite, chunks.faiss, sentences.faiss
    INDEX/.lock                                 (one writer at a time)

Readers resolve CURRENT once when they open, so a running service keeps a consistent snapshot while a build
happens beside it. Later changes are made inside the published generation when it isolates its readers itself
(``changed_generation``; the store's tables are a WAL database read in transactions), else in a copy.

A reader holds a lease on its generation for as long as it is open (a shared ``flock`` on
``INDEX/.leases/<name>``, released by the system if the process dies), and a writer removes an old generation,
or a file inside one, only once it can take that lease exclusively: never under a reader.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
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
    """A reader's hold on a generation or a file (by ``name``): while it is held, no writer removes it."""

    def __init__(self, root: Path, name: str) -> None:
        self._handle = open(_lease_file(root, name), "a")  # noqa: SIM115 - held until release()
        fcntl.flock(self._handle, fcntl.LOCK_SH)

    def release(self) -> None:
        if not self._handle.closed:
            self._handle.close()  # closing the file releases the lock

    def __enter__(self) -> "Lease":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def file_lease_name(path: Path) -> str:
    return f"{path.parent.name}~{path.name}"


def _lease_file(root: Path, name: str) -> Path:
    (root / LEASES).mkdir(exist_ok=True)
    return root / LEASES / name


def open_generation(root: Path) -> tuple[Path, Lease] | None:
    """The published generation, leased; None when nothing is published.

    A writer may prune the generation between reading CURRENT and taking the lease: then it is gone once the
    lease is held, and the new CURRENT is taken instead.
    """
    while True:
        folder = current_generation(root)
        if folder is None:
            return None
        lease = Lease(Path(root), folder.name)
        if folder.is_dir():
            return folder, lease
        lease.release()


@contextmanager
def new_generation(root: Path, *, resume: str | None = None) -> Iterator[Path]:
    """Yield an empty folder to write the next generation into; publish it only if the block succeeds.

    With ``resume``, the folder is named after that key and is not removed when the block fails, so that a writer
    killed or interrupted part-way can be started again and carry on in it (the folder says how far it got).
    """
    root = Path(root)
    with folder_lock(root):
        folder = _new_folder(root)
        if resume is not None and root / f"{PREFIX}{RESUMABLE}{resume}" != current_generation(root):
            folder = root / f"{PREFIX}{RESUMABLE}{resume}"
        if not folder.is_dir():  # else an unfinished resumable change, taken up again
            folder.mkdir()
        with _published_if_done(root, folder):
            yield folder


@contextmanager
def changed_generation(root: Path, in_place: Callable[[Path], bool]) -> Iterator[Path]:
    """Yield the folder a change to the published generation is written in: the generation itself when
    ``in_place(generation)`` says its files keep readers isolated from a writer, else a copy published when the
    block succeeds. Raises ``FileNotFoundError`` when nothing is published."""
    root = Path(root)
    with folder_lock(root):
        base = current_generation(root)
        if base is None:
            raise FileNotFoundError(root / CURRENT)
        if in_place(base):
            yield base
            _prune(root, keep=base)
            return
        folder = _new_folder(root)
        shutil.copytree(base, folder)
        with _published_if_done(root, folder):
            yield folder


def _new_folder(root: Path) -> Path:
    return root / f"{PREFIX}{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


@contextmanager
def _published_if_done(root: Path, folder: Path) -> Iterator[None]:
    try:
        yield
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
        if stale.is_dir() and stale.name.startswith(PREFIX) and stale != keep:
            remove_unleased(root, stale.name, stale)


def remove_unleased(root: Path, name: str, path: Path) -> bool:
    """Remove ``path`` (a folder or a file) unless a reader holds the lease ``name``; True when removed."""
    lease_file = _lease_file(root, name)
    with open(lease_file, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a reader still uses it; a later change removes it
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        lease_file.unlink(missing_ok=True)
        return True
