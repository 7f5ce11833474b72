"""`dalil eval run` in-process and against a live service on 127.0.0.1 give the same verdicts."""

import json
from pathlib import Path

from typer.testing import CliRunner

from dalil.cli import app

ROOT = Path(__file__).resolve().parents[2]

GOLD = ROOT / "eval" / "data" / "calibration.jsonl"


def run_eval(monkeypatch, settings, *args):
    monkeypatch.setenv("DALIL_EMBEDDER", "hash")
    monkeypatch.setenv("DALIL_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner().invoke(app, ["eval", "run", "--gold", str(GOLD), *args], catch_exceptions=False)


def test_in_process_and_http_reports_agree(monkeypatch, settings_for_tests, live_service, tmp_path):
    local = run_eval(monkeypatch, settings_for_tests, "--json", str(tmp_path / "local.json"), "--limit", "12")
    remote = run_eval(
        monkeypatch, settings_for_tests, "--url", live_service, "--json", str(tmp_path / "http.json"), "--limit", "12"
    )
    assert local.exit_code == 0, local.output
    assert remote.exit_code == 0, remote.output
    assert "answer accuracy" in local.output and "evidence recall@5" in local.output

    a, b = (json.loads((tmp_path / name).read_text()) for name in ("local.json", "http.json"))
    assert a["n"] == b["n"] == 12
    for key in (
        "answer_accuracy",
        "citation_precision",
        "citation_recall",
        "abstention_accuracy",
        "mrr",
        "evidence_recall@5",
    ):
        assert a[key] == b[key], key
    assert [q["verdicts"]["problems"] for q in a["questions"]] == [q["verdicts"]["problems"] for q in b["questions"]]
    assert set(a) >= {
        "n",
        "answer_accuracy",
        "citation_precision",
        "citation_recall",
        "abstention_accuracy",
        "evidence_recall@1",
        "evidence_recall@5",
        "evidence_recall@10",
        "mrr",
        "latency_ms",
        "by_lang",
        "questions",
    }
    assert set(a["by_lang"]) == {"ar", "en"}
    assert set(a["questions"][0]) >= {"id", "question", "answer", "abstained", "citations", "verdicts"}

    compared = CliRunner().invoke(app, ["eval", "compare", str(tmp_path / "local.json"), str(tmp_path / "http.json")])
    assert compared.exit_code == 0 and "no question changed verdict" in compared.output


def test_unreachable_service_is_a_clear_error(monkeypatch, settings_for_tests):
    result = run_eval(monkeypatch, settings_for_tests, "--url", "http://127.0.0.1:9", "--limit", "1")
    assert result.exit_code == 1 and "cannot reach" in result.output


def test_bad_gold_file_is_a_clear_error(monkeypatch, settings_for_tests, tmp_path):
    broken = tmp_path / "gold.jsonl"
    broken.write_text('{"id": "x"}\n')
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["eval", "run", "--gold", str(broken)])
    assert result.exit_code == 1 and "line 1: not a gold question" in result.output


def test_eval_with_the_llm_backend_against_a_fake_model(monkeypatch, settings_for_tests, fake_llm, tmp_path):
    from dalil.testing.llm_scripts import quoting

    fake_llm.responder = quoting(1)
    monkeypatch.setenv("DALIL_LLM_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("DALIL_LLM_MODEL", "fake-model")
    monkeypatch.setenv("DALIL_ABSTAIN_THRESHOLD", "0")  # the hash embedder is not calibrated: ask the model
    result = run_eval(
        monkeypatch, settings_for_tests, "--backend", "llm", "--limit", "6", "--json", str(tmp_path / "llm.json")
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "llm.json").read_text())
    assert report["meta"]["backend"] == "llm" and report["meta"]["llm"] == "fake-model"
    assert len(fake_llm.requests) >= 6  # every question reached the model (wrong-language replies are retried)
    # Each question's answer either stood as the model's, or was replaced by the extractive one and says why.
    for question in report["questions"]:
        assert question["backend"] == "llm" or (question["degraded"] and question["degraded_reason"])
    assert report["llm_answered"] + report["degraded"] == 6 and report["llm_answered"] > 0


def test_eval_with_the_llm_backend_needs_a_model(monkeypatch, settings_for_tests):
    monkeypatch.delenv("DALIL_LLM_BASE_URL", raising=False)
    result = run_eval(monkeypatch, settings_for_tests, "--backend", "llm", "--limit", "2")
    assert result.exit_code == 1 and "DALIL_LLM_BASE_URL" in result.output
