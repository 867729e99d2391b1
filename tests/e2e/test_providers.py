"""The searxng and browser providers and the provider chain against fake engines
(tests/e2e/fakes/engines.py): SearXNG's JSON API and its "JSON disabled" answer,
fallback across an unconfigured, a walled and a working provider (data.provider
and the access log say which answered), Ad Spy on the same chain, and the
browser provider rendering a page that writes its results with JavaScript, its
private-address guard (DNS rebinding, WebSockets) and its restarts."""
import base64
import os
import shutil
import signal
import subprocess
import tempfile
import threading

from fakes.dns import FakeDns
from fakes.engines import Engines, google_page, result
import lib
from lib import Server, Skip, assert_error, assert_success, wait_until

ADMIN = "admin@localhost.localdomain"


def search(s, **params):
    return s.get("search.php", **params)


def searxng_env(e, extra=None):
    env = {"LEADGEN_SEARCH_PROVIDER": "searxng", "LEADGEN_SEARXNG_URL": e.url + "/searxng/",
           "LEADGEN_UPSTREAM_TIMEOUT": "5"}
    env.update(extra or {})
    return env


def test_searxng_provider_speaks_its_json_api():
    with Engines() as e:
        e.set_results("plumber denver", [result(i) for i in range(1, 26)])
        e.set_results("roofer", [result(1, email="info@roofer-co.com")])
        e.set_mode("blocked", "captcha")
        with Server(env=searxng_env(e)) as s:
            data = assert_success(search(s, query="plumber denver", results_per_page=15))
            # the two pages may be fetched side by side: in page order
            first, second = sorted(e.calls("/searxng/search"),
                                   key=lambda c: int(c["query"]["pageno"][0]))
            assert first["raw"] == ("q=plumber+denver&format=json&engines=google&pageno=1"
                                    "&language=en"), first["raw"]
            assert second["query"]["pageno"] == ["2"]
            assert [x["url"] for x in data["results"]] == [result(i)["url"] for i in range(1, 16)]
            assert data["results"][0]["title"] == "Result 1"
            assert data["results"][0]["snippet"] == "Snippet for result 1."
            assert data["provider"] == "searxng"
            # page 1 of 5 a page starts at result 6: SearXNG's page 1, sliced
            e.clear()
            data = assert_success(search(s, query="plumber denver", page=1, results_per_page=5,
                                         se="bing"))
            (call,) = e.calls("/searxng/search")
            assert call["query"]["engines"] == ["bing"] and call["query"]["pageno"] == ["1"]
            assert [x["position"] for x in data["results"]] == [6, 7, 8, 9, 10]
            assert data["results"][0]["url"] == result(6)["url"]
            data = assert_success(search(s, query="roofer"))
            assert data["emails"] == ["info@roofer-co.com"], data
            # an engine SearXNG reports unresponsive (captcha) is a failed search, not billed
            before = s.balance(ADMIN)
            assert_error(search(s, query="blocked"), 502, "search_error",
                         "SearXNG's engine google (CAPTCHA) did not answer")
            assert s.balance(ADMIN) == before
            # an instance without JSON output: the operator is told what to enable
            e.searxng_json = False
            assert_error(search(s, query="fresh query"), 502, "search_error",
                         "formats: [html, json]")
            assert s.balance(ADMIN) == before


def test_searxng_without_url_is_not_configured():
    with Server(env={"LEADGEN_SEARCH_PROVIDER": "searxng"}) as s:
        assert_error(search(s, query="x"), 503, "not_configured", "LEADGEN_SEARXNG_URL")


def test_fallback_across_unconfigured_walled_and_working_providers():
    with Engines() as e:
        e.set_results("dentist", [result(i) for i in range(1, 11)])
        e.set_mode("dentist", "wall")  # the engines themselves wall plain clients
        env = searxng_env(e, {"LEADGEN_SEARCH_PROVIDER": "serpapi,direct,searxng",
                              "LEADGEN_GOOGLE_SEARCH_URL": e.google_url,
                              "LEADGEN_BING_SEARCH_URL": e.bing_url})
        with Server(env=env) as s:
            r = search(s, query="dentist")
            data = assert_success(r)
            assert data["provider"] == "searxng"
            assert len(data["results"]) == 10
            assert r.json["credits_used"] == 10  # one answer, one charge
            assert s.balance(ADMIN) == 90
            assert len(e.calls("/google/search")) == 1  # direct was tried, walled
            assert not e.calls("/serpapi/search.json")  # serpapi has no key: skipped
            entry = s.wait_log(r.headers.get("X-Request-Id"))
            assert entry["provider"] == "searxng", entry
            assert "search provider direct failed, trying the next" in s.stderr_text()
            # the answer is cached as served: no provider is asked again
            e.clear()
            again = assert_success(search(s, query="dentist"))
            assert again["provider"] == "searxng" and not e.calls()
            # every provider failing: the last one's message, named
            e.set_mode("nothing works", "captcha")
            r = search(s, query="nothing works")
            assert_error(r, 502, "search_error", "searxng: SearXNG's engine google")
            assert s.balance(ADMIN) == 90
            # a provider that answers first serves; the rest are not asked
            e.set_mode("dentist", "results")
            e.clear()
            data = assert_success(search(s, query="dentist", se="bing"))
            assert data["provider"] == "direct" and not e.calls("/searxng/search")


def test_ad_spy_uses_the_same_chain():
    with Engines() as e:
        ads = [{"title": "Cheap Dentist", "url": "https://dent.example/offer",
                "text": "Call now"}]
        e.set_results("dentist", [result(1)], ads)
        env = {"LEADGEN_SEARCH_PROVIDER": "searxng,serpapi", "LEADGEN_SERPAPI_KEY": "serp-key",
               "LEADGEN_SERPAPI_URL": e.url + "/serpapi/search.json",
               "LEADGEN_SEARXNG_URL": e.url + "/searxng", "LEADGEN_UPSTREAM_TIMEOUT": "5"}
        e.searxng_json = False  # the first provider fails: serpapi serves
        with Server(env=env) as s:
            r = s.get("ads.php", query="dentist", include_history="false")
            data = assert_success(r)
            assert data["provider"] == "serpapi", data
            assert len(e.calls("/searxng/search")) == 1
            assert s.wait_log(r.headers.get("X-Request-Id"))["provider"] == "serpapi"


# ---- the browser provider ------------------------------------------------------------------

def need_chromium():
    if not shutil.which("chromium"):
        raise Skip("chromium is not installed (scripts/setup.sh installs it)")


def browser_env(e, extra=None):
    env = {"LEADGEN_SEARCH_PROVIDER": "browser", "LEADGEN_GOOGLE_SEARCH_URL": e.google_url,
           "LEADGEN_BING_SEARCH_URL": e.bing_url, "LEADGEN_UPSTREAM_TIMEOUT": "15"}
    env.update(extra or {})
    return env


def chromium_pids(server_pid):
    """Chromium processes the server started (its direct children)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == server_pid and "chrom" in stat.split("(", 1)[1].split(")")[0]:
            pids.append(int(name))
    return pids


def test_browser_renders_what_javascript_writes():
    need_chromium()
    with Engines() as e:
        e.set_results("plumber", [result(i) for i in range(1, 11)])
        e.set_results("plumber", [result(1, email="office@acme-plumbing.com")] +
                      [result(i) for i in range(2, 11)])
        e.set_mode("plumber", "js")
        e.set_results("bing plumber", [result(i) for i in range(1, 4)])
        e.set_mode("bing plumber", "js")
        e.set_results("nothing", [])
        e.set_mode("nothing", "js")
        # direct is walled by the page a plain client gets
        with Server(env=browser_env(e, {"LEADGEN_SEARCH_PROVIDER": "direct"})) as s:
            assert_error(search(s, query="plumber"), 502, "search_error", "JavaScript wall")
        e.clear()
        with Server(env=browser_env(e, {"LEADGEN_SEARCH_PROVIDER": "direct,browser"})) as s:
            r = search(s, query="plumber")
            data = assert_success(r)
            assert data["provider"] == "browser", data
            assert [x["url"] for x in data["results"]] == [result(i)["url"] for i in range(1, 11)]
            assert data["emails"] == ["office@acme-plumbing.com"]
            assert r.json["credits_used"] == 10
            assert s.wait_log(r.headers.get("X-Request-Id"))["provider"] == "browser"
            calls = e.calls("/google/search")
            assert len(calls) == 2, calls  # direct (walled), then the browser
            browser_call = calls[1]
            assert "HeadlessChrome" not in browser_call["headers"]["User-Agent"]
            assert "SOCS=" in browser_call["headers"].get("Cookie", ""), browser_call
            # no images, fonts or stylesheets are loaded
            assert not e.calls("/static/logo.png") and not e.calls("/static/style.css")
            data = assert_success(search(s, query="bing plumber", se="bing"))
            assert data["provider"] == "browser" and data["results_count"] == 3
            data = assert_success(search(s, query="nothing"))
            assert data["results_count"] == 0 and data["provider"] == "browser"
            # a page that stays a wall is still a failed search, not billed
            e.set_mode("walled", "wall")
            before = s.balance(ADMIN)
            assert_error(search(s, query="walled"), 502, "search_error")
            assert s.balance(ADMIN) == before
            # a captcha is a failed search at once
            e.set_mode("captcha", "captcha")
            assert_error(search(s, query="captcha"), 502, "search_error", "blocked")


def test_browser_killed_mid_search_is_restarted():
    need_chromium()
    with Engines() as e:
        e.delay = 1.5
        for q in ("slow one", "after"):
            e.set_results(q, [result(i) for i in range(1, 4)])
            e.set_mode(q, "js")
        with Server(env=browser_env(e)) as s:
            assert_success(search(s, query="after"))  # the browser is up
            (pid,) = chromium_pids(s.proc.pid)
            e.set_mode("slow one", "slow")
            results = {}
            t = threading.Thread(target=lambda: results.update(r=search(s, query="slow one")))
            t.start()
            wait_until(lambda: e.calls("/google/search") and
                       any(c["query"]["q"] == ["slow one"] for c in e.calls("/google/search")),
                       10)
            os.kill(pid, signal.SIGKILL)
            t.join(60)
            # the search in flight was retried on a fresh browser
            assert_success(results["r"])
            e.set_mode("after", "js")
            e.results["after"] = [result(7)]
            data = assert_success(search(s, query="after", page=1))
            assert data["provider"] == "browser"
            assert chromium_pids(s.proc.pid) != [pid]
            assert "the browser exited during a search" in s.stderr_text()


def test_browser_requests_to_private_addresses_are_refused():
    need_chromium()
    with Engines() as e:
        port = int(e.url.rsplit(":", 1)[1])
        e.set_mode("hop", "js-redirect")
        e.js_redirect["hop"] = "http://elsewhere.test:%d/google/search?q=target" % port
        e.set_results("target", [result(1), result(2)])
        pin = {"LEADGEN_RESOLVE": "elsewhere.test:%d:127.0.0.1" % port}
        with Server(env=browser_env(e, pin)) as s:
            assert_error(search(s, query="hop"), 502, "search_error", "private address")
            assert not any(c["headers"].get("Host", "").startswith("elsewhere.test")
                           for c in e.calls())
        # allowed (tests only), the pin takes the browser there
        pin["LEADGEN_ALLOW_PRIVATE_TARGETS"] = "1"
        with Server(env=browser_env(e, pin)) as s:
            data = assert_success(search(s, query="hop"))
            assert data["results_count"] == 2
            assert any(c["headers"].get("Host", "").startswith("elsewhere.test")
                       for c in e.calls())


REBIND_DNS = "127.53.0.1"  # resolv.conf names no port: the fake DNS answers on 53 there
# (not 127.0.0.53, where systemd-resolved listens)


def rebinding_server_bin(tmp):
    """A wrapper that runs leadgen (and so its Chromium) in a mount namespace whose
    /etc/resolv.conf names the fake DNS, so both resolve through it (root only)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("needs root and unshare to give the server its own resolv.conf")
    conf = os.path.join(tmp, "resolv.conf")
    with open(conf, "w") as f:
        f.write("nameserver %s\noptions attempts:1 timeout:1\n" % REBIND_DNS)
    wrapper = os.path.join(tmp, "leadgen")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec unshare -m sh -c \'mount --bind "$0" /etc/resolv.conf && '
                'exec "$@"\' %s %s "$@"\n' % (conf, os.path.abspath(lib.BIN)))
    os.chmod(wrapper, 0o755)
    probe = subprocess.run([wrapper, "version"], capture_output=True)
    if b"mount" in probe.stderr or b"unshare" in probe.stderr:
        raise Skip("cannot bind-mount a resolv.conf here: %s" % probe.stderr[:200])
    return wrapper


def rebinding_page(port, results):
    """A result page whose JavaScript first fetches a rebinding name twice and opens
    a WebSocket to it, then (whatever became of them) writes the results."""
    target = "rebind.lgtest:%d" % port
    encoded = base64.b64encode(google_page("rebind", results)).decode("ascii")
    return ("<!DOCTYPE html><html><head><title>Google Search</title></head><body><script>"
            "function ws() { return new Promise(function (done) {"
            " try { var w = new WebSocket('ws://%s/socket');"
            " w.onopen = w.onerror = w.onclose = function () { done(); }; }"
            " catch (e) { done(); } }); }"
            "Promise.allSettled([fetch('http://%s/one'), fetch('http://%s/two'), ws()])"
            ".then(function () { document.documentElement.innerHTML = new TextDecoder().decode("
            "Uint8Array.from(atob('%s'), function (c) { return c.charCodeAt(0); })); });"
            "</script></body></html>" % (target, target, target, encoded)).encode("ascii")


def test_browser_refuses_a_rebinding_name_and_its_websocket():
    """The name first has no address (a check that resolves it lets it through) and
    then 127.0.0.1: the page's fetches and its WebSocket must never reach loopback."""
    need_chromium()
    tmp = tempfile.mkdtemp(prefix="leadgen-rebind-")
    try:
        wrapper = rebinding_server_bin(tmp)
        with Engines() as e, FakeDns(host=REBIND_DNS, port=53) as dns:
            port = int(e.url.rsplit(":", 1)[1])
            dns.rebind("rebind.lgtest", None, "127.0.0.1")
            e.set_page("google", "rebind", rebinding_page(port, [result(1), result(2)]))
            with Server(env=browser_env(e), bin=wrapper) as s:
                r = search(s, query="rebind")
                reached = [c for c in e.calls()
                           if c["headers"].get("Host", "").startswith("rebind.lgtest")]
                assert not reached, reached  # neither the fetches nor the WebSocket
                assert_error(r, 502, "search_error", "private address")
                assert dns.count("rebind.lgtest", "A") >= 2, dns.queries
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_browser_grown_past_its_cap_is_restarted_between_searches():
    need_chromium()
    with Engines() as e:
        for q in ("first", "second", "third"):
            e.set_results(q, [result(i) for i in range(1, 4)])
            e.set_mode(q, "js")
        # 1 MB: any Chromium is over it, so each search leaves it to be replaced
        with Server(env=browser_env(e, {"LEADGEN_BROWSER_MAX_MB": "1"})) as s:
            assert_success(search(s, query="first"))
            (first,) = chromium_pids(s.proc.pid)
            assert "over LEADGEN_BROWSER_MAX_MB=1: restarting it" in s.stderr_text()
            data = assert_success(search(s, query="second"))
            assert data["provider"] == "browser" and data["results_count"] == 3
            (second,) = chromium_pids(s.proc.pid)
            assert second != first
            assert s.stderr_text().count("browser started") == 2
        # the default cap (1024 MB) leaves a small browser alone
        with Server(env=browser_env(e)) as s:
            assert_success(search(s, query="first"))
            (pid,) = chromium_pids(s.proc.pid)
            assert_success(search(s, query="third"))
            assert chromium_pids(s.proc.pid) == [pid]
            assert "restarting it" not in s.stderr_text()
