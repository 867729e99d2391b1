#!/usr/bin/env python3
"""Crawl benchmark (issue 3): `leadgen crawl` against Scrapy on the same local
site, on loopback only.

    python3 bench/crawl_bench.py [--bin build/leadgen] [--rounds 3] [--delay 0.1]
                                 [--out DIR] [--no-scrapy]

The site is a 15-page dental practice (www.praxis-lindenhof.de, pinned to
127.0.0.1 with LEADGEN_RESOLVE for leadgen and an equivalent pinned resolver for
Scrapy) served by a threading http.server that waits DELAY seconds before every
answer, robots.txt and 404s included. Every page links to the 14 others (plus a
PDF, outside profiles and a share link), 20-28 KB each of realistic markup
(inline CSS and script, navigation, prose) with contacts in several forms.

Runs alternate leadgen, Scrapy, leadgen, Scrapy, ... (ROUNDS each, after one
unrecorded warm-up of each) in two set-ups: robots.txt obeyed (leadgen's
default; ROBOTSTXT_OBEY=True for Scrapy) and not (LEADGEN_OBEY_ROBOTS=0;
ROBOTSTXT_OBEY=False). For each run: wall time of the process, its CPU time
(user + sys, os.wait4), its peak RSS (/usr/bin/time's %M; see measure()), the
pages it reported, the emails it found and the requests the site saw. Scrapy
is bench/scrapy_spider.py under Debian's /usr/bin/python3 (python3-scrapy),
which also reports its own crawl time without interpreter and Scrapy start-up.

"Faster than Scrapy" compares leadgen's whole process with Scrapy's own crawl
time (the stricter reading); both process wall times are printed too.

Targets: leadgen under 0.6 s wall; faster than Scrapy; at least 5 x less CPU
and peak RSS than Scrapy. Prints a table, writes crawl.json to DIR (default
bench/out/crawl-<UTC time>/) and exits 1 when a target is missed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
HOST = "www.praxis-lindenhof.de"
DOMAIN = "praxis-lindenhof.de"
SCRAPY_PYTHON = "/usr/bin/python3"

PAGES = [
    ("/", "Zahnarztpraxis Lindenhof – Ihr Zahnarzt in Mannheim"),
    ("/leistungen/", "Leistungen"),
    ("/leistungen/prophylaxe/", "Prophylaxe und professionelle Zahnreinigung"),
    ("/leistungen/implantate/", "Implantate"),
    ("/leistungen/bleaching/", "Bleaching"),
    ("/leistungen/kinderzahnheilkunde/", "Kinderzahnheilkunde"),
    ("/team/", "Unser Team"),
    ("/ueber-uns/", "Über uns"),
    ("/aktuelles/", "Aktuelles"),
    ("/aktuelles/neue-sprechzeiten/", "Neue Sprechzeiten ab März"),
    ("/aktuelles/praxisurlaub/", "Praxisurlaub im August"),
    ("/jobs/", "Stellenangebote: ZFA (m/w/d)"),
    ("/kontakt/", "Kontakt und Anfahrt"),
    ("/impressum/", "Impressum"),
    ("/datenschutz/", "Datenschutzerklärung"),
]
assert len(PAGES) == 15

PROSE = ("Unsere Praxis im Herzen von Mannheim-Lindenhof steht seit 1998 für moderne, "
         "schonende Zahnmedizin. Wir nehmen uns Zeit für Ihre Fragen, erklären jeden "
         "Behandlungsschritt und planen gemeinsam mit Ihnen die passende Therapie. Termine "
         "vergeben wir auch kurzfristig; Schmerzpatienten behandeln wir am selben Tag. Die "
         "Kosten einer professionellen Zahnreinigung liegen zwischen 80 und 120 Euro, viele "
         "Kassen beteiligen sich daran. ")
CSS = "".join(".c%d{margin:%dpx;padding:0 %dpx;color:#%06x}@media(max-width:%dpx){.c%d{display:none}}"
              % (i, i % 40, i % 17, (i * 2654435761) % 0xFFFFFF, 480 + i % 700, i)
              for i in range(120))
JS = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
      "gtag('js',new Date());gtag('config','G-XXXXXXX');"
      + "document.querySelectorAll('.menu a').forEach(function(a){a.addEventListener('click',"
        "function(e){a.classList.toggle('is-active')})});" * 40)


def page_html(i, path, title):
    nav = "".join('<li class="menu-item"><a href="%s">%s</a></li>' % (p, t.split(":")[0])
                  for p, t in PAGES)
    body = ["<h1>%s</h1>" % title]
    for k in range(4 + (i * 7) % 20):
        body.append("<p>%s</p>" % (PROSE if k % 2 else PROSE[::-1].capitalize()))
    if path == "/team/":
        body.append('<p>Dr. Anna Weber – <a href="mailto:dr.weber@%s">dr.weber@%s</a></p>'
                    "<p>Markus Brandt – m.brandt&#64;%s</p>" % (DOMAIN, DOMAIN, DOMAIN))
    if path == "/jobs/":
        body.append("<p>Bewerbungen bitte an bewerbung@%s</p>" % DOMAIN)
    if path == "/impressum/":
        body.append("<p>Verwaltung: verwaltung [at] praxis-lindenhof [dot] de<br>"
                    "Abrechnung über abrechnung@zahnabrechnung-sued.de<br>"
                    "Zuständige Kammer: Landeszahnärztekammer Baden-Württemberg</p>")
    if path == "/kontakt/":
        body.append('<p>Telefon: <a href="tel:+496211234560">0621 123 456-0</a><br>'
                    "Fax: 0621 123 456-9<br>Notdienst: +49 621 987 65 43</p>"
                    '<a href="/downloads/anamnesebogen.pdf">Anamnesebogen (PDF)</a>')
    html = (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        "<title>%s</title>"
        '<meta name="description" content="Zahnarztpraxis in Mannheim-Lindenhof: %s">'
        '<meta property="og:image" content="/img/praxis.jpg">'
        "<style>%s</style><script>%s</script></head><body>"
        '<header><nav><ul class="menu">%s</ul></nav></header><main>%s</main>'
        '<footer><p>Zahnarztpraxis Lindenhof · Meerfeldstraße 12 · 68163 Mannheim · '
        'Tel. 0621 123 456-0 · <a href="mailto:info@%s?subject=Termin">info@%s</a></p>'
        '<p><a href="https://www.facebook.com/praxislindenhof">Facebook</a> '
        '<a href="https://www.instagram.com/praxis.lindenhof/">Instagram</a> '
        '<a href="https://www.facebook.com/sharer/sharer.php?u=https%%3A%%2F%%2F%s%s">Teilen</a></p>'
        "</footer></body></html>"
        % (title, title, CSS, JS, nav, "\n".join(body), DOMAIN, DOMAIN, HOST, path))
    return html.encode("utf-8")


class Site:
    """The site on a free loopback port; waits `delay` before every answer."""

    def __init__(self, delay):
        self.delay = delay
        self.pages = {p: page_html(i, p, t) for i, (p, t) in enumerate(PAGES)}
        self.pages_robots = b"User-agent: *\nDisallow: /wp-admin/\n"
        self.requests = []
        self._lock = threading.Lock()

    def __enter__(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # TCP_NODELAY, as real web servers set it: http.server writes the headers
            # and the body separately, and with Nagle on the body waits for the
            # client's delayed ACK of the headers (40 ms on Linux) on every answer.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_GET(self):
                arrived = time.monotonic()
                time.sleep(site.delay)
                if self.path == "/robots.txt":
                    status, ctype, body = 200, "text/plain", site.pages_robots
                elif self.path in site.pages:
                    status, ctype, body = 200, "text/html; charset=utf-8", site.pages[self.path]
                else:
                    status, ctype, body = 404, "text/html", b"<html><body>Not found</body></html>"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with site._lock:
                    site.requests.append((self.path, arrived, time.monotonic()))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def take_requests(self):
        """The requests since the last call: [path, ms since the first arrived, ms to answer]."""
        with self._lock:
            reqs, self.requests = self.requests, []
        if not reqs:
            return []
        t0 = min(a for _, a, _ in reqs)
        return [[p, round((a - t0) * 1000, 1), round((d - a) * 1000, 1)]
                for p, a, d in sorted(reqs, key=lambda r: r[1])]


def clean_env(extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LEADGEN_") and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update(extra)
    return env


def measure(argv, env, timeout=60):
    """Runs argv under GNU time; wall seconds, CPU seconds (user + sys) and peak RSS
    (MB) of the command.

    Peak RSS comes from /usr/bin/time's %M, not from this process's os.wait4: a
    child forked (or vforked) from Python inherits Python's RSS high-water mark
    across exec, so ru_maxrss here would report at least this script's ~20 MB.
    CPU comes from os.wait4 on the time process, which includes the command it
    waited for (microseconds, where %U/%S print hundredths)."""
    fd, rss_file = tempfile.mkstemp(prefix="lg-bench-time-")
    os.close(fd)
    try:
        t0 = time.monotonic()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        out = proc.stdout.read()
        err = proc.stderr.read()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        with open(rss_file) as f:
            lines = [l for l in f.read().split() if l.isdigit()]
        peak_kb = int(lines[-1]) if lines else 0
    finally:
        os.unlink(rss_file)
    return {"wall_s": round(wall, 4), "cpu_s": round(ru.ru_utime + ru.ru_stime, 4),
            "user_s": round(ru.ru_utime, 4), "sys_s": round(ru.ru_stime, 4),
            "peak_rss_mb": round(peak_kb / 1024, 1), "exit": proc.returncode,
            "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace")}


def run_leadgen(bin_path, site, robots):
    env = clean_env({"LEADGEN_RESOLVE": "%s:%d:127.0.0.1" % (HOST, site.port),
                     "LEADGEN_ALLOW_PRIVATE_TARGETS": "1",
                     "LEADGEN_OBEY_ROBOTS": "1" if robots else "0"})
    r = measure([bin_path, "crawl", "http://%s:%d/" % (HOST, site.port)], env)
    if r["exit"] != 0:
        raise SystemExit("leadgen crawl failed (%s): %s" % (r["exit"], r["stderr"][-2000:]))
    data = json.loads(r["stdout"])
    # "emails" here is every address found (crawl.php's all_emails), as the spider's is
    r.update(pages=data["pages_crawled"], emails=data["all_emails"], site_emails=data["emails"])
    return r


def run_scrapy(site, robots):
    argv = [SCRAPY_PYTHON, "-B", os.path.join(ROOT, "bench", "scrapy_spider.py"),
            "http://%s:%d/" % (HOST, site.port), "%s:%d:127.0.0.1" % (HOST, site.port),
            "--robots", "1" if robots else "0"]
    r = measure(argv, clean_env({}))
    lines = [l for l in r["stdout"].splitlines() if l.startswith("{")]
    if r["exit"] != 0 or not lines:
        raise SystemExit("scrapy failed (%s): %s" % (r["exit"], r["stderr"][-2000:]))
    data = json.loads(lines[-1])
    r.update(pages=data["pages"], emails=data["emails"], crawl_s=data["crawl_seconds"],
             startup_s=data["startup_seconds"], scrapy=data["scrapy"])
    return r


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "leadgen"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--delay", type=float, default=0.1, help="seconds before every answer")
    ap.add_argument("--out", default=None, help="directory for crawl.json")
    ap.add_argument("--no-scrapy", action="store_true", help="leadgen only")
    args = ap.parse_args()
    bin_path = os.path.abspath(args.bin)
    scrapy_ok = not args.no_scrapy and subprocess.run(
        [SCRAPY_PYTHON, "-c", "import scrapy"], capture_output=True).returncode == 0
    if not args.no_scrapy and not scrapy_ok:
        print("crawl bench: Scrapy is missing (apt-get install python3-scrapy, or "
              "LEADGEN_SETUP_BENCH=1 scripts/setup.sh); leadgen only", file=sys.stderr)

    result = {"site": {"host": HOST, "pages": len(PAGES), "delay_s": args.delay,
                       "page_bytes": []},
              "loadavg_at_start": open("/proc/loadavg").read().split()[:3], "setups": {}}
    with Site(args.delay) as site:
        result["site"]["page_bytes"] = sorted(len(b) for b in site.pages.values())
        for robots in (True, False):
            name = "robots" if robots else "no-robots"
            setup = {"leadgen": [], "scrapy": []}
            run_leadgen(bin_path, site, robots)  # unrecorded warm-ups
            site.take_requests()
            if scrapy_ok:
                run_scrapy(site, robots)
                site.take_requests()
            for rnd in range(args.rounds):
                print("crawl bench: %s round %d" % (name, rnd + 1), file=sys.stderr)
                r = run_leadgen(bin_path, site, robots)
                r["site_requests"] = site.take_requests()
                setup["leadgen"].append(r)
                if scrapy_ok:
                    r = run_scrapy(site, robots)
                    r["site_requests"] = site.take_requests()
                    setup["scrapy"].append(r)
            result["setups"][name] = setup
    result["loadavg_at_end"] = open("/proc/loadavg").read().split()[:3]

    lines = ["crawl benchmark: %d-page site, %.0f ms before every answer, %d rounds, "
             "load average %s at start, %s at end"
             % (len(PAGES), args.delay * 1000, args.rounds, " ".join(result["loadavg_at_start"]),
                " ".join(result["loadavg_at_end"])), ""]
    fmt = "  %-22s %8s %8s %9s %6s %9s  %s"
    lines.append(fmt % ("run", "wall s", "CPU s", "peak RSS", "pages", "requests", "emails"))
    targets = {}
    for name, setup in result["setups"].items():
        for tool in ("leadgen", "scrapy"):
            for i, r in enumerate(setup[tool]):
                extra = (" (own crawl time %.3f s, start-up %.3f s)" % (r["crawl_s"], r["startup_s"])
                         if tool == "scrapy" else "")
                lines.append(fmt % ("%s %s #%d" % (name, tool, i + 1), "%.3f" % r["wall_s"],
                                    "%.3f" % r["cpu_s"], "%.1f MB" % r["peak_rss_mb"], r["pages"],
                                    len(r["site_requests"]), len(r["emails"])) + extra)
        lg = setup["leadgen"]
        summary = {"leadgen": {k: med(lg, k) for k in ("wall_s", "cpu_s", "peak_rss_mb")}}
        lines.append(fmt % ("%s leadgen median" % name, "%.3f" % summary["leadgen"]["wall_s"],
                            "%.3f" % summary["leadgen"]["cpu_s"],
                            "%.1f MB" % summary["leadgen"]["peak_rss_mb"], "", "", ""))
        if setup["scrapy"]:
            sc = setup["scrapy"]
            summary["scrapy"] = {k: med(sc, k) for k in ("wall_s", "cpu_s", "peak_rss_mb", "crawl_s")}
            lines.append(fmt % ("%s scrapy median" % name, "%.3f" % summary["scrapy"]["wall_s"],
                                "%.3f" % summary["scrapy"]["cpu_s"],
                                "%.1f MB" % summary["scrapy"]["peak_rss_mb"], "", "", "")
                         + " (own crawl time %.3f s)" % summary["scrapy"]["crawl_s"])
        setup["median"] = summary
        lines.append("")
        l, s = summary["leadgen"], summary.get("scrapy")
        targets["%s: leadgen wall < 0.6 s" % name] = ("%.3f s" % l["wall_s"], l["wall_s"] < 0.6)
        if s:
            targets["%s: faster than Scrapy" % name] = (
                "%.3f vs %.3f s (Scrapy's own crawl %.3f s)" % (l["wall_s"], s["wall_s"], s["crawl_s"]),
                l["wall_s"] < s["crawl_s"])
            targets["%s: >= 5x less CPU" % name] = (
                "%.1fx (%.3f vs %.3f s)" % (s["cpu_s"] / l["cpu_s"], l["cpu_s"], s["cpu_s"]),
                s["cpu_s"] >= 5 * l["cpu_s"])
            targets["%s: >= 5x less memory" % name] = (
                "%.1fx (%.1f vs %.1f MB)" % (s["peak_rss_mb"] / l["peak_rss_mb"],
                                             l["peak_rss_mb"], s["peak_rss_mb"]),
                s["peak_rss_mb"] >= 5 * l["peak_rss_mb"])
    lines.append("targets (medians; 'faster' compares leadgen's whole process with Scrapy's "
                 "own crawl time):")
    for k, (fig, ok) in targets.items():
        lines.append("  %-34s %-46s %s" % (k, fig, "met" if ok else "MISSED"))
    result["targets"] = {k: {"figure": f, "met": ok} for k, (f, ok) in targets.items()}
    for setup in result["setups"].values():
        for runs in (setup["leadgen"], setup["scrapy"]):
            for r in runs:
                r.pop("stdout", None)
                r.pop("stderr", None)
    out_dir = args.out or os.path.join(ROOT, "bench", "out",
                                       "crawl-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "crawl.json"), "w") as f:
        json.dump(result, f, indent=2)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out_dir, "crawl-summary.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0 if all(ok for _, ok in targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
