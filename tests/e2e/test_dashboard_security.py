"""The web dashboard's guards, over plain HTTP: no page without a session, the
session cookie's attributes and the security headers, CSRF on every form, login
throttling (slowed, then 429), key rotation revoking the old key, and another
user's objects answering 404."""
from concurrent.futures import ThreadPoolExecutor

from dashlib import PASSWORD, Web, add_user
from lib import Server, eq

APP_PAGES = ["/app/", "/app", "/app/key", "/app/projects", "/app/projects/1",
             "/app/accounts", "/app/campaigns", "/app/campaigns/1", "/app/ads",
             "/app/nothing/here"]


def test_password_commands():
    with Server() as s:
        proc = s.cli("user", "add", "short@example.com", "--password-env", "LG_PW",
                     env={"LG_PW": "short"})
        assert proc.returncode == 2 and "8 to 256" in proc.stderr, proc.stderr
        add_user(s, "pw@example.com")
        proc = s.cli("user", "password", "pw@example.com", "--password-env", "LG_NEW",
                     env={"LG_NEW": "another long one"})
        eq(proc.returncode, 0, proc.stderr)
        w = Web(s)
        eq(w.login("pw@example.com")[0], 401)
        eq(w.login("pw@example.com", "another long one")[0], 303)
        proc = s.cli("user", "password", "nobody@example.com", "--password-env", "LG_NEW",
                     env={"LG_NEW": "another long one"})
        eq(proc.returncode, 1)


def test_no_page_without_a_session():
    with Server() as s:
        w = Web(s)
        for path in APP_PAGES:
            status, headers, _ = w.get(path)
            eq(status, 303, path)
            eq(headers.get("location"), "/login", path)
            status, headers, _ = w.post(path, {"x": "1"})
            eq(status, 303, path)
            eq(headers.get("location"), "/login", path)
        # a forged or expired session cookie is no session
        w.cookies["lg_session"] = "ab" * 32
        eq(w.get("/app/")[0], 303)
        # the static files need none
        status, headers, body = w.get("/app/static/app.js")
        eq(status, 200)
        assert headers["content-type"].startswith("text/javascript")


def test_login_sets_a_strict_cookie_and_pages_carry_security_headers():
    with Server(env={"LEADGEN_PUBLIC_URL": "https://leads.example.com"}) as s:
        add_user(s, "sec@example.com")
        w = Web(s)
        status, headers, page = w.get("/login")
        eq(status, 200)
        for name in ("email", "password", "csrf"):
            assert 'name="%s"' % name in page, name
        status, headers, _ = w.login("sec@example.com")
        eq(status, 303)
        eq(headers["location"], "/app/")
        cookie = headers["set-cookie"]
        for attr in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/"):
            assert attr in cookie, cookie
        for path in ("/app/", "/app/key", "/login"):
            status, headers, page = w.get(path)
            assert status in (200, 303), (path, status)
            csp = headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
            eq(headers["x-frame-options"], "DENY")
            eq(headers["referrer-policy"], "no-referrer")
            assert "<script>" not in page and " onclick=" not in page, path
        # logout ends the session in the store: the old cookie no longer works
        old = dict(w.cookies)
        eq(w.post("/logout", {"csrf": w.csrf()})[0], 303)
        w2 = Web(s)
        w2.cookies = old
        eq(w2.get("/app/")[0], 303)


def test_without_https_the_cookie_is_not_secure():
    with Server() as s:
        add_user(s, "plain@example.com")
        status, headers, _ = Web(s).login("plain@example.com")
        eq(status, 303)
        assert "Secure" not in headers["set-cookie"]


def test_csrf_is_enforced_on_every_form():
    with Server() as s:
        add_user(s, "csrf@example.com")
        w = Web(s)
        # sign-in: the hidden field must match the cookie
        w.get("/login")
        eq(w.post("/login", {"csrf": "0" * 64, "email": "csrf@example.com",
                             "password": PASSWORD})[0], 403)
        eq(w.post("/login", {"email": "csrf@example.com", "password": PASSWORD})[0], 403)
        eq(w.login("csrf@example.com")[0], 303)
        for path, form in (("/app/key", {"confirm": "yes"}),
                           ("/app/projects", {"name": "x"}),
                           ("/logout", {})):
            eq(w.post(path, form)[0], 403, path)
            eq(w.post(path, dict(form, csrf="f" * 64))[0], 403, path)
        # still signed in (the refused logout did nothing)
        eq(w.get("/app/")[0], 200)


def test_login_throttling_per_account_and_address():
    with Server() as s:
        add_user(s, "victim@example.com")
        w = Web(s)
        statuses = [w.login("victim@example.com", "wrong password %d" % i)[0] for i in range(5)]
        eq(statuses, [401] * 5)
        status, headers, _ = w.login("victim@example.com")  # even the right password
        eq(status, 429)
        assert int(headers["retry-after"]) > 0
        # per address: many accounts from one address lock the address out. Past ten
        # failures each attempt waits a second, so the fifteen go at once; the lock
        # needs all twenty failures, so every one of them is counted whatever the order.
        with ThreadPoolExecutor(max_workers=15) as pool:
            tried = list(pool.map(lambda i: Web(s).login("nobody%d@example.com" % i,
                                                         "wrong password")[0], range(15)))
        eq(tried, [401] * 15)
        add_user(s, "other@example.com")
        eq(w.login("other@example.com")[0], 429)


def test_key_rotation_shows_the_key_once_and_revokes_the_old():
    with Server() as s:
        old = add_user(s, "rot@example.com")
        eq(s.get("projects.php", key=old).status, 200)
        w = Web(s)
        w.login("rot@example.com")
        status, _, page = w.get("/app/key")
        eq(status, 200)
        assert "Rotate" in page
        csrf = w.csrf_of(page)
        eq(w.post("/app/key", {"csrf": csrf})[0], 303)  # no confirmation: asks again
        status, _, page = w.post("/app/key", {"csrf": csrf, "confirm": "yes"})
        eq(status, 200)
        import re
        new = re.search(r'id="new-key">(lg_[0-9a-f]+)<', page).group(1)
        eq(s.get("projects.php", key=new).status, 200)
        eq(s.get("projects.php", key=old).status, 401)
        assert new not in w.get("/app/")[2]


def test_another_users_objects_are_404():
    with Server() as s:
        add_user(s, "alice@example.com")
        bob_key = add_user(s, "bob@example.com")
        created = s.post("projects.php", {"name": "Bob's"}, key=bob_key)
        bob_project = created.json["data"]["id"]
        w = Web(s)
        w.login("alice@example.com")
        csrf = w.csrf()
        for path in ("/app/projects/%d" % bob_project, "/app/projects/999999",
                     "/app/projects/abc", "/app/projects/-1"):
            eq(w.get(path)[0], 404, path)
            eq(w.post(path, {"csrf": csrf, "action": "add", "email": "x@example.com"})[0], 404,
               path)
        # nothing was added to Bob's project
        leads = s.get("leads.php", key=bob_key, project_id=bob_project)
        eq(leads.json["data"]["total"], 0)
        assert "Bob&#39;s" not in w.get("/app/projects")[2]
