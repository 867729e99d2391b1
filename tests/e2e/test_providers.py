"""The searxng and browser providers and the provider chain against fake engines
(tests/e2e/fakes/engines.py): SearXNG's JSON API and its "JSON disabled" answer,
fallback across an unconfigured, a walled and a working provider (data.provider
and the access log say which answered), Ad Spy on the same chain, and the
browser provider rendering a page that writes its results with JavaScript."""
from fakes.engines import Engines, result
from lib import Server, assert_error, assert_success

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
            first, second = e.calls("/searxng/search")
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
