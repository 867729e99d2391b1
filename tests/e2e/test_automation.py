"""Automation: account.php (balance, usage, webhook secret), the credit
headers, dry runs and no_cache, async jobs (polled, after a restart, another
user's), signed webhook deliveries with retries, campaign-event
subscriptions. Upstream work goes to the fake Places API (reviews: cached,
billable)."""
import datetime
import hashlib
import hmac
import http.server
import json
import os
import signal
import threading
import time

from fakes.places import PlacesApi, place, review
from lib import Server, assert_error, assert_success, eq, wait_until
from fakes import serve_in_thread

PLACES_KEY = "automation-places-key"
WHEN = "2024-01-15T14:50:00Z"


def places_api():
    api = PlacesApi(PLACES_KEY)
    for pid in ("ChIJauto1", "ChIJauto2", "ChIJauto3"):
        api.add_place(place(pid, "Place " + pid, reviews=[review("a", 5, "Good", WHEN)]))
    return api


def server(api, env=None, **kw):
    e = {"LEADGEN_PLACES_URL": api.url, "LEADGEN_PLACES_KEY": PLACES_KEY}
    e.update(env or {})
    return Server(env=e, **kw)


def reviews(s, key, pid, **extra):
    return s.get("places/reviews.php", key=key, place_id=pid, **extra)


# ---- account.php and the credit headers --------------------------------------------

def test_account_shows_balance_usage_and_secret():
    with places_api() as api, server(api) as s:
        key = s.add_user("acct@example.com", credits=100)
        data = assert_success(s.get("account.php", key=key))
        eq(data["email"], "acct@example.com")
        eq(data["credits"], 100)
        eq(data["usage"], [])
        secret = data["webhook_secret"]
        assert secret.startswith("whsec_") and len(secret) == 70, secret
        r1 = reviews(s, key, "ChIJauto1")
        r2 = reviews(s, key, "ChIJauto2")
        spent = assert_success(r1) is not None and r1.json["credits_used"] + r2.json["credits_used"]
        assert spent > 0
        r3 = reviews(s, key, "ChIJauto1")  # from the cache: free, no ledger row
        eq(r3.json["credits_used"], 0)
        data = assert_success(s.get("account.php", key=key))
        eq(data["credits"], 100 - spent)
        eq(data["webhook_secret"], secret, "the secret is stable")
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        eq(data["usage"], [{"date": today, "endpoint": "places_reviews", "requests": 2,
                            "credits": spent}])


def test_credit_headers_on_every_authenticated_answer():
    with places_api() as api, server(api) as s:
        key = s.add_user("hdr@example.com", credits=50)
        r = reviews(s, key, "ChIJauto1")
        used = r.json["credits_used"]
        eq(r.headers["X-Credits-Used"], str(used))
        eq(r.headers["X-Credits-Remaining"], str(50 - used))
        free = s.get("projects.php", key=key)
        eq(free.headers["X-Credits-Remaining"], str(50 - used))
        eq(free.headers["X-Credits-Used"], None, "a free endpoint does not bill")
        bad = reviews(s, key, "")  # an error of an authenticated user still says the balance
        assert_error(bad, 400, "missing_param", "place_id")
        eq(bad.headers["X-Credits-Remaining"], str(50 - used))
        eq(bad.headers["X-Credits-Used"], "0")
        anon = s.get("projects.php", key=None)
        eq(anon.headers["X-Credits-Remaining"], None)
        eq(s.get("/healthz", key=None).headers["X-Credits-Remaining"], None)


# ---- dry runs and no_cache -----------------------------------------------------------

def test_dry_run_checks_parameters_and_touches_nothing():
    with places_api() as api, server(api) as s:
        key = s.add_user("dry@example.com", credits=30)
        assert_error(reviews(s, key, "", dry_run=1), 400, "missing_param", "place_id")
        assert_error(reviews(s, key, "ChIJauto1", dry_run=2), 400, "invalid_param", "dry_run")
        r = reviews(s, key, "ChIJauto1", dry_run=1)
        eq(assert_success(r), {"dry_run": True, "cached": False, "max_credits": 5})
        eq(r.json["credits_used"], 0)
        eq(r.headers["X-Credits-Remaining"], "30")
        eq(api.details_calls(), [], "a dry run calls nothing upstream")
        eq(s.balance("dry@example.com"), 30)
        real = reviews(s, key, "ChIJauto1")
        assert real.json["credits_used"] > 0
        eq(assert_success(reviews(s, key, "ChIJauto1", dry_run=1))["cached"], True)
        gen = s.post("campaigns/generate.php", {"prompt": "x" * 20, "dry_run": True}, key=key)
        # generate has no AI configured here: the dry run checks parameters first, as a real
        # call does, so it answers what the real call would
        assert gen.status in (200, 503), gen
        data = assert_success(s.get("account.php", key=key))
        eq([u["endpoint"] for u in data["usage"]], ["places_reviews"])
        eq(data["usage"][0]["requests"], 1, "dry runs leave no ledger row")


def test_no_cache_fetches_bills_and_stores_again():
    with places_api() as api, server(api) as s:
        key = s.add_user("fresh@example.com", credits=30)
        first = reviews(s, key, "ChIJauto1")
        cost = first.json["credits_used"]
        calls = len(api.details_calls())
        eq(reviews(s, key, "ChIJauto1").json["credits_used"], 0)
        eq(len(api.details_calls()), calls, "a cache hit calls nothing")
        fresh = reviews(s, key, "ChIJauto1", no_cache=1)
        eq(fresh.json["credits_used"], cost)
        eq(fresh.json["data"].get("cached"), False)
        eq(len(api.details_calls()), calls + 1, "no_cache went upstream")
        eq(reviews(s, key, "ChIJauto1").json["credits_used"], 0)
        eq(s.balance("fresh@example.com"), 30 - 2 * cost)


# ---- async jobs ----------------------------------------------------------------------

def wait_job(s, key, job_id, status=("done", "failed"), timeout=30):
    def check():
        r = s.get("jobs.php", key=key, id=job_id)
        data = assert_success(r)
        return data if data["status"] in status else None
    return wait_until(check, timeout)


def test_async_job_runs_once_and_answers_the_sync_envelope():
    with places_api() as api, server(api) as s:
        key = s.add_user("async@example.com", credits=40)
        other = s.add_user("other@example.com", credits=40)
        assert_error(reviews(s, key, "", **{"async": 1}), 400, "missing_param", "place_id")
        assert_error(s.get("projects.php", key=key, **{"async": 1}), 400, "invalid_param", "async")
        assert_error(reviews(s, key, "ChIJauto1", webhook_url="ftp://example.com/x",
                             **{"async": 1}), 400, "invalid_param", "webhook_url")
        r = reviews(s, key, "ChIJauto1", **{"async": 1})
        eq(r.status, 202)
        eq(r.json["credits_used"], 0)
        job_id = r.json["data"]["job_id"]
        eq(r.json["data"], {"job_id": job_id, "status": "queued"})
        data = wait_job(s, key, job_id)
        eq(data["status"], "done")
        eq(data["endpoint"], "places_reviews")
        assert data["created_at"] and data["finished_at"], data
        result = data["result"]
        eq(result["status"], "success")
        cost = result["credits_used"]
        assert cost > 0
        eq(result["data"]["place_id"], "ChIJauto1")
        eq(s.balance("async@example.com"), 40 - cost, "billed as the sync call")
        eq(len(api.details_calls()), 1)
        # the synchronous call now comes from the cache the job filled
        eq(reviews(s, key, "ChIJauto1").json["credits_used"], 0)
        assert_error(s.get("jobs.php", key=other, id=job_id), 404, "not_found")
        assert_error(s.get("jobs.php", key=key, id="nope"), 404, "not_found")
        listed = assert_success(s.get("jobs.php", key=key))["jobs"]
        eq([j["job_id"] for j in listed], [job_id])
        eq(assert_success(s.get("jobs.php", key=other))["jobs"], [])
        # an upstream error is a failed job whose result is the error envelope
        api.failing.add("ChIJauto2")
        failed = reviews(s, key, "ChIJauto2", **{"async": 1}).json["data"]["job_id"]
        data = wait_job(s, key, failed)
        eq(data["status"], "failed")
        eq(data["result"]["status"], "error")


def test_interrupted_async_job_runs_after_restart():
    with places_api() as api:
        api.delay = 30  # the first server dies while the job waits on upstream
        first = server(api, check_exit=False)
        with first:
            key = first.add_user("restart@example.com", credits=40)
            job_id = reviews(first, key, "ChIJauto3", **{"async": 1}).json["data"]["job_id"]
            wait_job(first, key, job_id, status=("running",))
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(10)
            api.delay = 0
            with Server(env=first.extra_env, db=first.db_path) as second:
                data = wait_job(second, key, job_id)
                eq(data["status"], "done")
                cost = data["result"]["credits_used"]
                assert cost > 0
                # the interrupted run's reservation is released by housekeeping (15 minutes);
                # what was charged is the one finished run
                charged = [e for e in assert_success(second.get("account.php", key=key))["usage"]]
                eq(sum(u["credits"] for u in charged), cost)


# ---- webhooks ------------------------------------------------------------------------

class Receiver:
    """A loopback webhook target: answers the queued statuses, then 200."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.deliveries = []
        self.lock = threading.Lock()

    def __enter__(self):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.deliveries.append((dict(self.headers), body))
                    status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve_in_thread(self.httpd)
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def received(self, n):
        with self.lock:
            return list(self.deliveries) if len(self.deliveries) >= n else None


def verify_signature(headers, body, secret):
    parts = dict(p.split("=", 1) for p in headers["X-Leadgen-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    eq(parts["v1"], expected, "signature")


def test_job_webhook_is_signed_and_retried_after_a_500():
    with places_api() as api, Receiver([500]) as hook, \
            server(api, env={"LEADGEN_ALLOW_PRIVATE_TARGETS": "1",
                             "LEADGEN_WEBHOOK_RETRY": "1"}) as s:
        key = s.add_user("hook@example.com", credits=40)
        secret = assert_success(s.get("account.php", key=key))["webhook_secret"]
        job_id = reviews(s, key, "ChIJauto1", webhook_url=hook.url,
                         **{"async": 1}).json["data"]["job_id"]
        got = wait_until(lambda: hook.received(2), 30)
        polled = wait_job(s, key, job_id)
        for headers, body in got:
            verify_signature(headers, body, secret)
            eq(headers["X-Leadgen-Event"], "job.finished")
            eq(json.loads(body), polled, "the body is the jobs.php data object")


def test_webhook_targets_pass_the_private_address_guard():
    with places_api() as api, Receiver() as hook, \
            server(api, env={"LEADGEN_WEBHOOK_RETRY": "3600"}) as s:
        key = s.add_user("guard@example.com", credits=40)
        job_id = reviews(s, key, "ChIJauto1", webhook_url=hook.url,
                         **{"async": 1}).json["data"]["job_id"]
        wait_job(s, key, job_id)
        # the delivery was attempted and refused before connecting: nothing arrives
        from lib import store_sql
        rows = wait_until(lambda: [r for r in store_sql(s.db_path, "SELECT attempts, last_error "
                                                        "FROM webhook_outbox") if r[0] >= 1], 30)
        assert rows, rows
        eq(hook.received(1), None)


def test_campaign_webhook_subscriptions():
    with places_api() as api, server(api) as s:
        key = s.add_user("subs@example.com", credits=10)
        other = s.add_user("subs2@example.com", credits=10)
        assert_error(s.post("webhooks.php", {"url": "ftp://x", "events": ["email.sent"]}, key=key),
                     400, "invalid_param", "url")
        assert_error(s.post("webhooks.php", {"url": "https://example.com/h",
                                             "events": ["email.opened"]}, key=key),
                     400, "invalid_param", "events")
        assert_error(s.post("webhooks.php", {"url": "https://example.com/h"}, key=key),
                     400, "missing_param", "events")
        made = assert_success(s.post("webhooks.php", {"url": "https://example.com/h",
                                                      "events": ["email.sent", "email.replied"]},
                                     key=key))
        eq(made["events"], ["email.sent", "email.replied"])
        eq([w["id"] for w in assert_success(s.get("webhooks.php", key=key))["webhooks"]],
           [made["id"]])
        eq(assert_success(s.get("webhooks.php", key=other))["webhooks"], [])
        assert_error(s.request("DELETE", "webhooks.php", params={"id": made["id"]}, key=other),
                     404, "not_found")
        eq(assert_success(s.request("DELETE", "webhooks.php", params={"id": made["id"]}, key=key)),
           {"id": made["id"], "deleted": True})
        eq(assert_success(s.get("webhooks.php", key=key))["webhooks"], [])


def test_campaign_events_are_delivered_signed():
    from fakes.mailsink import MailSink
    import test_sender as ts
    with MailSink(users={ts.SENDER: ts.PASSWORD}) as sink, Receiver() as hook, \
            Server(env=ts.BASE_ENV) as s:
        secret = assert_success(s.get("account.php"))["webhook_secret"]
        assert_success(s.post("webhooks.php", {"url": hook.url, "events": ["email.sent"]}))
        acc = ts.add_smtp(s, sink)
        cid = ts.campaign(s, [acc], steps=(ts.FIRST,))
        sink.wait_for(3)
        got = wait_until(lambda: hook.received(3), 30)
        events = [json.loads(body) for _, body in got]
        eq(sorted(e["email"] for e in events), sorted(l["email"] for l in ts.LEADS))
        for (headers, body), e in zip(got, events):
            verify_signature(headers, body, secret)
            eq((e["event"], e["campaign_id"], headers["X-Leadgen-Event"]),
               ("email.sent", cid, "email.sent"))


def events_by_kind(got, secret):
    """{event: [body, ...]} of the deliveries, each signature checked."""
    out = {}
    for headers, body in got:
        verify_signature(headers, body, secret)
        e = json.loads(body)
        eq(headers["X-Leadgen-Event"], e["event"])
        out.setdefault(e["event"], []).append(e)
    return out


def test_reply_bounce_unsubscribe_and_completion_are_delivered_signed():
    from fakes.imapd import ImapServer, bounce_report, reply_message
    from fakes.mailsink import MailSink
    import test_sender as ts
    import urllib.parse
    wanted = ["email.replied", "email.bounced", "email.unsubscribed", "campaign.completed"]
    with MailSink(users={ts.SENDER: ts.PASSWORD}) as sink, Receiver() as hook, \
            ImapServer(users={ts.SENDER: ts.PASSWORD}) as imap, Server(env=ts.BASE_ENV) as s:
        secret = assert_success(s.get("account.php"))["webhook_secret"]
        assert_success(s.post("webhooks.php", {"url": hook.url, "events": wanted}))
        acc = ts.add_smtp(s, sink, imap=imap)
        cid = ts.campaign(s, [acc])  # two steps: everyone waits for the follow-up
        mails = {m.rcpt_to[0]: m.email for m in sink.wait_for(3)}
        link = urllib.parse.urlsplit(mails["x7q@bolt.lgtest"]["List-Unsubscribe"].strip()[1:-1])
        eq(s.request("POST", link.path, key=None, body="List-Unsubscribe=One-Click").status, 200)
        imap.add(reply_message("Ada <ada@acme.lgtest>", ts.SENDER,
                               mails["ada@acme.lgtest"]["Message-ID"]))
        imap.add(bounce_report(ts.SENDER, "cy@cog.lgtest", mails["cy@cog.lgtest"]["Message-ID"]))
        got = wait_until(lambda: hook.received(4), 30)
        assert got, hook.deliveries
        events = events_by_kind(got, secret)
        eq(sorted(events), sorted(wanted), "one delivery per event, no email.sent")
        for kind, email in (("email.replied", "ada@acme.lgtest"),
                            ("email.bounced", "cy@cog.lgtest"),
                            ("email.unsubscribed", "x7q@bolt.lgtest")):
            e, = events[kind]
            eq((e["campaign_id"], e["email"]), (cid, email))
            assert e["recipient_id"] > 0 and e["at"].endswith("Z"), e
        done, = events["campaign.completed"]
        eq(done["campaign_id"], cid)
        assert "email" not in done and "recipient_id" not in done, done
        eq(ts.status(s, cid)["campaign"]["status"], "completed")


def test_worker_delivers_the_webhooks_of_what_it_sends():
    from fakes.mailsink import MailSink
    import subprocess
    import test_sender as ts
    from lib import child_env
    with MailSink(users={ts.SENDER: ts.PASSWORD}) as sink, Receiver() as hook, \
            ts.kept_store() as db:
        # serve without its scheduler: it sends nothing, so nothing is queued before the worker
        with Server(env=ts.BASE_ENV, db=db, args=["--no-scheduler"]) as s:
            secret = assert_success(s.get("account.php"))["webhook_secret"]
            assert_success(s.post("webhooks.php", {"url": hook.url,
                                                   "events": ["email.sent",
                                                              "campaign.completed"]}))
            acc = ts.add_smtp(s, sink)
            cid = ts.campaign(s, [acc], leads=ts.LEADS[:1], steps=(ts.FIRST,))
            env = dict(s.env)
        eq(sink.messages, [])
        worker = subprocess.Popen([s.bin, "worker"], env=child_env(env), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            got = wait_until(lambda: hook.received(2), 30)
        finally:
            worker.send_signal(signal.SIGTERM)
            _, err = worker.communicate(timeout=30)
        assert got, (hook.deliveries, err.decode(errors="replace")[-2000:])
        eq(worker.returncode, 0)
        events = events_by_kind(got, secret)
        eq(sorted(events), ["campaign.completed", "email.sent"])
        eq(events["email.sent"][0]["email"], ts.LEADS[0]["email"])
        eq(events["campaign.completed"][0]["campaign_id"], cid)


def test_a_failing_delivery_is_given_up_after_a_day():
    import test_sender as ts
    from lib import store_sql
    env = {"LEADGEN_ALLOW_PRIVATE_TARGETS": "1", "LEADGEN_WEBHOOK_RETRY": "1"}
    with places_api() as api, Receiver([500] * 1000) as hook, ts.kept_store() as db:
        with server(api, env=env, db=db) as s:
            key = s.add_user("giveup@example.com", credits=40)
            job_id = reviews(s, key, "ChIJauto1", webhook_url=hook.url,
                             **{"async": 1}).json["data"]["job_id"]
            wait_job(s, key, job_id)
            assert wait_until(lambda: hook.received(2), 30)
        rows = store_sql(db, "SELECT state, attempts FROM webhook_outbox")
        eq([r[0] for r in rows], ["pending"], "still retried within the day")
        tried = rows[0][1]
        # a day and a minute later: the next failure is the last
        with server(api, env=dict(env, LEADGEN_TIME_OFFSET=str(86400 + 60)), db=db):
            rows = wait_until(lambda: [r for r in store_sql(
                db, "SELECT state, attempts, last_error FROM webhook_outbox")
                if r[0] != "pending"], 30)
            assert rows, store_sql(db, "SELECT state, attempts FROM webhook_outbox")
            eq(rows[0][:2], ("failed", tried + 1))
            eq(rows[0][2], "HTTP 500")
            n = len(hook.deliveries)
            time.sleep(2.5)  # the retry interval is 1 s: a live delivery would be tried again
            eq(len(hook.deliveries), n, "a failed delivery is not tried again")


# ---- MCP -----------------------------------------------------------------------------

TOOLS = {"search", "crawl", "ads", "places_search", "place_reviews", "verify_emails",
         "projects_list", "project_create", "leads_list", "leads_add", "accounts_list",
         "campaigns_list", "campaign_get", "campaign_create", "campaign_update_steps",
         "campaign_launch", "campaign_control", "campaign_status", "campaign_recipients",
         "generate_emails", "recipes_list", "account", "find_email", "domain_search"}


class StdioClient:
    """`leadgen mcp` with newline-delimited JSON-RPC on its stdin/stdout."""

    def __init__(self, s, key):
        import subprocess
        from lib import child_env
        env = child_env(dict(s.env, LEADGEN_API_KEY=key))
        self.proc = subprocess.Popen([s.bin, "mcp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.seq = 0

    def call(self, method, params=None, notify=False):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        if not notify:
            self.seq += 1
            msg["id"] = self.seq
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        self.proc.stdin.flush()
        if notify:
            return None
        answer = json.loads(self.proc.stdout.readline())
        eq(answer["id"], self.seq)
        return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)
        self.proc.stdout.close()
        self.proc.stderr.close()


def check_mcp_session(call, s, key, email):
    init = call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                               "clientInfo": {"name": "t", "version": "1"}})
    eq(init["result"]["protocolVersion"], "2025-06-18")
    call("notifications/initialized", notify=True)
    tools = call("tools/list")["result"]["tools"]
    eq({t["name"] for t in tools}, TOOLS)
    by = {t["name"]: t for t in tools}
    eq(by["place_reviews"]["inputSchema"]["required"], ["place_id"])
    eq(by["place_reviews"]["inputSchema"]["properties"]["place_id"]["type"], "string")
    unknown = call("tools/call", {"name": "nope", "arguments": {}})
    eq(unknown["error"]["code"], -32602)
    before = s.balance(email)
    rev = call("tools/call", {"name": "place_reviews", "arguments": {"place_id": "ChIJauto1",
                                                                   "no_cache": True}})["result"]
    eq(rev["isError"], False)
    eq(rev["structuredContent"]["place_id"], "ChIJauto1")
    eq(json.loads(rev["content"][0]["text"]), rev["structuredContent"])
    rest = reviews(s, key, "ChIJauto2")
    eq(before - s.balance(email), 2 * rest.json["credits_used"], "same credits as REST")
    made = call("tools/call", {"name": "project_create", "arguments": {"name": "Via MCP"}})
    pid = made["result"]["structuredContent"]["id"]
    names = call("tools/call", {"name": "projects_list", "arguments": {}})["result"]
    assert "Via MCP" in [p["name"] for p in names["structuredContent"]["projects"]], names
    added = call("tools/call", {"name": "leads_add", "arguments": {
        "project_id": pid, "leads": [{"email": "a@b.lgtest"}]}})["result"]
    eq(added["isError"], False)
    bad = call("tools/call", {"name": "leads_list", "arguments": {}})["result"]
    eq(bad["isError"], True)
    assert "missing_param" in bad["content"][0]["text"], bad
    acct = call("tools/call", {"name": "account", "arguments": {}})["result"]
    eq(acct["structuredContent"]["email"], email)


def test_mcp_over_stdio():
    with places_api() as api, server(api) as s:
        key = s.add_user("mcp@example.com", credits=50)
        client = StdioClient(s, key)
        try:
            check_mcp_session(client.call, s, key, "mcp@example.com")
        finally:
            client.close()


def http_caller(s, key):
    """A JSON-RPC call over POST /mcp (Streamable HTTP, JSON answers)."""
    seq = [0]

    def call(method, params=None, notify=False):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        if not notify:
            seq[0] += 1
            msg["id"] = seq[0]
        r = s.request("POST", "/mcp", body=msg, key=None,
                      headers={"Authorization": "Bearer " + key,
                               "Accept": "application/json, text/event-stream"})
        if notify:
            eq(r.status, 202)
            return None
        eq(r.status, 200)
        return r.json
    return call


def test_mcp_over_http():
    with places_api() as api, server(api) as s:
        key = s.add_user("mcph@example.com", credits=50)
        check_mcp_session(http_caller(s, key), s, key, "mcph@example.com")
        anon = s.request("POST", "/mcp", body={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                         key=None)
        eq(anon.status, 401)
        wrong = s.request("POST", "/mcp", body={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                          key=None, headers={"Authorization": "Bearer nope"})
        eq(wrong.status, 401)
        # the revision: an earlier one spoken here is echoed, any other answered with ours;
        # a request naming one not spoken is refused (no header: 2025-03-26 is assumed)
        call = http_caller(s, key)
        eq(call("initialize", {"protocolVersion": "2025-03-26", "capabilities": {},
                               "clientInfo": {"name": "t", "version": "1"}}
                )["result"]["protocolVersion"], "2025-03-26")
        eq(call("initialize", {"protocolVersion": "2099-01-01", "capabilities": {},
                               "clientInfo": {"name": "t", "version": "1"}}
                )["result"]["protocolVersion"], "2025-06-18")
        for version, status in (("2025-06-18", 200), ("2025-03-26", 200), ("2099-01-01", 400)):
            r = s.request("POST", "/mcp", body={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                          key=None, headers={"Authorization": "Bearer " + key,
                                             "MCP-Protocol-Version": version})
            eq(r.status, status, version)
        assert "2099-01-01" in r.json["message"] and "2025-06-18" in r.json["message"], r.json
        # no server-initiated stream: GET (and DELETE: no sessions) are 405, as the
        # 2025-06-18 Streamable HTTP transport allows
        for method in ("GET", "DELETE"):
            r = s.request(method, "/mcp", key=None,
                          headers={"Authorization": "Bearer " + key,
                                   "Accept": "text/event-stream"})
            eq(r.status, 405)
            eq(r.headers["Allow"], "POST")
            assert "Mcp-Session-Id" not in r.headers, r.headers


def tool(call, tool_name, **arguments):
    """A tools/call's result; fails on a JSON-RPC error."""
    answer = call("tools/call", {"name": tool_name, "arguments": arguments})
    assert "result" in answer, answer
    return answer["result"]


def ok(result):
    assert result["isError"] is False, result
    eq(json.loads(result["content"][0]["text"]), result["structuredContent"])
    return result["structuredContent"]


def test_mcp_tool_call_per_family_bills_like_rest():
    """Every endpoint family once through MCP and once through REST, the same
    work each time: the same credits, the same data."""
    from fakes.engines import Engines, result
    from fakes.openai import OpenAiServer, content, steps_json
    import test_campaigns as tc
    import test_domain as td
    email = "family@example.com"
    with Engines() as e, OpenAiServer() as ai, places_api() as api:
        results = [result(i) for i in range(1, 4)]
        results[0] = result(1, email="office@roof-one.com")
        results[2] = result(3, email="hello@roof-three.com")
        for q in ("mcp roofers", "rest roofers"):
            e.set_results(q, results)
        for q, pid in (("mcp cafes", "ChIJauto1"), ("rest cafes", "ChIJauto2")):
            api.set_results(q, [[pid]])
        for _ in range(2):
            ai.answer_with(content(steps_json(3)))
        env = {"LEADGEN_SEARCH_PROVIDER": "direct", "LEADGEN_GOOGLE_SEARCH_URL": e.google_url,
               "LEADGEN_BING_SEARCH_URL": e.bing_url, "LEADGEN_AI_URL": ai.url,
               "LEADGEN_AI_KEY": ai.key, "LEADGEN_AI_MODEL": "test-model",
               "LEADGEN_PLACES_URL": api.url, "LEADGEN_PLACES_KEY": PLACES_KEY}
        with td.World(env) as w:
            s = w.server
            key = s.add_user(email, credits=1000)
            call = http_caller(s, key)

            def both(name, file, mcp_args, rest_args, method="GET"):
                before = s.balance(email)
                data = ok(tool(call, name, **mcp_args))
                spent = before - s.balance(email)
                if method == "GET":
                    rest = s.get(file, key=key, **rest_args)
                else:
                    rest = s.request(method, file, body=rest_args, key=key)
                rest_data = assert_success(rest)
                eq(spent, rest.json["credits_used"], "%s: MCP and REST bill alike" % name)
                return data, rest_data, spent

            site = w.sites.url("acme-widgets.com")
            for q in ("mcp roofers", "rest roofers"):
                e.set_results(q, results, [{"title": "Acme", "url": site, "text": "Call now"}])
            data, rest, spent = both("search", "search.php", {"query": "mcp roofers"},
                                     {"query": "rest roofers"})
            eq((data["results_count"], spent), (rest["results_count"], 2))
            data, rest, spent = both("crawl", "crawl.php", {"domain": site},
                                     {"domain": site, "no_cache": 1})
            eq(data["emails"], rest["emails"])
            assert spent > 0
            data, rest, spent = both("find_email", "find.php",
                                     {"domain": "acme-widgets.com", "first_name": "Mary",
                                      "last_name": "Smith"},
                                     {"domain": "acme-widgets.com", "first_name": "Mary",
                                      "last_name": "Smith", "no_cache": 1})
            eq((data["email"], rest["email"], spent),
               ("mary.smith@acme-widgets.com", "mary.smith@acme-widgets.com", 1))
            data, rest, spent = both("domain_search", "domain.php",
                                     {"domain": "acme-widgets.com"},
                                     {"domain": "acme-widgets.com", "no_cache": 1})
            eq((data["domain"], data["pattern"]), (rest["domain"], rest["pattern"]))
            data, rest, spent = both("ads", "ads.php", {"query": "mcp roofers"},
                                     {"query": "rest roofers"})
            eq((data["results_count"], rest["results_count"], spent), (1, 1, 1))
            data, rest, spent = both("places_search", "places/search.php",
                                     {"query": "mcp cafes"}, {"query": "rest cafes"})
            eq((len(data["places"]), spent), (len(rest["places"]), 10))
            data, rest, spent = both("place_reviews", "places/reviews.php",
                                     {"place_id": "ChIJauto3"},
                                     {"place_id": "ChIJauto3", "no_cache": 1})
            assert spent > 0
            data, rest, spent = both("verify_emails", "verify.php",
                                     {"emails": ["mary.smith@acme-widgets.com"]},
                                     {"emails": ["mary.smith@acme-widgets.com"]}, "POST")
            eq((data["results"][0]["status"], spent), ("valid", 0))
            data, rest, spent = both("generate_emails", "campaigns/generate.php",
                                     {"prompt": "SEO audits for dentists"},
                                     {"prompt": "SEO audits for dentists"}, "POST")
            eq((len(data["steps"]), spent), (3, 3))
            recipes = ok(tool(call, "recipes_list"))
            eq(recipes, assert_success(s.get("recipes.php", key=key)))
            # the free families: projects, leads, accounts, campaigns, the account
            pid = ok(tool(call, "project_create", name="Family"))["id"]
            listed = ok(tool(call, "projects_list", search="Famil"))
            eq([p["id"] for p in listed["projects"]], [pid])
            added = ok(tool(call, "leads_add", project_id=pid,
                            leads=[{"email": "ann@acme-widgets.com"},
                                   {"email": "bo@acme-widgets.com"}]))
            eq(added["added"], 2)
            leads = ok(tool(call, "leads_list", project_id=pid, limit=1))
            eq(len(leads["leads"]), 1)
            acc = tc.add_smtp(s, owner=email)
            eq([a["id"] for a in ok(tool(call, "accounts_list", type="smtp"))["accounts"]], [acc])
            made = ok(tool(call, "campaign_create", name="Fam", project_id=pid,
                           sending_accounts=[{"type": "smtp", "id": acc}], steps=[tc.STEP]))
            cid = made["id"]
            steps = ok(tool(call, "campaign_update_steps", campaign_id=cid,
                            steps=[tc.STEP, tc.FOLLOW]))
            eq(len(steps["steps"]), 2)
            eq(ok(tool(call, "campaigns_list"))["campaigns_count"], 1)
            eq(ok(tool(call, "campaign_get", id=cid))["id"], cid)
            eq(ok(tool(call, "campaign_launch", campaign_id=cid))["recipients"], 2)
            eq(ok(tool(call, "campaign_control", campaign_id=cid, action="pause"))["status"],
               "paused")
            eq(ok(tool(call, "campaign_status", campaign_id=cid))["campaign"]["status"], "paused")
            got = ok(tool(call, "campaign_recipients", campaign_id=cid, status="pending"))
            eq(got, assert_success(s.get("campaigns/recipients.php", key=key, campaign_id=cid,
                                         status="pending")))
            acct = ok(tool(call, "account"))
            eq((acct["email"], acct["credits"]), (email, s.balance(email)))
            bad = tool(call, "campaign_control", campaign_id=cid, action="explode")
            eq(bad["isError"], True)
            assert bad["content"][0]["text"].startswith("invalid_param: "), bad
