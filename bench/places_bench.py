#!/usr/bin/env python3
"""Places Search benchmark (issue 6), on loopback only.

    python3 bench/places_bench.py [--bin build/leadgen] [--delay 0.3] [--rounds 3]
                                  [--seq-rounds 1] [--out DIR]

`leadgen serve` (started as the e2e tests start it: tests/e2e/lib.py's Server,
fresh store, free port) talks to the fake Google Places API (New) of
tests/e2e/fakes/places.py, whose every answer waits DELAY seconds (0.3): the
Text Search call and each Place Details call. One request is
GET /api/v1/places/search.php?query=...: one search returning a page of 20
place ids, then 20 Details calls (all cache misses: every request uses a new
query with 20 new place ids), timed end to end on the client over HTTP.

Two servers in the same run: the default (LEADGEN_PLACES_PARALLEL unset, up
to 20 Details calls at a time) and LEADGEN_PLACES_PARALLEL=1 (one after
another), each after one unrecorded warm-up request. Also one repeat of a
query already answered (every place from the cache, no Details call).

Target: a 20-place page under 1 s wall with the default. Prints a table, writes
places.json to DIR (default bench/out/places-<UTC time>/) and exits 1 when the
target is missed.
"""
import argparse
import json
import os
import statistics
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import lib  # noqa: E402
from fakes.places import PlacesApi, place  # noqa: E402
from bench import cpu_ticks  # noqa: E402  (bench/bench.py)

KEY = "bench-places-key"
PAGE = 20
CATEGORIES = ["dentist", "plumber", "bakery", "florist", "lawyer", "pizza", "hotel", "gym"]
CITIES = ["Berlin", "Hamburg", "München", "Köln", "Wien", "Zürich", "Lyon", "Utrecht"]


def fill(api, query, tag):
    """A page of PAGE fresh places for query."""
    ids = ["ChIJ%s%02d%s" % (tag, i, "x" * 12) for i in range(PAGE)]
    for i, pid in enumerate(ids):
        api.add_place(place(pid, "%s %s %d" % (query.split()[0].title(), tag, i)))
    api.set_results(query, [ids])
    return ids


def search(server, api, query):
    """One timed places/search.php; checks the answer; returns seconds and the fake's count."""
    api.clear()
    t0 = time.monotonic()
    r = server.get("places/search.php", query=query)
    wall = time.monotonic() - t0
    if r.status != 200:
        raise SystemExit("places bench: HTTP %d: %r" % (r.status, r.body[:400]))
    data = r.json["data"]
    return wall, data, r.json.get("credits_used"), len(api.details_calls()), len(api.searches())


def run_server(api, parallel, rounds, tag_base, queries_used):
    env = {"LEADGEN_PLACES_URL": api.url, "LEADGEN_PLACES_KEY": KEY,
           "LEADGEN_FIRST_USER_CREDITS": 10000000}
    if parallel is not None:
        env["LEADGEN_PLACES_PARALLEL"] = parallel
    runs = []
    with lib.Server(env=env) as s:
        pid = s.proc.pid
        q = "warm-up %s" % tag_base
        fill(api, q, tag_base + "w")
        search(s, api, q)  # unrecorded: first upstream connection, lazy libcurl load
        for i in range(rounds):
            query = "%s %s %d" % (CATEGORIES[i % len(CATEGORIES)], CITIES[(i * 3) % len(CITIES)], i)
            query = "%s (%s)" % (query, tag_base)
            fill(api, query, "%s%d" % (tag_base, i))
            queries_used.append(query)
            t0 = cpu_ticks([pid])
            wall, data, credits, details, searches = search(s, api, query)
            cpu_ms = (cpu_ticks([pid]) - t0) * 1000.0 / os.sysconf("SC_CLK_TCK")
            ok = (data["places_count"] == PAGE and data["failed"] == 0 and credits == 10 * PAGE
                  and details == PAGE and all(p["cached"] is False for p in data["places"]))
            if not ok:
                raise SystemExit("places bench: unexpected answer: %d places, %s failed, %s credits,"
                                 " %d Details calls" % (data["places_count"], data["failed"],
                                                        credits, details))
            runs.append({"query": query, "wall_s": round(wall, 4), "places": data["places_count"],
                         "details_calls": details, "search_calls": searches,
                         "credits_used": credits,
                         "server_cpu_ms_in_10ms_ticks": round(cpu_ms, 1)})
        cached = None
        if parallel is None and queries_used:
            wall, data, credits, details, searches = search(s, api, queries_used[0])
            cached = {"query": queries_used[0], "wall_s": round(wall, 4),
                      "places": data["places_count"], "details_calls": details,
                      "search_calls": searches, "credits_used": credits,
                      "all_cached": all(p["cached"] for p in data["places"])}
    return runs, cached


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "leadgen"))
    ap.add_argument("--delay", type=float, default=0.3, help="seconds before every upstream answer")
    ap.add_argument("--rounds", type=int, default=3, help="timed requests with the default")
    ap.add_argument("--seq-rounds", type=int, default=1,
                    help="timed requests with LEADGEN_PLACES_PARALLEL=1")
    ap.add_argument("--out", default=None, help="directory for places.json")
    args = ap.parse_args()
    lib.BIN = os.path.abspath(args.bin)

    # TCP_NODELAY in the fake, as Google's front ends have it: http.server writes
    # headers and body separately, and with Nagle on the body would wait for the
    # client's delayed ACK (40 ms) of the headers.
    BaseHTTPRequestHandler.disable_nagle_algorithm = True
    # A listen backlog like a real front end's: socketserver's default of 5 drops
    # the SYNs of a burst of 20 connections, and each dropped one costs the
    # client a 1 s SYN retransmission, which measures the fake, not leadgen.
    ThreadingHTTPServer.request_queue_size = 128

    result = {"delay_s": args.delay, "page": PAGE,
              "loadavg_at_start": open("/proc/loadavg").read().split()[:3]}
    with PlacesApi(KEY) as api:
        api.delay = args.delay
        used = []
        result["default"], result["cached_repeat"] = run_server(api, None, args.rounds, "P", used)
        result["sequential"], _ = run_server(api, 1, args.seq_rounds, "S", [])
    result["loadavg_at_end"] = open("/proc/loadavg").read().split()[:3]

    d = [r["wall_s"] for r in result["default"]]
    sq = [r["wall_s"] for r in result["sequential"]]
    result["median"] = {"default_s": statistics.median(d),
                        "sequential_s": statistics.median(sq) if sq else None}
    lines = ["places benchmark: a %d-place page, %.0f ms before every upstream answer "
             "(search and each Details call); load average %s at start, %s at end"
             % (PAGE, args.delay * 1000, " ".join(result["loadavg_at_start"]),
                " ".join(result["loadavg_at_end"])), ""]
    fmt = "  %-40s %8s %7s %8s %8s"
    lines.append(fmt % ("run", "wall s", "places", "Details", "credits"))
    for name, runs in (("default (PARALLEL unset)", result["default"]),
                       ("LEADGEN_PLACES_PARALLEL=1", result["sequential"])):
        for i, r in enumerate(runs):
            lines.append(fmt % ("%s #%d" % (name, i + 1), "%.3f" % r["wall_s"], r["places"],
                                r["details_calls"], r["credits_used"]))
    c = result["cached_repeat"]
    if c:
        lines.append(fmt % ("repeat of #1, all cached", "%.3f" % c["wall_s"], c["places"],
                            c["details_calls"], c["credits_used"]))
    lines.append("")
    ok = result["median"]["default_s"] < 1.0
    lines.append("target: 20-place page < 1 s wall: median %.3f s (sequential %s)  %s"
                 % (result["median"]["default_s"],
                    "%.3f s" % result["median"]["sequential_s"] if sq else "not run",
                    "met" if ok else "MISSED"))
    result["target_met"] = ok
    out_dir = args.out or os.path.join(ROOT, "bench", "out",
                                       "places-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "places.json"), "w") as f:
        json.dump(result, f, indent=2)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out_dir, "places-summary.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
