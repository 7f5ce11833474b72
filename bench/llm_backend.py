"""The LLM backend's verification on the gold files, with scripted models from best to worst, side by side.

    .venv/bin/python bench/llm_backend.py [--gold FILE ...] [--url http://127.0.0.1:8089/v1 --model NAME]

Each script is a fake OpenAI-compatible server on 127.0.0.1 that reads dalil's prompt (the numbered sources
and the question) and knows the gold file:

- quote-evidence: cites the source holding the gold evidence and quotes it word for word; NO_ANSWER when
  the question has no answer. The best a model can do.
- gold-answer: a short claim with the gold answer in the question's language, cited to the evidence source.
- hallucinate: cites a source it was never given, or changes a number in the evidence sentence.
- unanswerable-guess: answers unanswerable questions with an invented cited claim (and answerable ones well).

With --url, a real model server is evaluated too. The extractive backend runs alongside for reference.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from dalil.eval.metrics import normalize_answer
from dalil.eval.runner import GoldQuestion, evaluate, in_process_answerer, load_gold, stored_articles
from dalil.index.loaded import open_index
from dalil.qa.llm_answerer import LLMAnswerer
from dalil.settings import Settings
from dalil.testing import FakeOpenAI, Reply
from dalil.testing.llm_scripts import prompt_question, prompt_sources

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_GOLD = [ROOT.parent / "shared" / "eval" / "dev_qa.jsonl", ROOT / "eval" / "data" / "calibration.jsonl"]
COLUMNS = ["answer_accuracy", "citation_precision", "abstention_accuracy", "llm_answered", "degraded"]


def evidence_source(question: GoldQuestion, sources: dict[int, str]) -> int | None:
    for evidence in (e for group in question.evidence for e in group):
        for number, text in sources.items():
            if normalize_answer(evidence) in normalize_answer(text):
                return number
    return None


def script(name: str, gold: dict[str, GoldQuestion]):
    def respond(request: dict) -> Reply:
        question = gold.get(prompt_question(request))
        if question is None:  # a language retry: the first user message still holds the question
            return Reply("NO_ANSWER")
        sources = prompt_sources(request)
        number = evidence_source(question, sources) if question.answerable else None
        if number is None:
            if name == "unanswerable-guess":
                return Reply("The agreement was signed in 1999 and covers 40 countries [1].")
            return Reply("NO_ANSWER")
        if name == "quote-evidence" or (name == "unanswerable-guess"):
            return Reply(f"{sources[number]} [{number}]")
        if name == "gold-answer":
            return Reply(f"{question.answers[0][0]} [{number}].")
        # hallucinate: alternately a marker that was never given and a changed number
        if hash(question.id) % 2 or not re.search(r"\d", sources[number]):
            return Reply(f"{sources[number]} [{len(sources) + 7}]")
        return Reply(re.sub(r"\d+", lambda m: str(int(m.group()) + 1), sources[number]) + f" [{number}]")

    return respond


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, nargs="+", default=DEFAULT_GOLD)
    parser.add_argument(
        "--scripts", nargs="*", default=["quote-evidence", "gold-answer", "hallucinate", "unanswerable-guess"]
    )
    parser.add_argument("--url", help="also evaluate a real OpenAI-compatible server (base URL ending in /v1)")
    parser.add_argument("--model", default="local")
    args = parser.parse_args()

    settings = Settings()
    index = open_index(settings)
    rows = []
    for gold_path in args.gold:
        questions = load_gold(gold_path)
        by_question = {q.question: q for q in questions}
        report = evaluate(questions, in_process_answerer(index, k=5, backend="extractive"), stored_articles(index))
        rows.append((gold_path.name, "extractive", report))
        for name in args.scripts:
            with FakeOpenAI(script(name, by_question)) as fake:
                llm = LLMAnswerer.from_settings(
                    settings.model_copy(update={"llm_base_url": fake.base_url, "llm_model": "fake"})
                )
                answerer = in_process_answerer(index, k=5, backend="llm", answerers={"llm": llm})
                rows.append((gold_path.name, name, evaluate(questions, answerer, stored_articles(index))))
        if args.url:
            llm = LLMAnswerer.from_settings(
                settings.model_copy(update={"llm_base_url": args.url, "llm_model": args.model})
            )
            answerer = in_process_answerer(index, k=5, backend="llm", answerers={"llm": llm})
            rows.append((gold_path.name, f"model {args.model}", evaluate(questions, answerer, stored_articles(index))))
    index.close()

    print(
        f"{'gold':20} {'answerer':22} "
        + " ".join(f"{c[:19]:>19}" for c in COLUMNS)
        + f" {'unsupported':>11} {'p50 ms':>8}"
    )
    for gold_name, name, report in rows:
        cells = " ".join(f"{_fmt(report.get(c)):>19}" for c in COLUMNS)
        print(f"{gold_name:20} {name:22} {cells} {report['unsupported_claims']:>11} {report['latency_ms']['p50']:>8}")


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
