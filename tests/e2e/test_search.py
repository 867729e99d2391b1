"""search.php and recipes.php against fake engines (tests/e2e/fakes/engines.py):
the exact URL each provider requests (direct Google and Bing, ScraperAPI,
SerpApi: encoding, paging, keys), engine pages fetched and merged for large
pages, each recipe's expansion, every error code, JavaScript walls and block
pages, the credit rule on both sides of 7 results, and the 7-day cache."""
import os

from fakes.engines import Engines, result
from lib import FIXTURES, REPO, Server, assert_error, assert_success

ADMIN = "admin@localhost.localdomain"


def direct_server(e, extra=None):
    env = {"LEADGEN_SEARCH_PROVIDER": "direct", "LEADGEN_GOOGLE_SEARCH_URL": e.google_url,
           "LEADGEN_BING_SEARCH_URL": e.bing_url, "LEADGEN_UPSTREAM_TIMEOUT": "5"}
    env.update(extra or {})
    return Server(env=env)


def search(s, **params):
    return s.get("search.php", **params)


def raw_query(call):
    return call["raw"]


def test_direct_google_request_results_and_contacts():
    with Engines() as e:
        results = [result(i) for i in range(1, 11)]
        results[1] = result(2, email="Office@Acme-Roofing.com", phone="+1 303-555-0101")
        results[4] = result(5, email="office@acme-roofing.com")  # the same address again
        results[6] = result(7, snippet="Write to jane [at] doe-design [dot] com today.")
        ads = [{"title": "Roof Repair Deals", "url": "https://deals.example.com/roof",
                "text": "Book now: deals@roofdeals.com"}]
        e.set_results('roofer "denver" & co', results, ads)
        with direct_server(e) as s:
            r = search(s, query='  roofer   "denver" & co ')
            data = assert_success(r)
            (call,) = e.calls("/google/search")
            assert raw_query(call) == "q=roofer+%22denver%22+%26+co&start=0&hl=en", call["raw"]
            ua = call["headers"]["User-Agent"]
            assert ua.startswith("Mozilla/5.0") and "Chrome/" in ua, ua
            assert "SOCS=" in call["headers"].get("Cookie", "")
            assert data["query"] == 'roofer "denver" & co'
            assert data["search_query"] == 'roofer "denver" & co' and data["code"] is None
            assert data["search_engine"] == "google"
            assert data["page"] == 0 and data["results_per_page"] == 10
            assert data["results_count"] == 10
            assert [x["position"] for x in data["results"]] == list(range(1, 11))
            assert [x["url"] for x in data["results"]] == [x["url"] for x in results]
            assert data["results"][0] == {"position": 1, "title": "Result 1",
                                          "url": "https://site-1.example.com/page-1",
                                          "snippet": "Snippet for result 1.",
                                          "emails": [], "phones": []}
            assert data["results"][1]["emails"] == ["office@acme-roofing.com"]
            assert data["results"][1]["phones"] == ["+1 303-555-0101"]
            assert data["results"][6]["emails"] == ["jane@doe-design.com"]
            assert data["emails"] == ["office@acme-roofing.com", "jane@doe-design.com"]
            assert data["phones"] == ["+1 303-555-0101"]
            # ads are not results, and their emails are not the page's
            assert "deals@roofdeals.com" not in data["emails"]
            assert r.json["credits_used"] == 10  # more than 7 results
            assert s.balance(ADMIN) == 90
            # a cookie set on a redirect (consent flows do this) is sent on
            e.set_results("cookie wall", [result(1)])
            e.set_mode("cookie wall", "cookie")
            e.clear()
            assert assert_success(search(s, query="cookie wall"))["results_count"] == 1
            first, second = e.calls("/google/search")
            assert "NID=granted" not in first["headers"].get("Cookie", "")
            assert "NID=granted" in second["headers"]["Cookie"]
            assert "SOCS=" in second["headers"]["Cookie"]  # one header with both


def test_large_pages_fetch_engine_pages_at_once_and_merge_in_order():
    with Engines() as e:
        e.set_results("dentist", [result(i) for i in range(1, 101)])
        with direct_server(e) as s:
            data = assert_success(search(s, query="dentist", page=1, results_per_page=25))
            starts = sorted(int(c["query"]["start"][0]) for c in e.calls("/google/search"))
            assert starts == [25, 35, 45], starts
            assert data["results_count"] == 25
            assert [x["position"] for x in data["results"]] == list(range(26, 51))
            assert [x["title"] for x in data["results"]] == ["Result %d" % i for i in range(26, 51)]
            e.clear()
            data = assert_success(search(s, query="dentist", page=0, results_per_page=100))
            assert len(e.calls("/google/search")) == 10
            assert [x["title"] for x in data["results"]] == ["Result %d" % i for i in range(1, 101)]
            e.clear()
            # past the last result: a short page, then an empty one
            data = assert_success(search(s, query="dentist", page=9, results_per_page=11))
            assert data["results_count"] == 1 and data["results"][0]["position"] == 100
            e.clear()
            r = search(s, query="dentist", page=20)
            assert assert_success(r)["results_count"] == 0 and r.json["credits_used"] == 0


def test_direct_bing_pages_with_first_and_count():
    with Engines() as e:
        rs = [result(i) for i in range(1, 80)]
        rs[22] = result(23, email="sales@harbor-fish.com")
        e.set_results("seafood wholesale", rs,
                      [{"title": "Fish Deals", "url": "https://fish.example.com/", "text": "x"}])
        with direct_server(e) as s:
            data = assert_success(search(s, query="seafood wholesale", se="bing", page=2))
            (call,) = e.calls("/bing/search")
            assert raw_query(call) == "q=seafood+wholesale&first=21&count=10"
            assert data["search_engine"] == "bing"
            assert [x["url"] for x in data["results"]] == [x["url"] for x in rs[20:30]]
            assert data["results"][2]["emails"] == ["sales@harbor-fish.com"]
            e.clear()
            data = assert_success(search(s, query="seafood wholesale", se="bing",
                                         results_per_page=60))
            got = sorted(raw_query(c) for c in e.calls("/bing/search"))
            assert got == ["q=seafood+wholesale&first=1&count=50",
                           "q=seafood+wholesale&first=51&count=10"], got
            assert [x["position"] for x in data["results"]] == list(range(1, 61))


def test_credit_rule_on_both_sides_of_seven_results():
    with Engines() as e:
        seven = [result(i) for i in range(1, 8)]
        seven[0] = result(1, email="a@alpha-one.com")
        seven[3] = result(4, email="b@beta-two.com")
        seven[5] = result(6, email="a@alpha-one.com")  # counted once
        e.set_results("seven with emails", seven)
        eight = [result(i) for i in range(1, 9)]
        eight[2] = result(3, email="c@gamma-three.com")
        e.set_results("eight results", eight)
        e.set_results("seven without emails", [result(i) for i in range(1, 8)])
        many = [result(1, snippet=" ".join("m%d@many-mails.com" % i for i in range(12)))]
        e.set_results("one result many emails", many)
        with direct_server(e) as s:
            r = search(s, query="seven with emails")
            assert assert_success(r)["results_count"] == 7
            assert r.json["credits_used"] == 2, r.json  # 1 per unique email
            r = search(s, query="eight results")
            assert assert_success(r)["results_count"] == 8
            assert r.json["credits_used"] == 10
            r = search(s, query="seven without emails")
            assert r.json["credits_used"] == 0
            r = search(s, query="one result many emails")
            assert len(assert_success(r)["emails"]) == 12
            assert r.json["credits_used"] == 10  # capped at the reservation
            r = search(s, query="nothing at all")
            data = assert_success(r)
            assert data["results_count"] == 0 and data["results"] == [] and data["emails"] == []
            assert r.json["credits_used"] == 0
            assert s.balance(ADMIN) == 100 - 2 - 10 - 10


def test_cache_hit_makes_no_second_upstream_request():
    with Engines() as e:
        e.set_results("plumber", [result(i) for i in range(1, 11)])
        e.set_results('plumber "@gmail.com"', [result(1, email="joe.plumber@gmail.com")])
        with direct_server(e) as s:
            first = search(s, query="plumber")
            assert first.json["credits_used"] == 10
            again = search(s, query="plumber")
            assert again.json["credits_used"] == 0
            assert again.json["data"] == first.json["data"]
            assert len(e.calls("/google/search")) == 1
            # whitespace does not make another search
            assert search(s, query=" plumber ").json["credits_used"] == 0
            assert len(e.calls("/google/search")) == 1
            # each of query, code, engine, page and results_per_page is part of the key
            for params in ({"query": "plumber", "page": 1}, {"query": "plumber", "se": "bing"},
                           {"query": "plumber", "results_per_page": 5},
                           {"query": "plumber", "code": "gmail"}):
                e.clear()
                assert_success(search(s, **params))
                assert len(e.calls()) == 1, params
            assert s.balance(ADMIN) == 100 - 10 - 0 - 10 - 0 - 1
            # another user gets the shared cache for free
            other = s.add_user("other@example.com", credits=5)
            r = s.get("search.php", key=other, query="plumber")
            assert r.json["credits_used"] == 0 and r.json["data"] == first.json["data"]


def test_recipes_are_listed_and_each_one_expands():
    with Engines() as e:
        with direct_server(e) as s:
            data = assert_success(s.get("recipes.php"))
            recipes = data["recipes"]
            assert data["recipes_count"] == len(recipes) >= 10
            codes = [x["code"] for x in recipes]
            for code in ("gmail", "yahoo", "outlook", "linkedin", "instagram", "facebook",
                         "contact_page"):
                assert code in codes, codes
            for x in recipes:
                assert set(x) == {"code", "name", "template", "description"}
                assert "{query}" in x["template"] and x["name"] and x["description"]
            by_code = {x["code"]: x["template"] for x in recipes}
            assert by_code["gmail"] == '{query} "@gmail.com"'
            assert by_code["linkedin"] == "site:linkedin.com/in {query}"
            for x in recipes:
                e.clear()
                r = search(s, query="dentist austin", code=x["code"])
                got = assert_success(r)
                expected = x["template"].replace("{query}", "dentist austin")
                (call,) = e.calls("/google/search")
                assert call["query"]["q"] == [expected], (x["code"], call["query"])
                assert got["query"] == "dentist austin" and got["code"] == x["code"]
                assert got["search_query"] == expected
            assert_error(search(s, query="x", code="nope"), 400, "invalid_code", "nope")
            assert_error(search(s, query="x", code="Bad-Code!"), 400, "invalid_code")


def test_parameter_errors_never_reach_the_engine():
    with Engines() as e:
        with direct_server(e) as s:
            assert_error(search(s), 400, "missing_param", "query")
            assert_error(search(s, query="   "), 400, "missing_param", "query")
            assert_error(search(s, query="x", se="yahoo"), 400, "invalid_param",
                         ["se", "google", "bing"])
            assert_error(search(s, query="x", page=-1), 400, "invalid_param", "page")
            assert_error(search(s, query="x", page="two"), 400, "invalid_param", "page")
            assert_error(search(s, query="x", results_per_page=0), 400, "invalid_param",
                         "results_per_page")
            assert_error(search(s, query="x", results_per_page=101), 400, "invalid_param",
                         "results_per_page")
            assert_error(search(s, query="x" * 501), 400, "invalid_param", "query")
            assert_error(s.get("search.php", key=None, query="x"), 401, "missing_api_key")
            assert_error(s.get("search.php", key="lg_wrong", query="x"), 401, "invalid_api_key")
            assert_error(s.post("search.php", {"query": "x"}), 405, "method_not_allowed")
            assert e.calls() == []
            assert s.balance(ADMIN) == 100
            broke = s.add_user("broke@example.com", credits=0)
            assert_error(s.get("search.php", key=broke, query="x"), 402, "insufficient_credits")


def test_walls_blocks_and_failures_are_search_errors_without_charge():
    with Engines() as e:
        for q, mode in (("wall", "wall"), ("consent", "consent"),
                        ("consent redirect", "consent-redirect"), ("captcha", "captcha"),
                        ("sorry redirect", "sorry-redirect"), ("down", "error"),
                        ("odd page", "unknown"), ("bing check", "bing-captcha"),
                        ("slow", "slow")):
            e.set_mode(q, mode)
        e.delay = 3.0
        with direct_server(e, {"LEADGEN_UPSTREAM_TIMEOUT": "1"}) as s:
            r = search(s, query="wall")
            assert_error(r, 502, "search_error", ["JavaScript", "scraperapi", "render=true",
                                                  "serpapi"])
            for q in ("consent", "consent redirect", "captcha", "sorry redirect"):
                assert_error(search(s, query=q), 502, "search_error",
                             "blocked by the search engine")
            assert_error(search(s, query="bing check", se="bing"), 502, "search_error",
                         "blocked by the search engine")
            assert_error(search(s, query="down"), 502, "search_error", "503")
            assert_error(search(s, query="odd page"), 502, "search_error")
            assert_error(search(s, query="slow"), 502, "search_error", "timed out")
            # one failed engine page fails the whole search
            e.set_results("half", [result(i) for i in range(1, 30)])
            e.fail_pages["half"] = {10}
            assert_error(search(s, query="half", results_per_page=20), 502, "search_error", "503")
            assert s.balance(ADMIN) == 100
            # errors are not cached: the engine is asked again
            e.clear()
            assert_error(search(s, query="wall"), 502, "search_error")
            assert len(e.calls()) == 1
    with Server(env={"LEADGEN_SEARCH_PROVIDER": "direct",
                     "LEADGEN_GOOGLE_SEARCH_URL": "http://127.0.0.1:9/search"}) as s:
        assert_error(search(s, query="x"), 502, "search_error")
        assert s.balance(ADMIN) == 100


def test_scraperapi_provider_speaks_its_protocol():
    with Engines() as e:
        e.set_results("cafe berlin", [result(i, domain="cafe-%d.de" % i) for i in range(1, 9)])
        e.set_results("bakery", [result(1, email="info@baeckerei-schmidt.de")])
        e.scraperapi_status["flaky"] = 500
        e.scraperapi_status["broke"] = 403
        e.set_mode("js", "wall")
        env = {"LEADGEN_SEARCH_PROVIDER": "scraperapi",
               "LEADGEN_SCRAPERAPI_URL": e.url + "/scraperapi/",
               "LEADGEN_SCRAPERAPI_KEY": "scraper-key",
               "LEADGEN_GOOGLE_SEARCH_URL": "https://www.google.com/search",
               "LEADGEN_BING_SEARCH_URL": e.bing_url}
        with Server(env=env) as s:
            r = search(s, query="cafe berlin", page=1, results_per_page=5)
            data = assert_success(r)
            (call,) = e.calls("/scraperapi/")
            assert raw_query(call) == ("api_key=scraper-key&url=https%3A%2F%2Fwww.google.com%2F"
                                       "search%3Fq%3Dcafe%2Bberlin%26start%3D5%26hl%3Den"), call
            assert "render" not in call["query"] and "country_code" not in call["query"]
            assert [x["url"] for x in data["results"]] == ["https://cafe-%d.de/page-%d" % (i, i)
                                                           for i in (6, 7, 8)]
            assert r.json["credits_used"] == 0  # 3 results, no emails
            e.clear()
            data = assert_success(search(s, query="bakery", se="bing"))
            (call,) = e.calls("/scraperapi/")
            assert call["query"]["url"] == [e.bing_url + "?q=bakery&first=1&count=10"]
            assert data["emails"] == ["info@baeckerei-schmidt.de"]
            for q, words in (("flaky", ["ScraperAPI", "500"]), ("broke", ["ScraperAPI", "403"])):
                r = search(s, query=q)
                assert_error(r, 502, "search_error", words)
                assert "scraper-key" not in r.json["message"]
            assert_error(search(s, query="js"), 502, "search_error", "render=true")
            assert s.balance(ADMIN) == 99
            assert "scraper-key" not in s.stderr_text()  # nor in the log
        env.update({"LEADGEN_SCRAPERAPI_RENDER": "1", "LEADGEN_SCRAPERAPI_COUNTRY": "us",
                    "LEADGEN_SCRAPERAPI_KEY": "wrong"})
        with Server(env=env) as s:
            e.clear()
            r = search(s, query="cafe berlin")
            assert_error(r, 502, "search_error", ["ScraperAPI", "401"])
            assert "wrong" not in r.json["message"]
            (call,) = e.calls("/scraperapi/")
            assert call["query"]["render"] == ["true"] and call["query"]["country_code"] == ["us"]
            assert raw_query(call).endswith("%26hl%3Den&render=true&country_code=us")
        del env["LEADGEN_SCRAPERAPI_KEY"]
        with Server(env=env) as s:
            assert_error(search(s, query="x"), 503, "not_configured", "LEADGEN_SCRAPERAPI_KEY")
            assert_success(s.get("recipes.php"))  # the rest of the API is unaffected


def test_serpapi_provider_speaks_its_protocol():
    with Engines() as e:
        rs = [result(i) for i in range(1, 31)]
        rs[11] = result(12, email="hello@studio-twelve.com")
        e.set_results("wedding photographer austin", rs,
                      [{"title": "Studio Ad", "url": "https://studio.example.com/", "text": "x"}])
        e.serpapi_error["quota"] = (429, "Your account has run out of searches.")
        env = {"LEADGEN_SEARCH_PROVIDER": "serpapi",
               "LEADGEN_SERPAPI_URL": e.url + "/serpapi/search.json",
               "LEADGEN_SERPAPI_KEY": "serp-key"}
        with Server(env=env) as s:
            data = assert_success(search(s, query="wedding photographer austin", page=1,
                                         results_per_page=15))
            got = sorted(raw_query(c) for c in e.calls("/serpapi/search.json"))
            assert got == [
                "engine=google&q=wedding+photographer+austin&start=15&num=10&hl=en&api_key=serp-key",
                "engine=google&q=wedding+photographer+austin&start=25&num=5&hl=en&api_key=serp-key",
            ], got
            assert [x["title"] for x in data["results"]] == ["Result %d" % i for i in range(16, 31)]
            assert [x["position"] for x in data["results"]] == list(range(16, 31))
            e.clear()
            data = assert_success(search(s, query="wedding photographer austin", se="bing"))
            (call,) = e.calls("/serpapi/search.json")
            assert raw_query(call) == ("engine=bing&q=wedding+photographer+austin&first=1&"
                                       "count=10&api_key=serp-key")
            assert data["results_count"] == 10 and data["results"][0]["title"] == "Result 1"
            r = search(s, query="wedding photographer austin", results_per_page=12)
            assert assert_success(r)["emails"] == ["hello@studio-twelve.com"]
            assert r.json["credits_used"] == 10
            r = search(s, query="no such thing")
            assert assert_success(r)["results_count"] == 0 and r.json["credits_used"] == 0
            r = search(s, query="quota")
            assert_error(r, 502, "search_error", ["429", "run out of searches"])
            assert "serp-key" not in r.json["message"] and "serp-key" not in s.stderr_text()
        env["LEADGEN_SERPAPI_KEY"] = "bad"
        with Server(env=env) as s:
            r = search(s, query="x")
            assert_error(r, 502, "search_error", ["401", "Invalid API key"])
            assert "bad" not in r.json["message"]
        del env["LEADGEN_SERPAPI_KEY"]
        with Server(env=env) as s:
            assert_error(search(s, query="x"), 503, "not_configured", "LEADGEN_SERPAPI_KEY")
    # an unknown provider no longer reaches a request: `serve` refuses it at start-up
    # (tests/e2e/test_config.py)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def test_saved_pages_served_by_the_fake_engine():
    own = os.path.join(REPO, "tests", "data", "serp")
    with Engines() as e:
        e.set_page("google", "plumber brooklyn email",
                   _read(os.path.join(own, "google-2025-rendered.html")))
        e.set_page("bing", "seafood wholesale boston email",
                   _read(os.path.join(own, "bing-2025.html")))
        e.set_page("google", "nothing", _read(os.path.join(own, "google-no-results.html")))
        shared = os.path.join(FIXTURES, "serp")
        if os.path.isdir(shared):
            e.set_page("google", ".com domains",
                       _read(os.path.join(shared, "google-desktop-com-domains-2023.html")))
            e.set_page("bing", "domain", _read(os.path.join(shared, "bing-domain-2021.html")))
        with direct_server(e) as s:
            r = search(s, query="plumber brooklyn email")
            data = assert_success(r)
            assert data["results_count"] == 5
            assert data["emails"] == ["office@brooklynplumbingco.com", "dispatch@acepipes.nyc",
                                      "info@sanitaer-mueller.de"]
            assert data["phones"] == ["(718) 555-0190", "+1 646-555-0199", "030 4490 2318"]
            assert r.json["credits_used"] == 3
            r = search(s, query="seafood wholesale boston email", se="bing")
            data = assert_success(r)
            assert data["results_count"] == 4
            assert data["results"][0]["url"] == "https://www.harborfreshseafood.com/contact-us"
            assert r.json["credits_used"] == 2
            r = search(s, query="nothing")
            assert assert_success(r)["results_count"] == 0 and r.json["credits_used"] == 0
            if os.path.isdir(shared):
                data = assert_success(search(s, query=".com domains"))
                assert data["results_count"] == 10
                assert data["results"][9]["url"] == "https://www.hostinger.com/tld/com-domain"
                data = assert_success(search(s, query="domain", se="bing"))
                assert data["results_count"] == 4
