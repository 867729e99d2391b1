#!/usr/bin/env python3
"""Helpers for bench/run.sh: loopback clients, wrk output parsing, summary.

Every client here talks to 127.0.0.1 only and is bounded in count and time.
Standard library only, so it runs on a fresh Debian 12 with python3.

  bench.py free-port
  bench.py cpu-ticks PID...                -> utime+stime ticks summed
  bench.py rss PID                         -> JSON {vm_rss_kb, vm_hwm_kb, threads}
  bench.py wrk-parse LABEL FILE [ROUND [CPU_TICKS]] -> JSON of one wrk --latency run
  bench.py conns PORT KEY PID N OUT.json   hold N idle keep-alive connections, read RSS
  bench.py leads PORT KEY PROJECT RUNS BATCH EXPECT_TOTAL OUT.json [PID]
  bench.py fsync-probe DIR COUNT OUT.json  fdatasync latency of the disk under DIR
  bench.py summary OUTDIR                  table on stdout, summary.md/json in OUTDIR
  bench.py extract DRIVER OUTDIR WORKDIR PASSES GREP_C_RUNS GREP_UTF8_RUNS
                                           extraction MB/s vs grep -oE (extract.json)
"""
import http.client
import json
import os
import re
import resource
import select
import socket
import statistics
import subprocess
import sys
import time
import uuid

HOST = "127.0.0.1"


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out["vm_rss_kb" if k == "VmRSS" else "vm_hwm_kb"] = int(v.split()[0])
            elif k == "Threads":
                out["threads"] = int(v)
    return out


def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # fields from state (3rd) on


def cpu_ticks(pids):
    """utime + stime, in clock ticks, summed over the processes and their direct
    children (nginx workers), all threads included."""
    pids = {int(p) for p in pids}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(proc_stat(entry)[1]) in pids:
                    pids.add(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    total = 0
    for pid in pids:
        fields = proc_stat(pid)
        total += int(fields[11]) + int(fields[12])
    return total


# ---- wrk ---------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"unparsable wrk time {text!r}")
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def wrk_parse(label, path, round_="", cpu_ticks_used=None):
    text = open(path).read()
    r = {"label": label, "round": round_, "file": os.path.basename(path)}
    m = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    if not m:
        raise SystemExit(f"bench: no Requests/sec in {path}:\n{text}")
    r["rps"] = float(m.group(1))
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        r[f"p{pct}_ms"] = to_ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([0-9.]+\w+)", text)
    r["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    r["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    if cpu_ticks_used not in (None, "") and r["requests"]:
        # server CPU (user + system) per request, from /proc/PID/stat around the run
        r["server_cpu_us_per_req"] = (int(cpu_ticks_used) * 1e6 / os.sysconf("SC_CLK_TCK")
                                      / r["requests"])
    return r


# ---- 1,000 idle keep-alive connections ---------------------------------------


def read_response(sock, deadline):
    """Reads one HTTP/1.1 response with a Content-Length; returns the status code."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += recv_some(sock, deadline)
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    need = int(m.group(1)) if m else 0
    while len(body) < need:
        body += recv_some(sock, deadline)
    return status


def recv_some(sock, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("server did not answer in time")
    sock.settimeout(left)
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("server closed the connection")
    return chunk


def established(port):
    """Server-side ESTABLISHED sockets on the port (from ss), or None."""
    try:
        out = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, timeout=10).stdout
        return sum(1 for line in out.splitlines() if line.strip())
    except (OSError, subprocess.SubprocessError):
        return None


def conns(port, key, pid, n, out_path):
    port, pid, n = int(port), int(pid), int(n)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    result = {"connections": n, "before": rss(pid)}
    request = (f"GET /api/v1/projects.php?api_key={key} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
               "Connection: keep-alive\r\n\r\n").encode()
    socks = []
    deadline = time.monotonic() + 60
    t0 = time.monotonic()
    try:
        # one request on each so every connection has been through a full
        # request/response cycle, then it sits idle in keep-alive
        for _ in range(n):
            s = socket.create_connection((HOST, port), timeout=10)
            s.sendall(request)
            status = read_response(s, deadline)
            if status != 200:
                raise SystemExit(f"bench: connection {len(socks)} got HTTP {status}")
            socks.append(s)
        result["open_seconds"] = round(time.monotonic() - t0, 3)
        time.sleep(1.0)  # let the server settle
        readable, _, _ = select.select(socks, [], [], 0)
        result["closed_by_server"] = sum(1 for s in readable if not s.recv(1, socket.MSG_PEEK))
        result["server_established"] = established(port)
        result["held"] = rss(pid)
    finally:
        for s in socks:
            s.close()
    time.sleep(1.0)
    result["after_close"] = rss(pid)
    json.dump(result, open(out_path, "w"), indent=2)
    print(json.dumps(result))
    if result["closed_by_server"]:
        raise SystemExit(f"bench: server closed {result['closed_by_server']} idle connections")


# ---- bulk leads --------------------------------------------------------------

FIRST = ["john", "mary", "ahmed", "li", "sofia", "pierre", "anna", "kenji", "olga", "diego"]
LAST = ["doe", "smith", "khan", "wang", "rossi", "martin", "berg", "sato", "ivanova", "lopez"]
LOCAL_ONLY = ["info", "sales", "contact", "office"]


def lead_batch(run, batch):
    """500 leads with fresh random emails, a mix of the shapes clients send."""
    leads = []
    for i in range(batch):
        tag = uuid.uuid4().hex[:12]
        f, l = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        shape = i % 4
        if shape == 0:  # names derived from john.doe@
            lead = {"email": f"{f}.{l}.{tag}@example-{i % 97}.com"}
        elif shape == 1:  # john_doe@ with a company
            lead = {"email": f"{f}_{l}_{tag}@corp{run}.example.org", "company": f"Corp {run}"}
        elif shape == 2:  # explicit names and details
            lead = {"email": f"{tag}@{l}-{i % 13}.example.net", "firstname": f.title(),
                    "lastname": l.title(), "company": f"{l.title()} GmbH",
                    "website": f"https://{l}-{i % 13}.example.net",
                    "phones": "+49 30 1234567", "description": "bench lead"}
        else:  # role address: no names
            lead = {"email": f"{LOCAL_ONLY[i % 4]}-{tag}@shop{i % 31}.example.com"}
        leads.append(lead)
    return leads


def leads(port, key, project, runs, batch, expect_total, out_path, pid=None):
    port, project, runs, batch = int(port), int(project), int(runs), int(batch)
    total = int(expect_total)
    ticks0 = None
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    path = f"/api/v1/leads.php?api_key={key}"
    times = []
    for run in range(runs + 1):  # run 0 is a warm-up, reported separately
        body = json.dumps({"project_id": project, "leads": lead_batch(run, batch)})
        t0 = time.perf_counter()
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        ms = (time.perf_counter() - t0) * 1000.0
        doc = json.loads(data)
        total += batch
        if resp.status != 200 or doc["data"]["added"] != batch or doc["data"]["leads_count"] != total:
            raise SystemExit(f"bench: unexpected answer to leads POST {run}: {resp.status} {data[:300]!r}")
        times.append(ms)
        if run == 0 and pid:
            ticks0 = cpu_ticks([int(pid)])
    conn.close()
    measured = times[1:]
    server_cpu_ms = None
    if ticks0 is not None:
        server_cpu_ms = (cpu_ticks([int(pid)]) - ticks0) * 1000.0 / os.sysconf("SC_CLK_TCK") / runs
    result = {
        "project_leads_before": int(expect_total),
        "batch": batch,
        "runs": runs,
        "body_bytes_last": len(body),
        "warmup_ms": round(times[0], 3),
        "times_ms": [round(t, 3) for t in measured],
        "median_ms": round(statistics.median(measured), 3),
        "max_ms": round(max(measured), 3),
        "min_ms": round(min(measured), 3),
        "leads_count_after": total,
        "server_cpu_ms_per_request": None if server_cpu_ms is None else round(server_cpu_ms, 2),
    }
    json.dump(result, open(out_path, "w"), indent=2)
    print(json.dumps(result))


# ---- disk flush latency (context for the bulk-leads figures) ----------------


def fsync_probe(directory, count, out_path):
    """count x (append 16 KiB + fdatasync) in directory: the cost of one durable commit."""
    count = int(count)
    path = os.path.join(directory, "fsync-probe.bin")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    block = os.urandom(16384)
    times = []
    try:
        for _ in range(count):
            os.write(fd, block)
            t0 = time.perf_counter()
            os.fdatasync(fd)
            times.append((time.perf_counter() - t0) * 1000.0)
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()
    result = {"count": count, "median_ms": round(statistics.median(times), 3),
              "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3),
              "max_ms": round(times[-1], 3)}
    json.dump(result, open(out_path, "w"), indent=2)
    print(json.dumps(result))


# ---- extraction throughput vs grep (issue 3) -----------------------------------

EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"


def run_timed(argv, env=None):
    """Runs argv with stdout to a pipe read here; wall and CPU (user + sys) seconds of
    the child alone, and the number of lines it printed."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: proc.stdout.read(1 << 16), b""))
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # grep: 1 = no match
        raise SystemExit(f"bench: {argv[0]} failed")
    return wall, ru.ru_utime + ru.ru_stime, lines


def grep_runs(corpus, locale, runs):
    """`grep -oE EMAIL_RE corpus` under LC_ALL=locale, runs times (after a warm-up)."""
    env = dict(os.environ, LC_ALL=locale)
    argv = ["grep", "-oE", EMAIL_RE, corpus]
    run_timed(argv, env)
    walls, cpus, matches = [], [], 0
    for _ in range(runs):
        w, c, matches = run_timed(argv, env)
        walls.append(w)
        cpus.append(c)
    mb = os.path.getsize(corpus) / 1e6
    return {"locale": locale, "runs": runs, "matches": matches,
            "wall_s": [round(w, 4) for w in walls], "cpu_s": [round(c, 4) for c in cpus],
            "mb_per_s_wall_median": round(mb / statistics.median(walls), 1),
            "mb_per_s_cpu_median": round(mb / statistics.median(cpus), 1),
            "mb_per_s_wall_best": round(mb / min(walls), 1),
            "mb_per_s_cpu_best": round(mb / min(cpus), 1)}


def extract(driver, outdir, workdir, passes, grep_c_runs, grep_utf8_runs):
    """Runs the extraction driver on the fixtures corpus (when ../shared is there) and
    on the generated one, then grep over each corpus file; extract.json + summary."""
    passes, grep_c_runs, grep_utf8_runs = int(passes), int(grep_c_runs), int(grep_utf8_runs)
    fixtures = os.environ.get("BENCH_FIXTURES") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "fixtures")
    corpora = (["fixtures"] if os.path.isdir(os.path.join(fixtures, "sites")) else []) + ["generated"]
    result = {"email_regex": EMAIL_RE, "grep": subprocess.run(
        ["grep", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
        "loadavg_at_start": open("/proc/loadavg").read().split()[:3], "corpora": {}}
    for kind in corpora:
        corpus = os.path.join(workdir, f"corpus-{kind}.html")
        argv = [driver, "--passes", str(passes), "--corpus-out", corpus, "--fixtures", fixtures]
        if kind == "generated":
            argv.append("--generated")
        out = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=True)
        engine = json.loads(out.stdout)
        entry = {"engine": engine, "grep": [grep_runs(corpus, "C", grep_c_runs)]}
        if grep_utf8_runs:
            entry["grep"].append(grep_runs(corpus, "C.UTF-8", grep_utf8_runs))
        result["corpora"][kind] = entry
        os.unlink(corpus)
    result["loadavg_at_end"] = open("/proc/loadavg").read().split()[:3]

    lines = [f"extraction throughput, one thread (load average "
             f"{' '.join(result['loadavg_at_start'])} at start, "
             f"{' '.join(result['loadavg_at_end'])} at end)", ""]
    fmt = "  %-46s %13s %13s %11s %11s  %s"
    lines.append(fmt % ("run", "MB/s CPU med", "MB/s wall med", "CPU best", "wall best", "found per pass"))
    targets = {}
    for kind, entry in result["corpora"].items():
        e = entry["engine"]
        label = (f"{kind}: {e['bytes'] / 1e6:.1f} MB, {e['pages']} pages"
                 + (f" ({e['unique_pages']} distinct)" if e["unique_pages"] != e["pages"] else ""))
        lines.append(f"  {label}")
        found = e["per_pass"]
        lines.append(fmt % ("  leadgen extract_page", e["mb_per_s_cpu_median"], e["mb_per_s_wall_median"],
                            e["mb_per_s_cpu_best"], e["mb_per_s_wall_best"],
                            f"{found['emails']} emails, {found['phones']} phones, "
                            f"{found['social']} social, {found['links']} links"))
        for g in entry["grep"]:
            lines.append(fmt % (f"  grep -oE (LC_ALL={g['locale']})", g["mb_per_s_cpu_median"],
                                g["mb_per_s_wall_median"], g["mb_per_s_cpu_best"],
                                g["mb_per_s_wall_best"], f"{g['matches']} matches"))
        targets[f"{kind}: >= 150 MB/s on one core"] = (
            f"{e['mb_per_s_cpu_median']} MB/s CPU, {e['mb_per_s_wall_median']} wall",
            e["mb_per_s_cpu_median"] >= 150)
    lines.append("")
    lines.append("targets (median of the passes; CPU = the thread's own CPU time):")
    for k, (fig, ok) in targets.items():
        lines.append(f"  {k:<36} {fig:<32} {verdict(ok)}")
    result["targets"] = {k: {"figure": f, "met": ok} for k, (f, ok) in targets.items()}
    json.dump(result, open(os.path.join(outdir, "extract.json"), "w"), indent=2)
    text = "\n".join(lines) + "\n"
    open(os.path.join(outdir, "extract-summary.txt"), "w").write(text)
    sys.stdout.write(text)


# ---- summary -----------------------------------------------------------------


def load(outdir, name):
    p = os.path.join(outdir, name)
    return json.load(open(p)) if os.path.exists(p) else None


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def verdict(ok):
    return "met" if ok else "MISSED"


def summary(outdir):
    machine = load(outdir, "machine.json") or {}
    runs = []
    if os.path.exists(os.path.join(outdir, "wrk.jsonl")):
        runs = [json.loads(l) for l in open(os.path.join(outdir, "wrk.jsonl")) if l.strip()]
    mem = {k: v for k, v in (("idle", load(outdir, "rss_idle.json")),
                             ("warm", load(outdir, "rss_warm.json")),
                             ("conns", load(outdir, "conns.json")),
                             ("after_wrk", load(outdir, "rss_after_wrk.json"))) if v}
    bulk = load(outdir, "leads.json") or {}
    lines, table = [], []

    def row(*cells):
        table.append(cells)

    lg = [r for r in runs if r["label"] == "leadgen"]
    ng = [r for r in runs if r["label"] == "nginx"]
    lg_log = [r for r in runs if r["label"] == "leadgen+accesslog"]
    targets = {}
    for r in runs:
        row(f"wrk {r['label']} #{r.get('round', '')}", f"{r['rps']:.0f} req/s",
            f"p50 {r['p50_ms']:.2f} ms", f"p99 {r['p99_ms']:.2f} ms",
            (f"server CPU {r['server_cpu_us_per_req']:.1f} us/req; " if "server_cpu_us_per_req" in r
             else "") + f"non-2xx {r['non_2xx']}, socket errors {r['socket_errors']}")
    if lg and ng:
        lg_rps, ng_rps = mean([r["rps"] for r in lg]), mean([r["rps"] for r in ng])
        lg_p99, ng_p99 = mean([r["p99_ms"] for r in lg]), mean([r["p99_ms"] for r in ng])
        def cpu(rs):
            xs = [r["server_cpu_us_per_req"] for r in rs if "server_cpu_us_per_req" in r]
            return f"server CPU {mean(xs):.1f} us/req" if xs else ""
        row("mean leadgen", f"{lg_rps:.0f} req/s", f"p50 {mean([r['p50_ms'] for r in lg]):.2f} ms",
            f"p99 {lg_p99:.2f} ms", cpu(lg))
        row("mean nginx", f"{ng_rps:.0f} req/s", f"p50 {mean([r['p50_ms'] for r in ng]):.2f} ms",
            f"p99 {ng_p99:.2f} ms", cpu(ng))
        clean = all(r["non_2xx"] == 0 and r["socket_errors"] == 0 for r in lg + ng)
        targets["rps >= nginx"] = (f"{lg_rps / ng_rps:.2f}x nginx", lg_rps >= ng_rps and clean)
        targets["p99 <= nginx"] = (f"{lg_p99:.2f} vs {ng_p99:.2f} ms", lg_p99 <= ng_p99 and clean)
    if lg_log and lg:
        row("access log on vs off", f"{lg_log[0]['rps'] / mean([r['rps'] for r in lg]):.2f}x rps",
            "", "", "")
    if "idle" in mem and "conns" in mem:
        idle = mem["idle"]["vm_rss_kb"] / 1024
        held = mem["conns"]["held"]["vm_rss_kb"] / 1024
        row("RSS idle after start", f"{idle:.1f} MB", f"HWM {mem['idle']['vm_hwm_kb'] / 1024:.1f} MB",
            f"threads {mem['idle']['threads']}", "")
        if "warm" in mem:
            row("RSS idle after 1 request", f"{mem['warm']['vm_rss_kb'] / 1024:.1f} MB", "", "", "")
        c = mem["conns"]
        row(f"RSS with {c['connections']} idle conns", f"{held:.1f} MB",
            f"HWM {c['held']['vm_hwm_kb'] / 1024:.1f} MB",
            f"server-side established {c['server_established']}",
            f"after close {c['after_close']['vm_rss_kb'] / 1024:.1f} MB")
        if "after_wrk" in mem:
            row("RSS after the wrk runs", f"{mem['after_wrk']['vm_rss_kb'] / 1024:.1f} MB",
                f"HWM {mem['after_wrk']['vm_hwm_kb'] / 1024:.1f} MB", "", "")
        targets["idle RSS < 10 MB"] = (f"{idle:.1f} MB", idle < 10)
        targets[f"RSS at {c['connections']} conns < 100 MB"] = (f"{held:.1f} MB", held < 100)
    if bulk:
        row(f"POST {bulk['batch']} leads into {bulk['project_leads_before']:,}",
            f"median {bulk['median_ms']:.2f} ms", f"max {bulk['max_ms']:.2f} ms",
            f"warm-up {bulk['warmup_ms']:.2f} ms", f"{bulk['runs']} runs")
        if bulk.get("server_cpu_ms_per_request") is not None:
            row("  server CPU per 500-lead POST", f"{bulk['server_cpu_ms_per_request']:.2f} ms", "", "", "")
        targets["500 leads < 50 ms (median)"] = (f"median {bulk['median_ms']:.2f} ms",
                                                 bulk["median_ms"] < 50)
        targets["500 leads < 50 ms (max)"] = (f"max {bulk['max_ms']:.2f} ms", bulk["max_ms"] < 50)
    probe = load(outdir, "fsync.json")
    if probe:
        row(f"disk fdatasync x{probe['count']}", f"median {probe['median_ms']:.2f} ms",
            f"p99 {probe['p99_ms']:.2f} ms", f"max {probe['max_ms']:.2f} ms", "")
    diag = []
    if os.path.exists(os.path.join(outdir, "diagnostics.jsonl")):
        diag = [json.loads(l) for l in open(os.path.join(outdir, "diagnostics.jsonl")) if l.strip()]
    for d in diag:
        row(f"diag {d['label']}", f"{d['rps']:.0f} req/s", f"p50 {d['p50_ms']:.2f} ms",
            f"p99 {d['p99_ms']:.2f} ms",
            f"server CPU {d['server_cpu_us_per_req']:.1f} us/req" if "server_cpu_us_per_req" in d else "")

    widths = [max(len(str(r[i])) for r in table) for i in range(5)] if table else []
    lines.append(f"leadgen benchmark {os.path.basename(os.path.realpath(outdir))}: "
                 f"{machine.get('cpu', '?')}, {machine.get('nproc', '?')} cores, "
                 f"kernel {machine.get('kernel', '?')}")
    end = load(outdir, "load-end.json") or {}
    lines.append(f"load average at start {machine.get('loadavg_at_start', '?')}, "
                 f"at end {end.get('loadavg_at_end', '?')} (other work on the machine skews figures)")
    lines.append("")
    for r in table:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    lines.append("")
    lines.append("targets:")
    for name, (figure, ok) in targets.items():
        lines.append(f"  {name:<30} {figure:<24} {verdict(ok)}")
    text = "\n".join(lines) + "\n"
    open(os.path.join(outdir, "summary.txt"), "w").write(text)
    json.dump({"machine": machine, "targets": {k: {"figure": f, "met": ok}
                                               for k, (f, ok) in targets.items()}},
              open(os.path.join(outdir, "summary.json"), "w"), indent=2)
    sys.stdout.write(text)


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "free-port":
        print(free_port())
    elif cmd == "cpu-ticks":
        print(cpu_ticks(int(a) for a in args))
    elif cmd == "rss":
        print(json.dumps(rss(int(args[0]))))
    elif cmd == "wrk-parse":
        print(json.dumps(wrk_parse(*args)))
    elif cmd == "conns":
        conns(*args)
    elif cmd == "leads":
        leads(*args)
    elif cmd == "fsync-probe":
        fsync_probe(*args)
    elif cmd == "extract":
        extract(*args)
    elif cmd == "summary":
        summary(args[0])
    else:
        raise SystemExit(f"bench.py: unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
