"""ads.php (Ad Spy) against a SerpApi-compatible fake that serves scripted ads
and fixture landing sites (tests/e2e/fakes/sites.py): the permanent history,
is_active, first_seen/last_seen, include_history, crawl enrichment and its
7-day reuse, the credit rule on both sides of 7 fresh ads, concurrency, and
the error paths."""
import json
import os
import shutil
import lib
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    """A backlog of 5 (the default) drops SYNs under concurrent clients, whose
    retries then wait a second: keep it large, like a real server."""
    request_queue_size = 128
    daemon_threads = True

from urllib.parse import parse_qs, urlsplit

from fakes.sites import Sites, page
from lib import Server, assert_error, assert_success
from fakes import serve_in_thread

ADMIN = "admin@localhost.localdomain"
DAY = 86400


class FakeSerpApi:
    """SerpApi's search.json: {"ads": [...], "organic_results": [...]}; records requests."""

    def __init__(self):
        self.ads = []
        self.status = 200
        self.requests = []

    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests.append(parse_qs(urlsplit(self.path).query))
                if fake.status != 200:
                    body = json.dumps({"error": "Internal server error."}).encode()
                else:
                    body = json.dumps({"search_metadata": {"status": "Success"},
                                       "ads": fake.ads,
                                       "organic_results": [{"position": 1, "title": "Organic",
                                                            "link": "https://organic.example.org/",
                                                            "snippet": "x"}]}).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        serve_in_thread(self._httpd)
        self.url = "http://127.0.0.1:%d/search.json" % self._httpd.server_address[1]
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        return False


def ad(sites, host, title, position, text="Great service", block="top"):
    return {"position": position, "block_position": block, "title": title,
            "link": sites.url(host, "/landing?utm_source=google"),
            "displayed_link": "https://%s" % host, "description": text,
            "tracking_link": "https://www.googleadservices.com/pagead/aclk?sa=L&ai=x"}


def landing_sites(sites, hosts_with_email, hosts_without=()):
    for host in hosts_with_email:
        sites.add(host, {"/landing?utm_source=google": page(
            "Contact sales@%s or call +49 89 21803456" % host, title=host)})
    for host in hosts_without:
        sites.add(host, {"/landing?utm_source=google": page("No contacts here", title=host)})


def ads_server(api, sites, extra=None, **kw):
    env = dict(sites.env())
    env.update({"LEADGEN_SEARCH_PROVIDER": "serpapi", "LEADGEN_SERPAPI_URL": api.url,
                "LEADGEN_SERPAPI_KEY": "serp-key"})
    env.update(extra or {})
    return Server(env=env, **kw)


def search(s, key=None, **params):
    kw = {} if key is None else {"key": key}
    return s.get("ads.php", **kw, **params)


def test_first_search_records_enriches_and_bills_per_ad_with_email():
    with FakeSerpApi() as api, Sites() as sites:
        landing_sites(sites, ["alpha-agency.com", "beta-agency.com"], ["gamma-agency.com"])
        api.ads = [ad(sites, "alpha-agency.com", "Alpha | Marketing", 1),
                   ad(sites, "beta-agency.com", "Beta Growth", 2),
                   ad(sites, "gamma-agency.com", "Gamma Ads", 3, block="bottom")]
        with ads_server(api, sites) as s:
            r = search(s, query="Marketing  Agency")
            data = assert_success(r)
            assert data["query"] == "Marketing  Agency" and data["search_engine"] == "google"
            assert data["fresh_count"] == 3 and data["historical_count"] == 0
            assert data["results_count"] == 3 and data["page"] == 0
            by_title = {x["title"]: x for x in data["results"]}
            alpha = by_title["Alpha | Marketing"]
            assert alpha["is_active"] is True and alpha["position"] == 1
            assert alpha["url"] == sites.url("alpha-agency.com", "/landing?utm_source=google")
            assert alpha["ad_text"] == "Great service" and alpha["search_engine"] == "google"
            assert alpha["first_seen"] == alpha["last_seen"] and len(alpha["first_seen"]) == 19
            assert alpha["contact_data"]["emails"] == ["sales@alpha-agency.com"]
            assert alpha["contact_data"]["metadata"]["title"] == "alpha-agency.com"
            assert by_title["Gamma Ads"]["contact_data"]["emails"] == []
            assert r.json["credits_used"] == 2  # two fresh ads with an email
            assert s.balance(ADMIN) == 98
            q = api.requests[0]
            assert q["q"] == ["Marketing  Agency"] and q["engine"] == ["google"]


def test_history_accumulates_and_is_active_marks_the_current_search():
    with FakeSerpApi() as api, Sites() as sites:
        landing_sites(sites, ["alpha-agency.com", "beta-agency.com", "delta-agency.com"])
        alpha = ad(sites, "alpha-agency.com", "Alpha | Marketing", 1)
        beta = ad(sites, "beta-agency.com", "Beta Growth", 2)
        api.ads = [alpha, beta]
        keep = tempfile.mkdtemp(prefix="leadgen-e2e-ads-")
        db = os.path.join(keep, "leadgen.db")
        with ads_server(api, sites, db=db) as s:
            first = assert_success(search(s, query="marketing agency"))
            key = s.key
        # an hour later, on the same store: beta is gone, delta is new
        api.ads = [ad(sites, "delta-agency.com", "Delta Leads", 1), dict(alpha, position=2)]
        with ads_server(api, sites, {"LEADGEN_TIME_OFFSET": 3600}, db=db) as s:
            sites.clear()
            r = search(s, key=key, query="MARKETING agency")  # the same normalised query
            data = assert_success(r)
            assert data["fresh_count"] == 2 and data["historical_count"] == 1
            assert data["results_count"] == 3
            titles = [x["title"] for x in data["results"]]
            assert titles[-1] == "Beta Growth"  # sorted by last_seen, newest first
            by_title = {x["title"]: x for x in data["results"]}
            assert by_title["Beta Growth"]["is_active"] is False
            assert by_title["Delta Leads"]["is_active"] and by_title["Alpha | Marketing"]["is_active"]
            old = {x["title"]: x for x in first["results"]}["Alpha | Marketing"]
            assert by_title["Alpha | Marketing"]["first_seen"] == old["first_seen"]
            assert by_title["Alpha | Marketing"]["last_seen"] > old["last_seen"]
            assert by_title["Alpha | Marketing"]["position"] == 2
            # historical ads keep their contact data; alpha's crawl is reused (7 days)
            assert by_title["Beta Growth"]["contact_data"]["emails"] == ["sales@beta-agency.com"]
            assert not any(h == "alpha-agency.com" for h, _ in sites.requests)
            assert any(h == "delta-agency.com" for h, _ in sites.requests)
            fresh_only = assert_success(search(s, key=key, query="marketing agency",
                                               include_history="false"))
            assert fresh_only["results_count"] == 2 and fresh_only["historical_count"] == 0
            assert all(x["is_active"] for x in fresh_only["results"])
            other_engine = assert_success(search(s, key=key, query="marketing agency", se="bing"))
            assert other_engine["historical_count"] == 0  # history is per engine
        shutil.rmtree(keep, ignore_errors=True)


def test_crawl_data_is_refreshed_after_seven_days():
    with FakeSerpApi() as api, Sites() as sites:
        landing_sites(sites, ["alpha-agency.com"])
        api.ads = [ad(sites, "alpha-agency.com", "Alpha", 1)]
        keep = tempfile.mkdtemp(prefix="leadgen-e2e-ads-")
        db = os.path.join(keep, "leadgen.db")
        with ads_server(api, sites, db=db) as s:
            assert_success(search(s, query="seo"))
            key = s.key
        sites.clear()
        with ads_server(api, sites, {"LEADGEN_TIME_OFFSET": 6 * DAY}, db=db) as s:
            assert_success(search(s, key=key, query="seo"))
            assert sites.requests == []  # within 7 days: reused
        with ads_server(api, sites, {"LEADGEN_TIME_OFFSET": 8 * DAY}, db=db) as s:
            assert_success(search(s, key=key, query="seo"))
            assert any(h == "alpha-agency.com" for h, _ in sites.requests)
        shutil.rmtree(keep, ignore_errors=True)


def test_more_than_seven_fresh_ads_cost_ten_and_none_cost_zero():
    with FakeSerpApi() as api, Sites() as sites:
        hosts = ["agency%d.com" % i for i in range(8)]
        landing_sites(sites, hosts[:1], hosts[1:])
        api.ads = [ad(sites, h, "Ad %d" % i, i + 1) for i, h in enumerate(hosts)]
        with ads_server(api, sites) as s:
            r = search(s, query="eight ads")
            assert assert_success(r)["fresh_count"] == 8 and r.json["credits_used"] == 10
            api.ads = api.ads[:7]
            r = search(s, query="seven ads")
            assert r.json["credits_used"] == 1  # only agency0 shows an email
            api.ads = []
            r = search(s, query="eight ads")
            data = assert_success(r)
            assert r.json["credits_used"] == 0 and data["fresh_count"] == 0
            assert data["historical_count"] == 8  # history is still returned
            assert s.balance(ADMIN) == 100 - 11


def test_slow_and_dead_landing_pages():
    with FakeSerpApi() as api, Sites() as sites:
        landing_sites(sites, ["slow-landing.com", "quick-landing.com"])
        sites.host_delays["slow-landing.com"] = 1.5
        api.ads = [ad(sites, "dead-landing.com", "Dead", 1),  # no such page: 404
                   ad(sites, "slow-landing.com", "Slow", 2),
                   ad(sites, "quick-landing.com", "Quick", 3)]
        with ads_server(api, sites) as s:
            r = search(s, query="landing pages")
            data = assert_success(r)
            by_title = {x["title"]: x["contact_data"] for x in data["results"]}
            dead = by_title["Dead"]
            assert dead["emails"] == [] and dead["phones"] == []
            assert dead["metadata"] == {"title": "", "description": "", "keywords": "", "image": ""}
            assert by_title["Slow"]["emails"] == ["sales@slow-landing.com"]
            assert by_title["Quick"]["emails"] == ["sales@quick-landing.com"]
            assert r.json["credits_used"] == 2


def test_concurrent_searches_never_duplicate_an_ad():
    with FakeSerpApi() as api, Sites() as sites:
        landing_sites(sites, ["alpha-agency.com", "beta-agency.com"])
        api.ads = [ad(sites, "alpha-agency.com", "Alpha", 1), ad(sites, "beta-agency.com", "Beta", 2)]
        with ads_server(api, sites) as s:
            results = []
            threads = [threading.Thread(target=lambda: results.append(search(s, query="race")))
                       for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert len(results) == 6 and all(r.status == 200 for r in results)
            rows = lib.store_sql(s.db_path, "SELECT COUNT(*) FROM ads WHERE query_key = 'race'")[0][0]
            assert rows == 2


def test_errors_charge_nothing():
    with FakeSerpApi() as api, Sites() as sites:
        with ads_server(api, sites) as s:
            assert_error(search(s), 400, "missing_param", "query")
            assert_error(search(s, query="x", se="yahoo"), 400, "invalid_param", "se")
            assert_error(search(s, query="x", page=-1), 400, "invalid_param", "page")
            assert_error(search(s, query="x", include_history="maybe"), 400, "invalid_param",
                         "include_history")
            api.status = 500
            assert_error(search(s, query="x"), 502, "search_error")
            assert s.balance(ADMIN) == 100
        with Server(env={"LEADGEN_SEARCH_PROVIDER": "serpapi"}) as s:
            assert_error(search(s, query="x"), 503, "not_configured", "LEADGEN_SERPAPI_KEY")
