"""places/search.php and places/reviews.php against a fake Google Places API
(New) (tests/e2e/fakes/places.py): billing per Details call, the per-place
30-day cache, page tokens, failures, the review mapping, and every error path."""
import calendar
import time

from fakes.places import PlacesApi, place, review
from lib import Server, assert_error, assert_success

KEY = "places-test-key"


def places_server(api, extra=None, **kw):
    env = {"LEADGEN_PLACES_URL": api.url, "LEADGEN_PLACES_KEY": KEY}
    env.update(extra or {})
    return Server(env=env, **kw)


def catalogue(api, ids):
    for pid in ids:
        api.add_place(place(pid, "Place %s" % pid))


def search(s, key=None, **params):
    kw = {} if key is None else {"key": key}
    return s.get("places/search.php", **kw, **params)


def test_first_search_bills_ten_per_place_and_maps_fields():
    with PlacesApi(KEY) as api:
        catalogue(api, ["ChIJaaa", "ChIJbbb"])
        api.add_place(place("ChIJccc", "Café Zürich — 東京", websiteUri=None,
                            nationalPhoneNumber=None, businessStatus="CLOSED_PERMANENTLY"))
        del api.places["ChIJccc"]["websiteUri"], api.places["ChIJccc"]["nationalPhoneNumber"]
        api.set_results("pizza new york", [["ChIJaaa", "ChIJbbb", "ChIJccc"]])
        with places_server(api) as s:
            r = search(s, query="pizza new york", language="en")
            data = assert_success(r)
            assert r.json["credits_used"] == 30, r.json
            assert data["query"] == "pizza new york"
            assert data["places_count"] == 3
            assert [p["place_id"] for p in data["places"]] == ["ChIJaaa", "ChIJbbb", "ChIJccc"]
            assert all(p["cached"] is False for p in data["places"])
            assert data["next_page_token"] is None
            assert data["failed"] == 0
            first = data["places"][0]
            src = api.places["ChIJaaa"]
            assert first["name"] == "Place ChIJaaa"
            assert first["address"] == src["formattedAddress"]
            assert first["phone"] == src["nationalPhoneNumber"]
            assert first["international_phone"] == src["internationalPhoneNumber"]
            assert first["website"] == src["websiteUri"]
            assert first["rating"] == 4.5 and first["reviews_count"] == 120
            assert first["types"] == src["types"]
            assert first["location"] == {"lat": 40.7128, "lng": -74.006}
            assert first["business_status"] == "OPERATIONAL"
            assert first["google_maps_url"] == src["googleMapsUri"]
            assert first["opening_hours"] == ["Monday: 9:00 AM - 5:00 PM"]
            closed = data["places"][2]
            assert closed["name"] == "Café Zürich — 東京"
            assert closed["website"] == "" and closed["phone"] == ""
            assert closed["business_status"] == "CLOSED_PERMANENTLY"
            assert s.balance("admin@localhost.localdomain") == 70


def test_search_requests_speak_googles_protocol():
    with PlacesApi(KEY) as api:
        catalogue(api, ["ChIJone"])
        api.set_results("dentist", [["ChIJone"]])
        with places_server(api) as s:
            assert_success(search(s, query="dentist", location="40.7,-74.0", radius=2000,
                                  language="de"))
            (req,) = api.searches()
            assert req["headers"]["X-Goog-Api-Key"] == KEY
            assert req["headers"]["X-Goog-FieldMask"] == "places.id,nextPageToken"
            body = req["json"]
            assert body["textQuery"] == "dentist" and body["pageSize"] == 20
            assert body["languageCode"] == "de"
            circle = body["locationBias"]["circle"]
            assert circle["center"] == {"latitude": 40.7, "longitude": -74.0}
            assert circle["radius"] == 2000
            details = [r for r in api.requests if r["method"] == "GET"]
            assert len(details) == 1
            mask = details[0]["headers"]["X-Goog-FieldMask"].split(",")
            assert "reviews" not in mask and "*" not in mask
            assert {"id", "displayName", "formattedAddress", "websiteUri"} <= set(mask)
            assert details[0]["query"].get("languageCode") == ["de"]


def test_same_search_again_is_free_and_overlap_bills_only_new_places():
    with PlacesApi(KEY) as api:
        catalogue(api, ["ChIJ1", "ChIJ2", "ChIJ3", "ChIJ4"])
        api.set_results("plumber", [["ChIJ1", "ChIJ2", "ChIJ3"]])
        api.set_results("plumber brooklyn", [["ChIJ3", "ChIJ4"]])
        with places_server(api) as s:
            assert search(s, query="plumber").json["credits_used"] == 30
            api.clear()
            again = search(s, query="plumber")
            data = assert_success(again)
            assert again.json["credits_used"] == 0
            assert all(p["cached"] is True for p in data["places"])
            assert api.details_calls() == []  # served from the per-place cache
            assert len(api.searches()) == 1   # the id search itself is always fresh
            api.clear()
            overlap = search(s, query="plumber brooklyn")
            data = assert_success(overlap)
            assert overlap.json["credits_used"] == 10
            assert api.details_calls() == ["ChIJ4"]
            assert {p["place_id"]: p["cached"] for p in data["places"]} == {"ChIJ3": True,
                                                                          "ChIJ4": False}
            assert s.balance("admin@localhost.localdomain") == 100 - 40


def test_page_token_round_trips():
    with PlacesApi(KEY) as api:
        catalogue(api, ["ChIJp1", "ChIJp2", "ChIJp3"])
        api.set_results("bakery", [["ChIJp1", "ChIJp2"], ["ChIJp3"]])
        with places_server(api) as s:
            first = assert_success(search(s, query="bakery"))
            assert first["next_page_token"] == "page-1"
            second = assert_success(search(s, query="bakery", page_token=first["next_page_token"]))
            assert [p["place_id"] for p in second["places"]] == ["ChIJp3"]
            assert second["next_page_token"] is None
            assert api.searches()[1]["json"]["pageToken"] == "page-1"


def test_failing_details_call_is_left_out_and_unbilled():
    with PlacesApi(KEY) as api:
        catalogue(api, ["ChIJok1", "ChIJbad", "ChIJok2"])
        api.failing.add("ChIJbad")
        api.set_results("florist", [["ChIJok1", "ChIJbad", "ChIJok2"]])
        with places_server(api) as s:
            r = search(s, query="florist")
            data = assert_success(r)
            assert r.json["credits_used"] == 20
            assert [p["place_id"] for p in data["places"]] == ["ChIJok1", "ChIJok2"]
            assert data["failed"] == 1 and data["places_count"] == 2
            # the failed place was not cached: asking again retries (and bills) only it
            api.failing.clear()
            again = search(s, query="florist")
            assert again.json["credits_used"] == 10


def test_empty_search_is_zero_results_not_an_error():
    with PlacesApi(KEY) as api, places_server(api) as s:
        r = search(s, query="nothing matches this")
        data = assert_success(r)
        assert r.json["credits_used"] == 0
        assert data["places"] == [] and data["places_count"] == 0


def test_balance_limits_how_many_details_are_fetched():
    with PlacesApi(KEY) as api:
        catalogue(api, ["ChIJm%d" % i for i in range(5)])
        api.set_results("gym", [["ChIJm%d" % i for i in range(5)]])
        with places_server(api) as s:
            poor = s.add_user("poor@example.com", credits=25)
            r = search(s, key=poor, query="gym")
            data = assert_success(r)
            assert r.json["credits_used"] == 20
            assert data["places_count"] == 2 and data["skipped"] == 3
            assert len(api.details_calls()) == 2
            assert s.balance("poor@example.com") == 5
            broke = s.add_user("broke@example.com", credits=0)
            assert_error(search(s, key=broke, query="gym"), 402, "insufficient_credits")


def test_search_errors_charge_nothing():
    with PlacesApi(KEY) as api:
        api.search_error["bad request"] = (400, "INVALID_ARGUMENT", "Invalid 'textQuery'.")
        with places_server(api) as s:
            assert_error(search(s), 400, "missing_param", "query")
            assert_error(search(s, query="x", location="91,0"), 400, "invalid_param", "location")
            assert_error(search(s, query="x", location="40.7"), 400, "invalid_param", "location")
            assert_error(search(s, query="x", location="a,b"), 400, "invalid_param", "location")
            assert_error(search(s, query="x", radius=0), 400, "invalid_param", "radius")
            assert_error(search(s, query="x", radius=50001), 400, "invalid_param", "radius")
            assert_error(search(s, query="x", language="e n"), 400, "invalid_param", "language")
            r = search(s, query="bad request")
            assert_error(r, 502, "api_error", "Invalid 'textQuery'.")
            assert s.balance("admin@localhost.localdomain") == 100
            assert api.details_calls() == []


def test_wrong_google_key_and_timeout_are_api_errors():
    with PlacesApi("the-real-key") as api:
        catalogue(api, ["ChIJt"])
        api.set_results("slow", [["ChIJt"]])
        with places_server(api) as s:  # configured with a key Google rejects
            assert_error(search(s, query="slow"), 502, "api_error", "API key not valid")
        api.key = KEY
        api.delay = 3
        with places_server(api, {"LEADGEN_UPSTREAM_TIMEOUT": 1}) as s:
            assert_error(search(s, query="slow"), 502, "api_error", "timed out")
            assert s.balance("admin@localhost.localdomain") == 100


def test_not_configured_without_a_key():
    with Server() as s:
        assert_error(search(s, query="pizza"), 503, "not_configured", "LEADGEN_PLACES_KEY")
        assert_error(s.get("places/reviews.php", place_id="ChIJx"), 503, "not_configured",
                     "LEADGEN_PLACES_KEY")
        assert_error(s.get("places/reviews.php"), 400, "missing_param", "place_id")


def test_reviews_bill_five_then_zero_from_cache_and_map_fields():
    when = "2024-01-15T14:50:00.123456Z"
    reviews = [review("author%d" % i, 5 - i % 5, "Review %d" % i, when) for i in range(6)]
    reviews[1]["text"] = {"text": "Sehr gut", "languageCode": "de"}
    with PlacesApi(KEY) as api:
        api.add_place(place("ChIJrev", "Joe's", reviews=reviews))
        with places_server(api) as s:
            r = s.get("places/reviews.php", place_id="ChIJrev")
            data = assert_success(r)
            assert r.json["credits_used"] == 5
            assert data["place_id"] == "ChIJrev" and data["cached"] is False
            assert len(data["reviews"]) == 5
            first = data["reviews"][0]
            assert first == {
                "author_name": "author0",
                "author_url": "https://www.google.com/maps/contrib/author0",
                "language": "en",
                "rating": 5,
                "text": "Review 0",
                "time": calendar.timegm(time.strptime("2024-01-15 14:50:00", "%Y-%m-%d %H:%M:%S")),
                "relative_time_description": "a month ago",
                "profile_photo_url": "https://lh3.googleusercontent.com/a/author0",
            }
            assert data["reviews"][1]["language"] == "de"
            (call,) = [r for r in api.requests if r["method"] == "GET"]
            assert set(call["headers"]["X-Goog-FieldMask"].split(",")) == {"id", "reviews"}
            again = s.get("places/reviews.php", place_id="ChIJrev")
            cached = assert_success(again)
            assert again.json["credits_used"] == 0 and cached["cached"] is True
            assert cached["reviews"] == data["reviews"]
            assert len([r for r in api.requests if r["method"] == "GET"]) == 1
            assert s.balance("admin@localhost.localdomain") == 95


def test_reviews_errors():
    with PlacesApi(KEY) as api, places_server(api) as s:
        assert_error(s.get("places/reviews.php", place_id="ChIJ../etc"), 400, "invalid_param",
                     "place_id")
        assert_error(s.get("places/reviews.php", place_id="ChIJunknown"), 502, "api_error",
                     "no longer valid")
        assert s.balance("admin@localhost.localdomain") == 100
