"""The dashboard's sending accounts: add an SMTP account, test it (a real SMTP and IMAP
login against the local fakes, the servers' answers shown), remove it; Connect Gmail
through the fake OAuth server (authorisation-code flow, single-use state bound to the
session), a reconnect clearing the reauth state; forged and reused states refused,
other users' accounts 404."""
import html
import http.client
import re
import urllib.parse

from dashlib import Web, add_user
from fakes.imapd import ImapServer
from fakes.mailsink import MailSink
from fakes.oauth import TokenServer
from lib import Server, eq

SENDER, PASSWORD = "sam@send.lgtest", "s3cret pw"
GMAIL = "me@gmail.lgtest"


def signed_in(s, email="acc@example.com"):
    key = add_user(s, email)
    w = Web(s)
    eq(w.login(email)[0], 303)
    return w, key


def add_form(csrf, sink, imap, password=PASSWORD):
    return {"csrf": csrf, "action": "add", "address": SENDER, "host": "127.0.0.1",
            "port": str(sink.port), "tls": "none", "username": SENDER, "password": password,
            "imap_host": "127.0.0.1", "imap_port": str(imap.port)}


def account_id(page, address):
    m = re.search(r'<tr id="account-(\d+)"><td>%s</td>' % re.escape(address), page)
    assert m, page
    return m.group(1)


def test_smtp_account_add_test_remove():
    with MailSink(users={SENDER: PASSWORD}) as sink, \
            ImapServer(users={SENDER: PASSWORD}) as imap, \
            Server(env={"LEADGEN_ALLOW_PRIVATE_TARGETS": "1"}) as s:
        w, key = signed_in(s)
        csrf = w.csrf("/app/accounts")
        status, _, page = w.post("/app/accounts", add_form(csrf, sink, imap))
        eq(status, 200)
        assert "Added sam@send.lgtest" in page, page
        assert PASSWORD not in page
        acc = account_id(page, SENDER)
        listed = s.get("accounts.php", key=key).json["data"]
        assert SENDER in str(listed), listed
        status, _, page = w.post("/app/accounts", {"csrf": csrf, "test": acc})
        eq(status, 200)
        result = re.search(r'<section class="card" id="test-result">.*?</section>', page, re.S)
        assert result, page
        text = result.group(0)
        assert re.search(r'<dd class="vok">accepted: 220 .*235', text), text
        assert re.search(r'<dd class="vok">accepted: \* OK.*OK', text), text
        eq(sink.messages, [])  # nothing sent
        assert any(a["ok"] for a in sink.auths), sink.auths
        # a duplicate address is explained
        status, _, page = w.post("/app/accounts", add_form(csrf, sink, imap))
        eq(status, 400)
        assert "already one of your accounts" in page
        # a wrong password: both servers' refusals shown
        status, _, page = w.post("/app/accounts", {"csrf": csrf, "remove": acc})
        eq(status, 200)
        assert "Removed sam@send.lgtest" in page
        page = w.post("/app/accounts", add_form(csrf, sink, imap, password="wrong"))[2]
        acc = account_id(page, SENDER)
        page = w.post("/app/accounts", {"csrf": csrf, "test": acc})[2]
        text = re.search(r'id="test-result">.*?</section>', page, re.S).group(0)
        assert re.search(r'<dd class="vbad">refused: login refused \(535\)', text), text
        assert '<dd class="vbad">refused:' in text.split("IMAP login")[1], text


def test_sending_window_time_zone_and_gaps_from_the_form():
    with Server() as s:
        w, key = signed_in(s)
        csrf = w.csrf("/app/accounts")
        form = {"csrf": csrf, "action": "add", "address": "win@send.lgtest", "host": "mail.lgtest",
                "tls": "tls", "window": "Mon-Fri 08:00-17:30", "timezone": "Europe/Berlin",
                "min_gap": "30", "max_extra": "0"}
        # a typo is refused where it is typed, with the sender's own words
        status, _, page = w.post("/app/accounts", dict(form, timezone="europe/berlin"))
        eq(status, 400)
        assert "unknown time zone" in page and "Europe/Berlin" in page, page
        status, _, page = w.post("/app/accounts", dict(form, window="Mon-Fry 08:00-17:30"))
        eq(status, 400)
        assert "Fry" in html.unescape(page), page
        eq(s.get("accounts.php", key=key).json["data"]["accounts"], [])
        status, _, page = w.post("/app/accounts", form)
        eq(status, 200)
        [acc] = s.get("accounts.php", key=key).json["data"]["accounts"]
        eq((acc["window"], acc["timezone"], acc["min_gap"], acc["max_extra"]),
           ("Mon-Fri 08:00-17:30", "Europe/Berlin", 30, 0))


def test_accounts_of_another_user_are_404_and_forms_need_csrf():
    with MailSink(users={SENDER: PASSWORD}) as sink, \
            ImapServer(users={SENDER: PASSWORD}) as imap, \
            Server(env={"LEADGEN_ALLOW_PRIVATE_TARGETS": "1"}) as s:
        owner, _ = signed_in(s, "owner@example.com")
        page = owner.post("/app/accounts", add_form(owner.csrf("/app/accounts"), sink, imap))[2]
        acc = account_id(page, SENDER)
        other, _ = signed_in(s, "other@example.com")
        csrf = other.csrf("/app/accounts")
        assert SENDER not in other.get("/app/accounts")[2]
        eq(other.post("/app/accounts", {"csrf": csrf, "test": acc})[0], 404)
        eq(other.post("/app/accounts", {"csrf": csrf, "remove": acc})[0], 404)
        eq(owner.post("/app/accounts", {"remove": acc})[0], 403)
        assert SENDER in owner.get("/app/accounts")[2]
        eq(Web(s).get("/app/accounts/gmail/connect")[1]["location"], "/login")


def gmail_env(oauth, sink=None, imap=None):
    env = {"LEADGEN_ALLOW_PRIVATE_TARGETS": "1", "LEADGEN_PUBLIC_URL": "http://lg.test:1/",
           "LEADGEN_OAUTH_AUTH_URL": oauth.auth_url, "LEADGEN_OAUTH_TOKEN_URL": oauth.url,
           "LEADGEN_OAUTH_USERINFO_URL": oauth.userinfo_url,
           "LEADGEN_GOOGLE_CLIENT_ID": "cid.apps.lgtest", "LEADGEN_GOOGLE_CLIENT_SECRET": "csecret"}
    if sink:
        env.update(LEADGEN_GMAIL_SMTP=sink.url, LEADGEN_GMAIL_IMAP=imap.url)
    return env


def authorize(w, oauth):
    """Connect Gmail up to the provider's redirect back: the callback's path and query."""
    status, headers, _ = w.get("/app/accounts/gmail/connect")
    eq(status, 303)
    url = urllib.parse.urlsplit(headers["location"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", url.path + "?" + url.query)
    back = conn.getresponse().getheader("Location")
    conn.close()
    back = urllib.parse.urlsplit(back)
    eq(back.path, "/oauth/google/callback")
    return headers["location"], back.path + "?" + back.query


def test_connect_gmail_flow_state_and_reconnect():
    with TokenServer({"1//good": "ya29.tok"}, accounts={GMAIL: "1//good"}) as oauth, \
            MailSink(tokens={GMAIL: "ya29.tok"}) as sink, \
            ImapServer(tokens={GMAIL: "ya29.tok"}) as imap, \
            Server(env=gmail_env(oauth, sink, imap)) as s:
        w, key = signed_in(s)
        assert 'id="connect-gmail"' in w.get("/app/accounts")[2]
        location, callback = authorize(w, oauth)
        q = oauth.authorizations[0]
        eq(q["client_id"], "cid.apps.lgtest")
        eq(q["response_type"], "code")
        eq(q["scope"], "https://mail.google.com/ email")
        eq(q["access_type"], "offline")
        eq(q["prompt"], "consent")
        eq(q["redirect_uri"], "http://lg.test:1/oauth/google/callback")
        assert re.fullmatch(r"[0-9a-f]{64}", q["state"]), q
        assert location.startswith(oauth.auth_url + "?")
        status, headers, _ = w.get(callback)
        eq(status, 303)
        eq(headers["location"], "/app/accounts?connected=" + urllib.parse.quote(GMAIL))
        exchange = [r for r in oauth.requests if r.get("grant_type") == "authorization_code"][0]
        eq(exchange["client_secret"], "csecret")
        eq(exchange["redirect_uri"], "http://lg.test:1/oauth/google/callback")
        page = w.get(headers["location"])[2]
        assert "Connected me@gmail.lgtest." in page
        acc = account_id(page, GMAIL)
        assert "Gmail (OAuth)" in page and "1//good" not in page
        # the refresh token is stored sealed: the test logs in with it through XOAUTH2
        page = w.post("/app/accounts", {"csrf": w.csrf("/app/accounts"), "test": acc})[2]
        text = re.search(r'id="test-result">.*?</section>', page, re.S).group(0)
        eq(text.count('class="vok"'), 2, text)
        # the same state again (a replayed callback) is refused
        eq(w.get(callback)[0], 403)
        # a revoked grant marks the account; reconnecting clears it
        del oauth.grants["1//good"]
        page = w.post("/app/accounts", {"csrf": w.csrf("/app/accounts"), "test": acc})[2]
        assert "revoked or expired" in page, page
        page = w.get("/app/accounts")[2]
        assert "needs authorising again" in page and "Reconnect" in page
        oauth.grants["1//new"] = "ya29.tok"
        oauth.accounts[GMAIL] = "1//new"
        _, callback = authorize(w, oauth)
        eq(w.get(callback)[0], 303)
        page = w.get("/app/accounts")[2]
        eq(account_id(page, GMAIL), acc)  # the same account, authorised again
        assert "needs authorising again" not in page, page
        accounts = s.get("accounts.php", key=key).json["data"]
        assert "reauth" not in str(accounts), accounts


def test_forged_or_foreign_oauth_state_is_refused():
    with TokenServer({}, accounts={GMAIL: "1//good"}) as oauth, \
            Server(env=gmail_env(oauth)) as s:
        w, _ = signed_in(s, "a@example.com")
        _, callback = authorize(w, oauth)
        forged = re.sub(r"state=[0-9a-f]+", "state=" + "ab" * 32, callback)
        eq(w.get(forged)[0], 403)
        # another session's state is not this session's
        other, _ = signed_in(s, "b@example.com")
        eq(other.get(callback)[0], 403)
        # the forged try used up nothing of the genuine one... but a state is single-use:
        # refused attempts do not take it, the genuine callback still works once
        eq(w.get(callback)[0], 303)
        eq(w.get(callback)[0], 403)
        codes = [r for r in oauth.requests if r.get("grant_type") == "authorization_code"]
        eq(len(codes), 1)  # refused callbacks never reached the token endpoint
        # no session: one same-site reload, then sign-in
        anon = Web(s)
        status, _, page = anon.get(callback)
        eq(status, 200)
        assert 'http-equiv="refresh"' in page and "again=1" in page
        eq(anon.get(callback + "&again=1")[1]["location"], "/login")


def test_connect_gmail_without_client_configuration_explains():
    with Server() as s:
        w, _ = signed_in(s)
        page = w.get("/app/accounts")[2]
        assert 'id="gmail-unconfigured"' in page and "LEADGEN_GOOGLE_CLIENT_ID" in page
        status, _, page = w.get("/app/accounts/gmail/connect")
        eq(status, 200)
        assert "LEADGEN_GOOGLE_CLIENT_SECRET" in page
