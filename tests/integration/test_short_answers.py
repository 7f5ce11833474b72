"""The real span reader: the words that answer, across scripts, from the model file made once from shipped weights."""

from __future__ import annotations

import pytest

from dalil.index.embedders.span_reader import WEIGHTS, encode_pair, span_reader_model

pytestmark = pytest.mark.integration

AGREEMENT = (
    "وقع وزير الدفاع الروسي سيرغي شويغو ونظيره الأرميني سيران أوغانيان الأربعاء 23 ديسمبر/كانون الأول اتفاقا حول "
    "إنشاء نظام إقليمي موحد للدفاع الجوي في منطقة القوقاز."
)
MEETING = "وجرى توقيع الاتفاق بعد لقاء ثنائي أجراه الوزيران في موسكو، إلى جانب توقيع خطة التعاون العسكري."
OTHER = "وتعمل روسيا حاليا على إنشاء نظامين موحدين للدفاع الجوي مع كل من قرغيزستان وطاجيكستان."


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("متى وقع وزير الدفاع الروسي ونظيره الأرميني اتفاق الدفاع الجوي؟", "23 ديسمبر"),
        ("When did the Russian and Armenian defence ministers sign the air defence agreement?", "23 ديسمبر"),
        ("Where did the two ministers meet?", "موسكو"),
    ],
)
def test_the_reader_finds_the_answer_in_the_sentence_that_holds_it(span_reader, question, answer):
    sentences = [AGREEMENT, MEETING, OTHER]
    spans = span_reader.read(question, sentences)
    best = max(range(3), key=lambda i: spans[i].score if spans[i] else -1e9)
    text = sentences[best][spans[best].start : spans[best].end]
    assert answer in text and len(text) < 40
    assert spans[best].score > 0 and spans[2].score < spans[best].score


def test_token_offsets_point_into_the_sentence(span_reader):
    span_reader.warm_up()
    _, tokenizer = span_reader._load()
    ids, offsets = encode_pair(tokenizer, "متى؟", AGREEMENT)
    spans = [o for o in offsets if o is not None]
    assert len(ids) == len(offsets) and spans[0][0] == 0 and spans[-1][1] == len(AGREEMENT)
    assert all(0 <= start < end <= len(AGREEMENT) for start, end in spans)
    # Every word begins some token (whose span takes the space before it, trimmed by best_span).
    word_starts = {i for i in range(len(AGREEMENT)) if i == 0 or AGREEMENT[i - 1] == " "}
    assert {start + (AGREEMENT[start] == " ") for start, _ in spans} >= word_starts


def test_the_model_file_is_named_by_the_shipped_weights(model_dir, span_reader):
    span_reader.warm_up()
    model = span_reader_model(model_dir)
    assert model.parent == model_dir and model.is_file()
    assert model.name.startswith("span-reader-") and model.name.endswith("-matmul-int8.onnx")
    assert WEIGHTS.endswith(".safetensors") and span_reader_model(model_dir) == model  # made once, then reused


def test_model_prepare_makes_the_files_a_service_needs(model_dir, monkeypatch):
    from typer.testing import CliRunner

    from dalil.cli import app

    monkeypatch.setenv("DALIL_MODEL_DIR", str(model_dir))
    result = CliRunner().invoke(app, ["model", "prepare"], catch_exceptions=False)
    assert result.exit_code == 0 and "model files ready" in result.output
    assert span_reader_model(model_dir).is_file() and (model_dir / "e5-small-int8.onnx").is_file()
