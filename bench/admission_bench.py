#!/usr/bin/env python3
"""Admission benchmark (issue 12): how long user B's one-page crawl of a fast
site takes while user A has FLOOD crawls of a slow site in flight.

    python3 bench/admission_bench.py [--bin build/leadgen] [--before OLD_BIN]
                                     [--flood 80] [--rounds 3] [--delay 1.5]

Each round starts a fresh `leadgen serve` (tests/e2e/lib.py) with the fake
sites of tests/e2e/fakes/sites.py pinned by LEADGEN_RESOLVE: a slow site whose
every answer (robots.txt included) waits DELAY seconds and whose home page
links to four more pages, and one fast one-page site per round. User A sends
FLOOD crawls of the slow site at once, each on its own connection; half a
second later user B crawls the fast site. Printed per binary: B's latency
(median and worst over the rounds) and what A's crawls got back (200, or 429
when the per-user cap refuses them). Target: B under 2 s. With --before the
same rounds run against an older binary first (e.g. main's), for comparison.
"""
import argparse
import os
import statistics
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import lib  # noqa: E402
from fakes.sites import Sites, page  # noqa: E402

SLOW = "slow-shop.example"
TARGET_S = 2.0


def slow_pages():
    links = "".join('<a href="/p%d">Page %d</a>' % (i, i) for i in range(4))
    pages = {"/": page(links + " office@slow-shop.example")}
    for i in range(4):
        pages["/p%d" % i] = page("Page %d, sales@slow-shop.example" % i)
    return pages


def one_round(bin_path, flood, delay, n):
    fast = "fast%d-shop.example" % n  # a new host each round: never a cache hit
    with Sites() as sites:
        sites.add(SLOW, slow_pages())
        sites.add(fast, {"/": page("hello@%s" % fast)})
        sites.host_delays[SLOW] = delay
        with lib.Server(env=sites.env(), bin=bin_path) as s:
            key_a = s.add_user("a@example.com", credits=1000000)
            key_b = s.add_user("b@example.com", credits=1000)
            statuses = []
            lock = threading.Lock()

            def crawl_a():
                conn = s.connect(timeout=300)
                try:
                    r = s.request("GET", "crawl.php", params={"domain": sites.url(SLOW)},
                                  key=key_a, conn=conn)
                    with lock:
                        statuses.append(r.status)
                finally:
                    conn.close()

            threads = [threading.Thread(target=crawl_a) for _ in range(flood)]
            started = time.monotonic()
            for t in threads:
                t.start()
            time.sleep(0.5)  # A's crawls reach the server and the slow site
            conn = s.connect(timeout=300)
            t0 = time.monotonic()
            r = s.request("GET", "crawl.php", params={"domain": sites.url(fast)}, key=key_b,
                          conn=conn)
            b_latency = time.monotonic() - t0
            conn.close()
            assert r.status == 200, r
            for t in threads:
                t.join(300)
            a_wall = time.monotonic() - started
            return b_latency, sorted(statuses), a_wall


def run(label, bin_path, args):
    latencies, walls, counts = [], [], {}
    for n in range(args.rounds):
        b, statuses, a_wall = one_round(bin_path, args.flood, args.delay, n)
        latencies.append(b)
        walls.append(a_wall)
        for st in statuses:
            counts[st] = counts.get(st, 0) + 1
        print("  %s round %d: B %.2f s; A: %s in %.1f s" % (
            label, n + 1, b, ", ".join("%d x %d" % (statuses.count(c), c)
                                       for c in sorted(set(statuses))), a_wall), flush=True)
    return {"label": label, "bin": bin_path, "b_median": statistics.median(latencies),
            "b_worst": max(latencies), "a_statuses": counts, "a_wall": statistics.median(walls)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "leadgen"))
    ap.add_argument("--before", help="an older binary to measure first")
    ap.add_argument("--flood", type=int, default=80)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--delay", type=float, default=1.5, help="seconds per slow-site answer")
    args = ap.parse_args()
    results = []
    if args.before:
        results.append(run("before", os.path.abspath(args.before), args))
    results.append(run("after", os.path.abspath(args.bin), args))
    print("\n%-7s %12s %12s %14s  %s" % ("binary", "B median s", "B worst s", "A median s",
                                          "A's answers (over all rounds)"))
    for r in results:
        print("%-7s %12.2f %12.2f %14.1f  %s" % (
            r["label"], r["b_median"], r["b_worst"], r["a_wall"],
            ", ".join("%d x %d" % (n, st) for st, n in sorted(r["a_statuses"].items()))))
    missed = results[-1]["b_worst"] >= TARGET_S
    print("target: B under %.0f s: %s" % (TARGET_S, "missed" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
