"""Read article files into raw articles through the ``Reader`` seam, reporting files that cannot be read.

Problems carry the file in ``path`` and say what is wrong in ``message``; the CLI prints them as
``path: message``. One bad file, or one bad line of a .jsonl file, never stops the others from loading.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from dalil.index.protocols import READERS, Reader
from dalil.index.types import IngestProblem, RawArticle
from dalil.plugins import PluginError
from dalil.settings import Settings

Loaded = tuple[list[RawArticle], list[IngestProblem]]
# File ending -> the reader for it.
Readers = Mapping[str, Reader]


def load_readers(settings: Settings) -> dict[str, Reader]:
    """The readers named by ``DALIL_READERS`` (default: every installed one), by the file endings they read."""
    by_suffix: dict[str, Reader] = {}
    for name in settings.readers if settings.readers is not None else READERS.names():
        reader = READERS.create(name, settings)
        for suffix in (s.lower() for s in reader.suffixes):
            if suffix in by_suffix:
                raise PluginError(
                    f"the readers {by_suffix[suffix].name!r} and {reader.name!r} both read {suffix} files; "
                    "list the one to use in DALIL_READERS"
                )
            by_suffix[suffix] = reader
    return by_suffix


def read_articles(paths: Iterable[Path], readers: Readers) -> Loaded:
    """Load every readable file in ``paths``; folders are walked recursively in sorted order."""
    articles: list[RawArticle] = []
    problems: list[IngestProblem] = []
    seen: set[Path] = set()
    for given in paths:
        for path, problem in _files_in(Path(given), readers):
            if problem:
                problems.append(problem)
                continue
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            try:
                data = path.read_bytes()
            except OSError as error:
                problems.append(IngestProblem(str(path), f"cannot read the file ({error.strerror})"))
                continue
            loaded, found = readers[path.suffix.lower()].read(str(path), data)
            articles.extend(loaded)
            problems.extend(found)
    return articles, problems


def _files_in(given: Path, readers: Readers) -> list[tuple[Path, IngestProblem | None]]:
    if given.is_dir():
        return _walk(given, readers)
    if not given.exists():
        return [(given, IngestProblem(str(given), "no such file or folder"))]
    if given.suffix.lower() not in readers:
        supported = ", ".join(sorted(readers))
        return [
            (
                given,
                IngestProblem(
                    str(given), f"unsupported file type {given.suffix or '(none)'!r}; use one of {supported}"
                ),
            )
        ]
    return [(given, None)]


def _walk(folder: Path, readers: Readers) -> list[tuple[Path, IngestProblem | None]]:
    """Readable, non-hidden files under ``folder``; other files there are not articles and are skipped quietly."""
    found: list[tuple[Path, IngestProblem | None]] = []

    def unreadable(error: OSError) -> None:
        found.append((folder, IngestProblem(str(error.filename), f"cannot read the folder ({error.strerror})")))

    for root, folders, files in os.walk(folder, onerror=unreadable):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in readers:
                found.append((Path(root) / name, None))
    return sorted(found, key=lambda item: item[0].parts)
