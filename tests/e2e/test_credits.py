"""Credit invariants under concurrency: many billable requests of one user at
once never spend more than the balance (reserve before the upstream call,
settle after). Uses places/reviews.php against the fake Places API."""

from fakes.places import PlacesApi, place, review
import lib
from lib import Server, assert_error, assert_success, eq

PLACES_KEY = "credits-test-places-key"
PARALLEL = 50
BALANCE = 20


def reviews_server(api):
    # one user's PARALLEL requests must all reach the reservation step, not the
    # per-user cap on requests in flight (test_admission covers that cap)
    return Server(env={"LEADGEN_PLACES_URL": api.url, "LEADGEN_PLACES_KEY": PLACES_KEY,
                       "LEADGEN_USER_INFLIGHT": PARALLEL})


def parallel_gets(s, key, place_ids):
    """GET reviews.php for each place id, all released at once; the responses."""
    return lib.all_at_once([lambda p=p: s.get("places/reviews.php", key=key, place_id=p)
                            for p in place_ids])


def test_parallel_billable_requests_never_overspend():
    when = "2024-01-15T14:50:00Z"
    with PlacesApi(PLACES_KEY) as api:
        ids = ["ChIJcredit%02d" % i for i in range(PARALLEL)]
        for pid in ids:  # distinct places, so no answer comes from the cache
            api.add_place(place(pid, "Place " + pid, reviews=[review("a", 5, "Good", when)]))
        api.delay = 0.2  # keeps the upstream calls in flight together
        with reviews_server(api) as s:
            key = s.add_user("budget@example.com", credits=BALANCE)
            results = parallel_gets(s, key, ids)
            errors = [r for r in results if isinstance(r, Exception)]
            assert not errors, errors
            ok = [r for r in results if r.status == 200]
            for r in results:
                if r.status != 200:
                    assert_error(r, 402, "insufficient_credits")
            spent = sum(assert_success(r) and r.json["credits_used"] for r in ok)
            assert ok and all(r.json["credits_used"] > 0 for r in ok), results
            assert spent == BALANCE, "charged %d from a balance of %d" % (spent, BALANCE)
            eq(s.balance("budget@example.com"), 0)
            # The access log agrees with what the responses said was charged.
            logged = [s.wait_log(r.headers.get("X-Request-Id")) for r in ok]
            assert all(logged), "missing access-log lines"
            assert sum(e["credits"] for e in logged) == spent, logged
            # At zero, a request that is not in the cache is refused without an upstream call.
            api.add_place(place("ChIJfresh", "Fresh", reviews=[review("b", 4, "Fine", when)]))
            calls = len(api.details_calls())
            assert_error(s.get("places/reviews.php", key=key, place_id="ChIJfresh"), 402,
                         "insufficient_credits")
            eq(len(api.details_calls()), calls)
