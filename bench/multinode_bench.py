#!/usr/bin/env python3
"""Issue 14's benchmark (docs/BENCHMARKS.md, "Several processes on PostgreSQL"):

1. cached authenticated requests per second, two wrk -t1 -c16 at once (summed)
   against SQLite (one `serve`), PostgreSQL with one `serve` (both wrk on it),
   and PostgreSQL with two `serve` processes (one wrk each), in the same run, for
   GET projects.php (the in-process hot cache) and a cached crawl.php answer
   (the shared response cache in the store, plus the credit reservation);
2. `store copy` rows per second: a SQLite store with N leads (bench/claim_bench
   seed) copied to PostgreSQL, and back to a fresh SQLite file;
3. scheduler claim throughput with N pending recipients: bench/claim_bench run
   with one and two worker processes on the PostgreSQL copy (and two on the
   SQLite source for comparison).

    python3 bench/multinode_bench.py          # after `make all bench-tools`

Knobs: LEADGEN_BIN (build/leadgen), CLAIM_BENCH (build/bench/claim_bench),
BENCH_DURATION (s per wrk run, 5), BENCH_RECIPIENTS (1000000), BENCH_CLAIM_SECONDS
(10). Starts its own PostgreSQL cluster (scripts/pg-cluster.sh) and removes it.
All load goes to loopback; every step has a time limit. Raw results:
bench/out/multinode-<UTC time>.json.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from fakes.sites import Sites, page  # noqa: E402

BIN = os.path.abspath(os.environ.get("LEADGEN_BIN", os.path.join(ROOT, "build", "leadgen")))
CLAIM = os.path.abspath(os.environ.get("CLAIM_BENCH", os.path.join(ROOT, "build", "bench",
                                                                    "claim_bench")))
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "1000000"))
CLAIM_SECONDS = float(os.environ.get("BENCH_CLAIM_SECONDS", "10"))
CONNECTIONS = 16  # per wrk; every configuration runs two wrk (the same client capacity)
PG_CLUSTER = os.path.join(ROOT, "scripts", "pg-cluster.sh")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADGEN_")
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Serve:
    def __init__(self, db, tmp, extra):
        self.port = free_port()
        self.out = os.path.join(tmp, "serve-%d.out" % self.port)
        env = clean_env(dict(extra, LEADGEN_DB=db, LEADGEN_LISTEN="127.0.0.1:%d" % self.port,
                             LEADGEN_ACCESS_LOG=0, LEADGEN_USER_INFLIGHT=1024))
        with open(self.out, "wb") as out:
            self.proc = subprocess.Popen([BIN, "serve", "--no-scheduler"], env=env, stdout=out,
                                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.port, timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("serve on %s did not start" % db)
        lines = [l for l in open(self.out).read().splitlines() if l.strip()]
        self.key = lines[-1].strip() if lines and " " not in lines[-1].strip() else None

    def url(self, path):
        return "http://127.0.0.1:%d/api/v1/%s" % (self.port, path)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def wrk_many(urls):
    """One wrk per URL, all at once; their summed requests/s and non-2xx count."""
    procs = [subprocess.Popen(["timeout", str(DURATION + 30), "wrk", "-t1", "-c%d" % CONNECTIONS,
                               "-d%ds" % DURATION, "--latency", u], stdout=subprocess.PIPE,
                              text=True) for u in urls]
    total, bad, p99 = 0.0, 0, []
    for p in procs:
        out = p.communicate()[0]
        m = re.search(r"Requests/sec:\s+([\d.]+)", out)
        total += float(m.group(1)) if m else 0.0
        m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        bad += int(m.group(1)) if m else 0
        m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
        if m:
            p99.append(float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)])
    return {"rps": round(total), "non_2xx": bad, "p99_ms": max(p99) if p99 else None}


def http_part(pg, tmp, results):
    with Sites() as sites:
        sites.add("cached-site.lgtest", {"/": page("Write to hello@cached-site.lgtest")})
        env = sites.env()
        pg_http = pg + "?options=-csearch_path%3Dbench_http"
        sqlite = os.path.join(tmp, "http.db")
        a = Serve(pg_http, tmp, env)
        b = Serve(pg_http, tmp, env)
        s = Serve(sqlite, tmp, env)
        try:
            domain = sites.url("cached-site.lgtest", "/")
            paths = {"projects.php": "projects.php?api_key={key}",
                     "crawl.php (cached)": "crawl.php?api_key={key}&domain="
                                           + urllib.parse.quote(domain, safe="")}
            for srv in (a, s):
                req = urllib.request.Request(srv.url("projects.php?api_key=" + srv.key),
                                             data=b'{"name": "bench"}',
                                             headers={"Content-Type": "application/json"})
                urllib.request.urlopen(req, timeout=30).read()
                get(srv.url(paths["crawl.php (cached)"].replace("{key}", srv.key)))  # fills the cache
            b.key = a.key
            for label, path in paths.items():
                row = {}
                at = {srv: srv.url(path.replace("{key}", srv.key)) for srv in (a, b, s)}
                row["sqlite_1"] = wrk_many([at[s], at[s]])
                row["pg_1"] = wrk_many([at[a], at[a]])
                row["pg_2"] = wrk_many([at[a], at[b]])
                results["http"][label] = row
                log("%-20s sqlite x1 %7d/s   postgres x1 %7d/s   postgres x2 %7d/s"
                    % (label, row["sqlite_1"]["rps"], row["pg_1"]["rps"], row["pg_2"]["rps"]))
        finally:
            for srv in (a, b, s):
                srv.stop()


def copy(source, target):
    started = time.monotonic()
    out = subprocess.run([BIN, "store", "copy", "--to", target], env=clean_env({"LEADGEN_DB": source}),
                         capture_output=True, text=True, timeout=1800)
    took = time.monotonic() - started
    assert out.returncode == 0, out.stderr
    rows = sum(int(l.split()[1]) for l in out.stdout.splitlines()
               if len(l.split()) == 2 and l.split()[1].isdigit())
    return {"rows": rows, "seconds": round(took, 2), "rows_per_s": round(rows / took)}


def claim(store, workers):
    out = subprocess.run([CLAIM, "run", store, str(workers), str(CLAIM_SECONDS)],
                         capture_output=True, text=True, timeout=CLAIM_SECONDS + 1800)
    assert out.returncode == 0, out.stderr
    log(out.stderr.strip())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    tmp = tempfile.mkdtemp(prefix="leadgen-multinode-bench-")
    cluster = tempfile.mkdtemp(prefix="leadgen-bench-pg-")  # beside tmp: the cluster's
    os.rmdir(cluster)  # owner (nobody, when run as root) cannot enter tmp
    results = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "load_before": os.getloadavg(), "cores": os.cpu_count(), "http": {}}
    pg = subprocess.run([PG_CLUSTER, "start", cluster], capture_output=True, text=True,
                        check=True, timeout=120).stdout.strip()
    try:
        http_part(pg, tmp, results)

        source = os.path.join(tmp, "claims.db")
        seeded = subprocess.run([CLAIM, "seed", source, str(RECIPIENTS)], capture_output=True,
                                text=True, timeout=1800)
        assert seeded.returncode == 0, seeded.stderr
        log(seeded.stderr.strip())
        pg_claims = pg + "?options=-csearch_path%3Dbench_claims"
        results["copy_to_pg"] = copy(source, pg_claims)
        results["copy_to_sqlite"] = copy(pg_claims, os.path.join(tmp, "back.db"))
        log("store copy: sqlite -> postgres %(rows)d rows in %(seconds)s s = %(rows_per_s)d rows/s"
            % results["copy_to_pg"])
        log("store copy: postgres -> sqlite %(rows)d rows in %(seconds)s s = %(rows_per_s)d rows/s"
            % results["copy_to_sqlite"])

        results["claims_pg_2"] = claim(pg_claims, 2)
        results["claims_pg_1"] = claim(pg_claims, 1)
        results["claims_sqlite_2"] = claim(source, 2)
        results["load_after"] = os.getloadavg()
    finally:
        subprocess.run([PG_CLUSTER, "stop", cluster], capture_output=True, timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)
    out_dir = os.path.join(ROOT, "bench", "out")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "multinode-%s.json" % time.strftime("%Y%m%dT%H%M%SZ",
                                                                      time.gmtime()))
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print(json.dumps(results, indent=1))
    log("raw results: %s" % path)


if __name__ == "__main__":
    main()
