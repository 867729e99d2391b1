"""Faults and abuse a public deployment meets (issue 21): start-up noise, CLI
subcommand errors, per-address connection limits, rate limits, a store file
deleted under the server, licence-service floods, crashes with reservations
held, credits held by requests in flight, secrets at rest, HTTP library
errors in the JSON envelope, and internationalised hosts."""
import os
import socket
import time

import lib
from lib import Server, assert_error, assert_success, eq, last_line


def test_serve_prints_only_its_own_lines():
    with Server(env={"LEADGEN_THREADS": "1", "LEADGEN_ACCESS_LOG": "0"}) as s:
        s.get("projects.php")
        noise = [l for l in s.stderr_text().splitlines() if "thread pool" in l or "Warning" in l]
        eq(noise, [], "libmicrohttpd lines on stderr")


def test_unknown_subcommand_is_named():
    with Server() as s:
        proc = s.cli("user", "frobnicate", "a@example.com")
        eq(proc.returncode, 2)
        assert "unknown subcommand 'frobnicate' of 'user'" in proc.stderr, proc.stderr
        assert "add" in proc.stderr, proc.stderr


def _connect_from(address, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.bind((address, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def _get_status(sock, path):
    """The status of one request, or None when the server closed the connection
    unanswered (seen as end of file or, when our request crossed its close, a reset)."""
    data = b""
    try:
        sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return None
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        return None
    return int(data.split()[1])


def test_one_address_cannot_take_every_connection():
    limit = 20
    with Server(env={"LEADGEN_MAX_CONNECTIONS": "64",
                     "LEADGEN_MAX_CONNECTIONS_PER_IP": str(limit)}) as s:
        flood = [_connect_from("127.0.0.1", s.port) for _ in range(64)]
        try:
            # the connections past the limit are closed at once, without an answer
            served = sum(1 for sock in flood if _get_status(sock, "/healthz") == 200)
            eq(served, limit)
            fresh = _connect_from("127.0.0.2", s.port)
            try:
                eq(_get_status(fresh, "/healthz"), 200)
            finally:
                fresh.close()
        finally:
            for sock in flood:
                sock.close()


def test_rate_limit_per_user_and_family():
    with Server(env={"LEADGEN_RATE_LIMIT": "crawl=3/min,search=0/min"}) as s:
        other = s.add_user("other@example.com", credits=5)
        for remaining in (2, 1, 0):
            r = s.get("crawl.php")  # counted whatever the answer: here a missing parameter
            eq(r.status, 400)
            eq(r.headers["X-RateLimit-Limit"], "3")
            eq(r.headers["X-RateLimit-Remaining"], str(remaining))
            assert 0 < int(r.headers["X-RateLimit-Reset"]) <= 60, r.headers
        r = s.get("crawl.php", domain="example.com")
        assert_error(r, 429, "rate_limited")
        assert "at most 3 crawl requests per minute" in r.json["message"], r.json
        assert 0 < int(r.headers["Retry-After"]) <= 60, r.headers
        eq(r.headers["X-RateLimit-Remaining"], "0")
        # another user, and another family, have their own counts
        eq(s.get("crawl.php", key=other).headers["X-RateLimit-Remaining"], "2")
        r = s.get("search.php")
        eq(r.status, 400)
        assert "X-RateLimit-Limit" not in r.headers, r.headers
        assert "X-RateLimit-Limit" not in s.get("projects.php").headers


def test_rate_limit_refuses_a_bad_spec():
    for spec in ("crawl=3", "crawl=3/fortnight", "nosuch=1/min", "crawl=-1/min"):
        # any command but help and version, which answer whatever the configuration says
        proc = lib.cli(lib.BIN, "user", "list", env={"LEADGEN_RATE_LIMIT": spec})
        eq(proc.returncode, 2, spec)
        assert "LEADGEN_RATE_LIMIT" in proc.stderr, proc.stderr


def test_store_file_deleted_under_the_server():
    lib.require_sqlite()
    with Server(check_exit=False) as s:
        pid = s.create_project("Before")
        os.rename(s.db_path, s.db_path + ".moved")
        for suffix in ("-wal", "-shm"):
            if os.path.exists(s.db_path + suffix):
                os.rename(s.db_path + suffix, s.db_path + ".moved" + suffix)

        def refused():
            r = s.post("projects.php", {"name": "After %f" % time.monotonic()})
            return r if r.status != 200 else None
        r = lib.wait_until(refused, 5)
        assert r is not None, "writes still answered 200 with the store file gone"
        assert_error(r, 500, "db_error")
        assert_error(s.get("leads.php", project_id=pid), 500, "db_error")
        h = s.get("/healthz", key=None)
        assert_error(h, 503, "unhealthy")
        assert "deleted or replaced" in h.json["message"], h.json


ADMIN = "admin@localhost.localdomain"


def _hold(s, email, credits, holder):
    _hold_in(s.db_path, email, credits, holder)


def _hold_in(db, email, credits, holder):
    """A reservation of credits held by holder ("host:pid"), taken from email's balance."""
    (user_id,) = lib.store_sql(db, "SELECT id FROM users WHERE email = ?", (email,))[0]
    lib.store_sql(db, "UPDATE users SET credits = credits - ? WHERE id = ?",
                  (credits, user_id))
    lib.store_sql(db, "INSERT INTO credit_ledger (user_id, endpoint, amount, reserved, "
                  "state, request_id, created_at, holder) VALUES (?, 'crawl', 0, ?, 'reserved', "
                  "'held', ?, ?)", (user_id, credits, int(time.time()), holder))


def _dead_pid():
    import subprocess
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_402_says_when_requests_in_flight_hold_the_credits():
    with Server() as s:
        _hold(s, ADMIN, 100, "another-machine:1")
        eq(s.balance(ADMIN), 0)
        r = s.get("crawl.php", domain="example.com")
        assert_error(r, 402, "insufficient_credits")
        assert "requests in progress hold the remaining 100" in r.json["message"], r.json
        eq(r.headers["Retry-After"], "5")
        # with nothing held, the reference's message and no Retry-After
        other = s.add_user("broke@example.com", credits=0)
        r = s.get("crawl.php", domain="example.com", key=other)
        assert_error(r, 402, "insufficient_credits")
        eq(r.json["message"], "Your account has no credits remaining.")
        assert "Retry-After" not in r.headers


def test_restart_after_a_crash_releases_what_the_dead_process_held():
    import shutil
    import tempfile
    tmp = tempfile.mkdtemp(prefix="leadgen-e2e-crash-")
    try:
        db = lib.fresh_store_url(tmp)
        with Server(db=db) as s:
            key = s.key
            s.add_user("other@example.com", credits=10)
        host = socket.gethostname()
        s = Server(db=db)
        _hold_in(db, ADMIN, 60, "%s:%d" % (host, _dead_pid()))
        _hold_in(db, "other@example.com", 4, "another-machine:1")  # not ours to judge: kept
        _hold_in(db, "other@example.com", 3, "%s:%d" % (host, os.getpid()))  # alive: kept
        with s:
            s.key = key
            eq(s.balance(ADMIN), 100)
            eq(s.balance("other@example.com"), 3)
            assert "no longer running" in s.stderr_text(), s.stderr_text()[-2000:]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_unknown_keys_are_checked_once_and_limited_per_address():
    import threading
    from fakes.licence import LicenceService
    with LicenceService() as lic, Server(env={"LEADGEN_AUTH_URL": lic.url,
                                              "LEADGEN_AUTH_CHECKS_PER_IP": "4"}) as s:
        # concurrent requests with one unknown key share one check
        release = lic.hold("bad-1")
        answers = []

        def ask():
            answers.append(s.request("GET", "projects.php", key="bad-1", conn=s.connect()).status)
        threads = [threading.Thread(target=ask) for _ in range(5)]
        for t in threads:
            t.start()
        assert lic.wait_for_key("bad-1")
        time.sleep(0.3)  # the others arrive and wait for that check (no assertion on timing)
        release.set()
        for t in threads:
            t.join(30)
        eq(answers, [401] * 5)
        # a refused key is refused from memory afterwards
        assert_error(s.get("projects.php", key="bad-1"), 401, "invalid_api_key")
        assert_error(s.get("projects.php", key="bad-2"), 401, "invalid_api_key")
        assert_error(s.get("projects.php", key="bad-2"), 401, "invalid_api_key")
        eq(sorted(set(lic.keys_asked())), ["bad-1", "bad-2"])
        eq(lic.keys_asked().count("bad-2"), 1)
        # the address has asked about 2 keys: 2 more are checked, then no more
        assert_error(s.get("projects.php", key="bad-3"), 401, "invalid_api_key")
        assert_error(s.get("projects.php", key="bad-4"), 401, "invalid_api_key")
        r = s.get("projects.php", key="bad-9")
        assert_error(r, 429, "rate_limited")
        assert "licence checks" in r.json["message"], r.json
        eq(r.headers["Retry-After"], "60")
        # another address still gets its keys checked
        other = _connect_from("127.0.0.2", s.port)
        try:
            eq(_get_status(other, "/api/v1/projects.php?api_key=bad-10"), 401)
        finally:
            other.close()


def test_internationalised_domain_is_crawled_in_its_idna_form():
    from fakes.sites import Sites, page
    with Sites() as sites:
        sites.add("xn--e1afmkfd.com", {"/": page("info@xn--e1afmkfd.com")})
        with Server(env=sites.env()) as s:
            r = s.get("crawl.php", domain="http://пример.com:%d" % sites.port)
            data = assert_success(r)
            eq(data["emails"], ["info@xn--e1afmkfd.com"])
            # the home page was asked for under the IDNA name (robots.txt may come first)
            assert "/" in sites.paths("xn--e1afmkfd.com"), sites.paths("xn--e1afmkfd.com")
