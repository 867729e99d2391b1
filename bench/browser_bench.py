#!/usr/bin/env python3
"""Browser search provider benchmark (issue 18): searches per second and p50/p99
latency of search.php with the `browser` provider (warm Chromium, 2 tabs, 2
clients) against the local fake engine's JavaScript-written Google page, beside
the `direct` provider on the same engine's plain page, in the same run; and the
browser's memory (PSS of its whole process group) at rest and under load.
Target: warm browser p99 under 1 s. Every query is unique (no cache hits).
Reuses the end-to-end harness (tests/e2e/lib.py, fakes/engines.py); loopback only."""
import argparse
import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))

import lib  # noqa: E402
from fakes.engines import Engines, result  # noqa: E402
from test_providers import chromium_pids  # noqa: E402

TARGET_P99 = 1.0


def group_pss_mb(pgid):
    """Proportional set size (shared pages split among their users, so the sum is
    not inflated by the libraries every Chromium process maps) of every process
    in group pgid: Chromium and its children."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            with open("/proc/%s/smaps_rollup" % name) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1024.0


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def run(s, e, provider, clients, per_client, mode, sampler=None):
    """Times clients x per_client unique searches; returns (latencies, seconds)."""
    latencies, lock = [], threading.Lock()

    def client(c):
        for i in range(per_client):
            q = "%s bench %d %d" % (provider, c, i)
            e.set_results(q, [result(k) for k in range(1, 11)])
            e.set_mode(q, mode)
            started = time.monotonic()
            r = s.get("search.php", query=q)
            took = time.monotonic() - started
            assert r.status == 200 and r.json["data"]["provider"] == provider, r
            with lock:
                latencies.append(took)
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if sampler:
            sampler()
        time.sleep(0.05)
    return latencies, time.monotonic() - started


def report(name, latencies, seconds):
    print("%-8s %4d searches in %6.2f s: %6.1f searches/s, p50 %4.0f ms, p99 %4.0f ms, max %4.0f ms"
          % (name, len(latencies), seconds, len(latencies) / seconds,
             statistics.median(latencies) * 1000, percentile(latencies, 99) * 1000,
             max(latencies) * 1000))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/leadgen")
    ap.add_argument("--searches", type=int, default=100, help="per client")
    ap.add_argument("--clients", type=int, default=2)
    args = ap.parse_args()
    lib.BIN = os.path.abspath(args.bin)
    with Engines() as e:
        env = {"LEADGEN_SEARCH_PROVIDER": "browser", "LEADGEN_GOOGLE_SEARCH_URL": e.google_url,
               "LEADGEN_BING_SEARCH_URL": e.bing_url, "LEADGEN_BROWSER_TABS": "2",
               "LEADGEN_FIRST_USER_CREDITS": "100000000", "LEADGEN_ACCESS_LOG": "0",
               "LEADGEN_RATE_LIMIT": "search=0/min"}  # the default 60/min would cap the run
        with lib.Server(env=env) as s:
            run(s, e, "browser", args.clients, 5, "js")  # warm: started, tabs opened
            (pid,) = chromium_pids(s.proc.pid)
            time.sleep(1)
            rest = group_pss_mb(pid)
            peak = [rest]
            lat, secs = run(s, e, "browser", args.clients, args.searches, "js",
                            lambda: peak.append(group_pss_mb(pid)))
            report("browser", lat, secs)
            browser_p99 = percentile(lat, 99)
            print("browser memory (PSS of Chromium's process group): %.0f MB at rest, "
                  "%.0f MB peak under load" % (rest, max(peak)))
        env["LEADGEN_SEARCH_PROVIDER"] = "direct"
        with lib.Server(env=env) as s:
            run(s, e, "direct", args.clients, 5, "results")
            lat, secs = run(s, e, "direct", args.clients, args.searches, "results")
            report("direct", lat, secs)
    verdict = "met" if browser_p99 < TARGET_P99 else "MISSED"
    print("target: warm browser p99 < %.1f s: %s (%.0f ms)" % (TARGET_P99, verdict,
                                                             browser_p99 * 1000))
    return 0 if browser_p99 < TARGET_P99 else 1


if __name__ == "__main__":
    sys.exit(main())
