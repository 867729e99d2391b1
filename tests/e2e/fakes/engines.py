"""Fake search engines for Lead Search, on one loopback HTTP server that
records every request:

    /google/search   Google's result page: ?q=Q&start=N&hl=en (10 results a page)
    /bing/search     Bing's result page: ?q=Q&first=N&count=C (up to 50)
    /scraperapi/     ScraperAPI's proxy endpoint: ?api_key=K&url=ENCODED[&render=true]
                     [&country_code=xx]; answers what the engine at `url` answers
                     (it must be one of the two above), or its own errors
    /serpapi/search.json
                     a SerpApi-compatible JSON API: engine=google|bing, q,
                     start/num or first/count, api_key; organic_results[] and ads[]
    /searxng/search  SearXNG's JSON API: q, format=json, engines=google|bing,
                     pageno (10 results a page), language; 403 when format=json
                     is not enabled (searxng_json = False), like SearXNG

The pages are built here in each engine's own markup (Google's #rso / h3 /
VwiC3b result blocks and #tads ads; Bing's li.b_algo with /ck/a?u=a1<base64url>
links and li.b_ad ads), independently of src/. What a query gets is set per
query (the text after recipe expansion, exactly as the engine receives it):

    with Engines() as e:
        e.set_results("plumber", [result(1), result(2, email="a@b.com")])
        e.set_mode("blocked query", "captcha")    # see MODES
        e.set_page("fixture query", html_bytes)   # serve a saved page as is
"""
import base64
import html
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from fakes import serve_in_thread


class _Server(ThreadingHTTPServer):
    """A backlog of 5 (the default) drops SYNs under concurrent clients, whose
    retries then wait a second: keep it large, like a real server."""
    request_queue_size = 128
    daemon_threads = True


# What set_mode can make the engines answer instead of results.
MODES = {
    "results",        # the results set for the query (none: a "no results" page)
    "wall",           # Google's 2025 JavaScript wall (HTTP 200)
    "consent",        # a consent interstitial (HTTP 200)
    "consent-redirect",  # 302 to consent.google.com's page on this server
    "captcha",        # HTTP 429 with Google's unusual-traffic page
    "sorry-redirect", # 302 to /sorry/index (HTTP 200 captcha there)
    "bing-captcha",   # Bing's bot challenge (HTTP 200)
    "error",          # HTTP 503 with a short body
    "unknown",        # HTTP 200, a page that is neither results nor a known block
    "slow",           # waits `delay` seconds, then answers results
    "cookie",         # without cookie NID=granted: 302 to itself setting it; then results
    "js",             # like Google since 2025: the results page is written by JavaScript;
                      # a client without it sees only the noscript wall (and asks for an
                      # image and a stylesheet a browser should not load)
    "js-redirect",    # JavaScript sends the browser to js_redirect[query]
}


def result(n, email=None, phone=None, domain=None, title=None, snippet=None):
    """A result numbered n: title "Result n", URL https://site-n.example.com/page."""
    domain = domain or "site-%d.example.com" % n
    text = snippet or "Snippet for result %d." % n
    if email:
        text += " Contact: %s." % email
    if phone:
        text += " Phone: %s." % phone
    return {"title": title or "Result %d" % n, "url": "https://%s/page-%d" % (domain, n),
            "display": "https://%s" % domain, "snippet": text}


def _e(s):
    return html.escape(s, quote=True)


def google_page(query, results, ads=()):
    """Google's desktop result page (rendered markup) for these results."""
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>%s - Google '
           'Search</title><style>.LC20lb{font-size:20px}</style><noscript><meta content="0;url='
           '/httpservice/retry/enablejs?sei=f4k3" http-equiv="refresh"></noscript></head><body>'
           '<div id="center_col">' % _e(query)]
    if ads:
        out.append('<div id="tads" aria-label="Ads" role="region">')
        for ad in ads:
            out.append('<div class="uEierd"><div data-text-ad="1"><span class="U3A9Ac">Sponsored'
                       '</span><a class="sVXRqc" data-pcu="%s" data-rw="https://www.google.com/'
                       'aclk?sa=l&amp;ai=x&amp;adurl" href="%s"><div role="heading" aria-level="3">'
                       '<span>%s</span></div><span data-dtld="x" role="text">%s</span></a>'
                       '<div class="yDYNvb"><span>%s</span></div></div></div>'
                       % (_e(ad["url"]), _e(ad["url"]), _e(ad["title"]), _e(ad["url"]),
                          _e(ad["text"])))
        out.append('</div>')
    out.append('<div id="search"><div id="rso">')
    for r in results:
        out.append('<div class="MjjYud"><div class="g" data-hveid="x"><div class="yuRUbf"><div>'
                   '<a jsname="UWckNb" href="%s"><br><h3 class="LC20lb MBeuO">%s</h3><div>'
                   '<cite role="text">%s</cite></div></a></div></div><div class="VwiC3b" '
                   'style="-webkit-line-clamp:2"><span>%s</span></div></div></div>'
                   % (_e(r["url"]), _e(r["title"]), _e(r["display"]), _e(r["snippet"])))
    if not results:
        out.append('</div></div><div id="topstuff"><p>Your search - <em>%s</em> - did not match '
                   'any documents.</p>' % _e(query))
    out.append('</div></div></div></body></html>')
    return "".join(out).encode("utf-8")


def _ck(url):
    token = base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")
    return "https://www.bing.com/ck/a?!&&p=9c1f&ptn=3&ver=2&u=a1%s&ntb=1" % token


def _aclick(url):
    token = base64.b64encode(urllib.parse.quote(url, safe="").encode("ascii")).decode("ascii")
    return "https://www.bing.com/aclick?ld=e8Q&u=%s&rlid=77" % token.rstrip("=")


def bing_page(query, results, ads=()):
    """Bing's result page for these results (links through /ck/a redirects)."""
    out = ['<!DOCTYPE html><html lang="en"><head><meta content="text/html; charset=utf-8" '
           'http-equiv="content-type"/><title>%s - Search</title></head><body><main>'
           '<ol id="b_results">' % _e(query)]
    if ads:
        out.append('<li class="b_ad b_adTop"><ul>')
        for ad in ads:
            out.append('<li><div class="sb_add sb_adTA"><h2><a href="%s">%s</a></h2>'
                       '<div class="b_caption"><div class="b_attribution"><div class="b_adurl">'
                       '<cite>%s</cite></div></div><p><span class="b_adSlug">Ad</span>%s</p>'
                       '</div></div></li>' % (_e(_aclick(ad["url"])), _e(ad["title"]),
                                              _e(ad["url"]), _e(ad["text"])))
        out.append('</ul></li>')
    for r in results:
        out.append('<li class="b_algo"><h2><a href="%s" h="ID=SERP,1">%s</a></h2><div '
                   'class="b_caption"><div class="b_attribution"><cite>%s</cite></div><p '
                   'class="b_lineclamp2">%s</p></div></li>'
                   % (_e(_ck(r["url"])), _e(r["title"]), _e(r["display"]), _e(r["snippet"])))
    if not results:
        out.append('<li class="b_no"><h1>There are no results for <strong>%s</strong></h1></li>'
                   % _e(query))
    out.append('</ol></main></body></html>')
    return "".join(out).encode("utf-8")


JS_WALL = (b'<!DOCTYPE html><html lang="en"><head><title>Google Search</title></head><body>'
           b'<noscript><meta content="0;url=/httpservice/retry/enablejs?sei=abc" '
           b'http-equiv="refresh"><div style="display:block">Please click <a href="/httpservice/'
           b'retry/enablejs?sei=abc">here</a> if you are not redirected within a few seconds.'
           b'</div></noscript><div><h1>Turn on JavaScript to keep searching</h1></div></body></html>')
CONSENT = (b'<!DOCTYPE html><html><head><title>Before you continue to Google Search</title></head>'
           b'<body><h1>Before you continue to Google</h1><form action="https://consent.google.com/'
           b'save" method="POST"><button>Reject all</button></form></body></html>')
SORRY = (b'<html><head><title>Sorry...</title></head><body><form id="captcha-form" '
         b'action="index" method="post"><div class="g-recaptcha" data-sitekey="k"></div></form>'
         b'Our systems have detected unusual traffic from your computer network.</body></html>')
BING_CAPTCHA = (b'<!DOCTYPE html><html><head><title>Bing</title></head><body><div id="b_captcha">'
                b'<h1>One last step</h1><p>Please solve the challenge below to continue</p>'
                b'<form action="/turing/captcha/challenge"></form></div></body></html>')
def js_page(page):
    """A page that writes `page` (bytes) with JavaScript, and walls clients without it."""
    encoded = base64.b64encode(page).decode("ascii")
    return ('<!DOCTYPE html><html lang="en"><head><title>Google Search</title>'
            '<link rel="stylesheet" href="/static/style.css"></head><body><noscript>'
            '<meta content="0;url=/httpservice/retry/enablejs?sei=js" http-equiv="refresh">'
            '<div>Please click <a href="/httpservice/retry/enablejs?sei=js">here</a> if you are '
            'not redirected within a few seconds.</div></noscript><img src="/static/logo.png">'
            '<script>document.documentElement.innerHTML = new TextDecoder().decode('
            'Uint8Array.from(atob("%s"), function (c) { return c.charCodeAt(0); }));</script>'
            '</body></html>' % encoded).encode("ascii")


UNKNOWN = b'<!DOCTYPE html><html><head><title>Welcome</title></head><body><p>Hello</p></body></html>'


class Engines:
    def __init__(self, scraperapi_key="scraper-key", serpapi_key="serp-key"):
        self.scraperapi_key = scraperapi_key
        self.serpapi_key = serpapi_key
        self.results = {}    # query -> [result dicts]
        self.ads = {}        # query -> [{"title", "url", "text"}]
        self.modes = {}      # query -> mode (MODES)
        self.pages = {}      # (engine, query) -> raw page bytes
        self.fail_pages = {}  # query -> {start (Google) or first (Bing)} answering 503
        self.scraperapi_status = {}  # query -> status ScraperAPI answers itself
        self.serpapi_error = {}      # query -> (status, message)
        self.js_redirect = {}  # query -> URL the "js-redirect" mode sends the browser to
        self.searxng_json = True  # False: the instance has JSON output disabled (403)
        self.delay = 2.0     # seconds for the "slow" mode
        self.requests = []   # {"path", "query" (parsed), "raw" (query string), "headers"}
        self._lock = threading.Lock()
        self._httpd = None

    # -- set-up

    def set_results(self, query, results, ads=()):
        self.results[query] = list(results)
        self.ads[query] = list(ads)

    def set_mode(self, query, mode):
        assert mode in MODES, mode
        self.modes[query] = mode

    def set_page(self, engine, query, body):
        self.pages[(engine, query)] = body

    # -- what was asked

    def calls(self, path=None):
        with self._lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def clear(self):
        with self._lock:
            self.requests.clear()

    @property
    def google_url(self):
        return self.url + "/google/search"

    @property
    def bing_url(self):
        return self.url + "/bing/search"

    # -- engines

    def _engine_answer(self, engine, params, cookie="", path=""):
        """(status, headers, body) of an engine result page for the parsed query."""
        q = params.get("q", [""])[0]
        mode = self.modes.get(q, "results")
        if mode == "cookie" and "NID=granted" not in cookie:
            return 302, {"Location": path, "Set-Cookie": "NID=granted; Path=/"}, b""
        if mode == "slow":
            time.sleep(self.delay)
        if mode == "wall":
            return 200, {}, JS_WALL
        if mode == "consent":
            return 200, {}, CONSENT
        if mode == "consent-redirect":
            return 302, {"Location": self.url + "/consent/?continue=x"}, b""
        if mode == "captcha":
            return 429, {}, SORRY
        if mode == "sorry-redirect":
            return 302, {"Location": self.url + "/sorry/index?continue=x"}, b""
        if mode == "bing-captcha":
            return 200, {}, BING_CAPTCHA
        if mode == "error":
            return 503, {}, b"Service Unavailable"
        if mode == "unknown":
            return 200, {}, UNKNOWN
        if mode == "js-redirect":
            return 200, {}, ('<!DOCTYPE html><html><body><script>location.replace(%s)</script>'
                             '</body></html>' % json.dumps(self.js_redirect[q])).encode()
        where = params.get("start" if engine == "google" else "first", ["0"])[0]
        if int(where or 0) in self.fail_pages.get(q, ()):
            return 503, {}, b"Service Unavailable"
        if (engine, q) in self.pages:
            return 200, {}, self.pages[(engine, q)]
        results = self.results.get(q, [])
        wrap = js_page if mode == "js" else (lambda body: body)
        if engine == "google":
            start = int(params.get("start", ["0"])[0])
            page = results[start:start + 10]
            ads = self.ads.get(q, []) if start == 0 else []
            return 200, {}, wrap(google_page(q, page, ads))
        first = int(params.get("first", ["1"])[0])
        count = min(int(params.get("count", ["10"])[0]), 50)
        page = results[first - 1:first - 1 + count]
        ads = self.ads.get(q, []) if first == 1 else []
        return 200, {}, wrap(bing_page(q, page, ads))

    def _scraperapi(self, params):
        if params.get("api_key", [""])[0] != self.scraperapi_key:
            return 401, {}, b"Invalid API key. Please check your API key and try again."
        target = urllib.parse.urlsplit(params.get("url", [""])[0])
        tparams = urllib.parse.parse_qs(target.query)
        q = tparams.get("q", [""])[0]
        if q in self.scraperapi_status:
            return self.scraperapi_status[q], {}, b"Request failed. You will not be charged."
        engine = {"/google/search": "google", "/bing/search": "bing"}.get(target.path)
        if target.hostname and target.path == "/search":  # the real engines' URLs
            engine = "google" if "google." in target.hostname else (
                "bing" if "bing." in target.hostname else None)
        if not engine:
            return 404, {}, b"Not found"
        status, _, body = self._engine_answer(engine, tparams)
        if status in (301, 302):  # ScraperAPI follows redirects itself
            status, body = 200, (SORRY if "sorry" in self.modes.get(q, "") else CONSENT)
        if status >= 400 and status not in (404, 410):  # a ban it could not get past
            return 500, {}, b"Request failed. You will not be charged for this request."
        return status, {}, body

    # -- SerpApi

    def _serpapi(self, params):
        def one(name, default=""):
            return params.get(name, [default])[0]
        if one("api_key") != self.serpapi_key:
            return 401, {}, json.dumps({"error": "Invalid API key. Your API key should be here: "
                                        "https://serpapi.com/manage-api-key"}).encode()
        q = one("q")
        if q in self.serpapi_error:
            status, message = self.serpapi_error[q]
            return status, {}, json.dumps({"error": message}).encode()
        engine = one("engine")
        results = self.results.get(q, [])
        if engine == "google":
            start, count = int(one("start", "0")), int(one("num", "10"))
        elif engine == "bing":
            start, count = int(one("first", "1")) - 1, int(one("count", "10"))
        else:
            return 400, {}, json.dumps({"error": "Unsupported `%s` search engine." % engine}).encode()
        page = results[start:start + count]
        if not page:
            name = "Google" if engine == "google" else "Bing"
            return 200, {}, json.dumps({"search_metadata": {"status": "Success"}, "error":
                                        "%s hasn't returned any results for this query." % name}).encode()
        doc = {"search_metadata": {"status": "Success"},
               "search_parameters": {"engine": engine, "q": q},
               "organic_results": [{"position": start + i + 1, "title": r["title"],
                                    "link": r["url"], "displayed_link": r["display"],
                                    "snippet": r["snippet"]} for i, r in enumerate(page)],
               "ads": [{"position": i + 1, "block_position": "top", "title": ad["title"],
                        "link": ad["url"], "displayed_link": ad["url"],
                        "tracking_link": "https://www.google.com/aclk?sa=l&ai=z",
                        "description": ad["text"]}
                       for i, ad in enumerate(self.ads.get(q, []) if start == 0 else [])]}
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(doc).encode()

    # -- SearXNG

    def _searxng(self, params):
        def one(name, default=""):
            return params.get(name, [default])[0]
        if one("format") != "json" or not self.searxng_json:
            return 403, {}, b"<!DOCTYPE html><html><body><h1>403 Forbidden</h1></body></html>"
        q, pageno = one("q"), int(one("pageno", "1"))
        mode = self.modes.get(q, "results")
        unresponsive = [[one("engines"), "CAPTCHA"]] if mode == "captcha" else []
        results = [] if unresponsive else self.results.get(q, [])
        page = results[(pageno - 1) * 10:pageno * 10]
        doc = {"query": q, "number_of_results": 0,
               "results": [{"url": r["url"], "title": r["title"], "content": r["snippet"],
                            "engine": one("engines"), "score": 1.0, "category": "general"}
                           for r in page],
               "answers": [], "corrections": [], "infoboxes": [], "suggestions": [],
               "unresponsive_engines": unresponsive}
        return 200, {"Content-Type": "application/json"}, json.dumps(doc).encode()

    # -- serving

    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
                with fake._lock:
                    fake.requests.append({"path": url.path, "query": params, "raw": url.query,
                                          "headers": dict(self.headers)})
                if url.path in ("/google/search", "/bing/search"):
                    answer = fake._engine_answer(url.path.split("/")[1], params,
                                                 self.headers.get("Cookie", ""), self.path)
                elif url.path == "/scraperapi/":
                    answer = fake._scraperapi(params)
                elif url.path == "/serpapi/search.json":
                    answer = fake._serpapi(params)
                elif url.path == "/searxng/search":
                    answer = fake._searxng(params)
                elif url.path == "/consent/":
                    answer = (200, {}, CONSENT)
                elif url.path == "/sorry/index":
                    answer = (429, {}, SORRY)
                else:
                    answer = (404, {}, b"not found")
                status, headers, body = answer
                self.send_response(status)
                headers.setdefault("Content-Type", "text/html; charset=UTF-8")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        serve_in_thread(self._httpd)
        self.url = "http://127.0.0.1:%d" % self._httpd.server_address[1]
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        return False
