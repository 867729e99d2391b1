"""Admission to the job pool: a per-user cap on requests in flight (429
rate_limited), a cap per class of work (503 busy), both with Retry-After; a
user with no credits refused before queueing (402); and a queued request whose
client hangs up never runs. Slow work is a held fake site (fakes/sites.py)
that answers only when the test releases it, so nothing depends on timing."""
import queue
import select
import socket
import threading
import urllib.parse

from fakes.sites import Sites, page
from lib import Server, assert_error, assert_success, eq, wait_until

SLOW = "slow-shop.com"
FAST = "fast-shop.com"
GONE = "gone-shop.com"
WAIT = 30  # seconds any step may take on a loaded machine (a bound, not an assertion)


def site_env(sites, **extra):
    env = dict(sites.env(), LEADGEN_OBEY_ROBOTS="0")  # one request per crawl: the page
    env.update({k: str(v) for k, v in extra.items()})
    return env


def shop_sites():
    sites = Sites()
    sites.add(SLOW, {"/": page("Write to office@slow-shop.com")})
    sites.add(FAST, {"/": page("Write to hello@fast-shop.com")})
    sites.add(GONE, {"/": page("Write to info@gone-shop.com")})
    return sites


class Crawls:
    """Crawls sent from threads, each on its own connection; answers land in
    self.answers as they come."""

    def __init__(self, server):
        self.server = server
        self.answers = queue.Queue()
        self.threads = []

    def start(self, key, url, count=1):
        for _ in range(count):
            t = threading.Thread(target=self._one, args=(key, url), daemon=True)
            t.start()
            self.threads.append(t)

    def _one(self, key, url):
        conn = self.server.connect(timeout=WAIT * 4)
        try:
            self.answers.put(self.server.request("GET", "crawl.php", params={"domain": url},
                                                 key=key, conn=conn))
        finally:
            conn.close()

    def wait_answers(self, n):
        assert wait_until(lambda: self.answers.qsize() >= n, WAIT), \
            "%d answers, want %d" % (self.answers.qsize(), n)
        return [self.answers.get() for _ in range(n)]

    def join(self):
        for t in self.threads:
            t.join(WAIT * 4)
        return [self.answers.get() for _ in range(self.answers.qsize())]


def assert_retry_after(r):
    value = r.headers.get("Retry-After")
    assert value and value.isdigit() and int(value) > 0, (value, r)


def test_flood_from_one_user_is_limited_and_does_not_hold_up_another():
    with shop_sites() as sites:
        sites.hold(SLOW)
        with Server(env=site_env(sites, LEADGEN_USER_INFLIGHT=4)) as s:
            key_a = s.add_user("a@example.com", credits=1000)
            key_b = s.add_user("b@example.com", credits=100)
            crawls = Crawls(s)
            crawls.start(key_a, sites.url(SLOW), count=12)
            refused = crawls.wait_answers(8)  # all but the 4 in flight come back at once
            for r in refused:
                assert_error(r, 429, "rate_limited", "4")
                assert_retry_after(r)
            assert wait_until(lambda: sites.holding(SLOW) == 4, WAIT), sites.holding(SLOW)
            data = assert_success(s.get("crawl.php", key=key_b, domain=sites.url(FAST)))
            eq(data["emails"], ["hello@fast-shop.com"])
            eq(sites.holding(SLOW), 4)          # A's crawls are all still blocked
            eq(crawls.answers.qsize(), 0)
            sites.release(SLOW)
            finished = crawls.join()
            eq([r.status for r in finished], [200] * 4)


def test_full_class_queue_answers_busy():
    # 2 threads give upstream work 1 running slot; 1 more may wait
    with shop_sites() as sites:
        sites.hold(SLOW)
        with Server(env=site_env(sites, LEADGEN_WORKERS=2, LEADGEN_QUEUE_UPSTREAM=1)) as s:
            crawls = Crawls(s)
            crawls.start(s.key, sites.url(SLOW))
            assert wait_until(lambda: sites.holding(SLOW) == 1, WAIT)
            crawls.start(s.key, sites.url(SLOW), count=2)  # one waits, one is refused
            (busy,) = crawls.wait_answers(1)
            assert_error(busy, 503, "busy", "busy")
            assert_retry_after(busy)
            eq(sites.holding(SLOW), 1)
            sites.release(SLOW)
            eq([r.status for r in crawls.join()], [200, 200])


def raw_crawl(s, key, url):
    """A crawl written on a bare socket, left open without reading the answer."""
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=WAIT)
    query = urllib.parse.urlencode({"api_key": key, "domain": url})
    sock.sendall(("GET /api/v1/crawl.php?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % query).encode())
    return sock


def answered(sock):
    return bool(select.select([sock], [], [], 0)[0])


def test_queued_request_of_a_client_that_hung_up_never_runs():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    ai_url = "http://127.0.0.1:%d/v1" % closed.getsockname()[1]  # nothing listens: fails fast
    with shop_sites() as sites:
        sites.hold(SLOW)
        env = site_env(sites, LEADGEN_WORKERS=2, LEADGEN_USER_INFLIGHT=2, LEADGEN_AI_KEY="k",
                       LEADGEN_AI_URL=ai_url)
        with Server(env=env) as s:
            key = s.add_user("a@example.com", credits=100)

            def probe():  # an AI request: 429 exactly when A has 2 requests on the pool
                return s.post("campaigns/generate.php", {"prompt": "p"}, key=key).status

            crawls = Crawls(s)
            crawls.start(key, sites.url(SLOW))
            assert wait_until(lambda: sites.holding(SLOW) == 1, WAIT)
            # a queued crawl of GONE (upstream work has 1 running slot, taken above);
            # a probe in flight at the same moment can get it refused: then resend
            sock = raw_crawl(s, key, sites.url(GONE))
            for _ in range(50):
                if probe() == 429:
                    break
                if answered(sock):
                    sock.close()
                    sock = raw_crawl(s, key, sites.url(GONE))
            else:
                raise AssertionError("the raw crawl never waited in the queue")
            sock.close()
            # the server notices the hang-up and frees A's slot: probes pass again
            assert wait_until(lambda: probe() != 429, WAIT)
            assert wait_until(lambda: any(e.get("status") == 499 and "crawl" in e["path"]
                                          for e in s.log_entries()), WAIT)
            sites.release(SLOW)
            (done,) = crawls.join()
            assert_success(done)
            eq(sites.paths(GONE), [])  # never fetched
            eq(s.balance("a@example.com"), 100 - done.json["credits_used"])
    closed.close()


def test_no_credits_is_refused_before_queueing():
    with shop_sites() as sites:
        sites.hold(SLOW)
        env = site_env(sites, LEADGEN_WORKERS=2, LEADGEN_QUEUE_UPSTREAM=0)
        with Server(env=env) as s:
            broke = s.add_user("broke@example.com", credits=0)
            crawls = Crawls(s)
            crawls.start(s.key, sites.url(SLOW))
            assert wait_until(lambda: sites.holding(SLOW) == 1, WAIT)
            # upstream work is full: anyone queueing now would get 503
            assert_error(s.get("crawl.php", key=s.key, domain=sites.url(FAST)), 503, "busy")
            r = s.get("crawl.php", key=broke, domain=sites.url(FAST))
            assert_error(r, 402, "insufficient_credits")
            eq(r.json["message"], "Your account has no credits remaining.")
            assert "Retry-After" not in r.headers
            assert_error(s.get("crawl.php", key=broke), 400, "missing_param", "domain")
            eq(sites.paths(FAST), [])
            sites.release(SLOW)
            assert_success(crawls.join()[0])
            # a cached answer is free, so it is still served at balance 0
            cached = s.get("crawl.php", key=broke, domain=sites.url(SLOW))
            assert_success(cached)
            eq(cached.json["credits_used"], 0)
