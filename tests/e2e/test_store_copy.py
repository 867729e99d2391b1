"""`leadgen store copy`: a SQLite store filled through the API and the CLI
(users, keys, credits, projects, leads, a sealed SMTP account, a launched
campaign with its sends and an unsubscribe, a suppression entry and an erased
address, a webhook subscription with its secret and delivered events, an
async job, the response cache with the email sightings of its crawls, the
Ad Spy history) copied to PostgreSQL and back answers a set of GET calls byte for
byte like the original; every table survives the round trip row for row; the
copied account still logs in (the sealing secret travelled); a non-empty
target is refused. Runs in the PostgreSQL pass (needs both backends)."""
import contextlib
import os
import shutil
import sqlite3
import tempfile
import urllib.parse

import lib
from fakes.mailsink import MailSink
from fakes.sites import Sites, page
from lib import Server, Skip, assert_success
from test_ads import FakeSerpApi, ad, landing_sites
from test_automation import Receiver
from test_sender import ADMIN, BASE_ENV, DAY, PASSWORD, SENDER, add_smtp, campaign

BOB = "bob@copy.lgtest"
# tables the populated store must hold rows of (besides the ones from the start)
FILLED = ("suppressions", "erasures", "webhook_secrets", "webhooks", "webhook_outbox",
          "async_jobs", "email_sightings")


def eq(a, b, what=""):
    assert a == b, "%s: %r != %r" % (what, a, b)


@contextlib.contextmanager
def scratch():
    tmp = tempfile.mkdtemp(prefix="leadgen-copy-")
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def copy(source, target):
    proc = lib.cli(lib.BIN, "store", "copy", "--to", target, env={"LEADGEN_DB": source},
                   timeout=120)
    assert proc.returncode == 0, proc.stderr
    counts = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


def outbox_delivered(db, n):
    """Whether the SQLite store's outbox holds n deliveries, all made."""
    conn = sqlite3.connect(db)
    try:
        states = [st for (st,) in conn.execute("SELECT state FROM webhook_outbox")]
    finally:
        conn.close()
    return len(states) == n and all(st == "delivered" for st in states)


def populate(s, sink, sites, api, hook):
    """Everything through the API and the CLI; returns what the GET calls need."""
    bob = s.add_user(BOB, credits=40)
    assert s.cli("credits", "add", ADMIN, 25).returncode == 0
    assert_success(s.get("account.php"))  # the webhook secret
    assert_success(s.post("webhooks.php", {"url": hook.url, "events": ["email.sent"]}))
    acc = add_smtp(s, sink)
    cid = campaign(s, [acc])
    sink.wait_for(3)
    lib.wait_until(lambda: s.get("campaigns/status.php", campaign_id=cid)
                   .json["data"]["campaign"]["sent_total"] == 3, 20)
    # every event delivered, so no later server changes the outbox
    lib.wait_until(lambda: hook.received(3), 30)
    lib.wait_until(lambda: outbox_delivered(s.db_path, 3), 30)
    link = sink.messages[0].email["List-Unsubscribe"].strip("<> ")
    r = s.request("POST", urllib.parse.urlsplit(link).path, key=None,
                  body=b"List-Unsubscribe=One-Click",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r
    pid = s.create_project("Zoë's Ürban Café", key=bob)
    assert_success(s.add_leads(pid, [{"email": "a%d@shop.lgtest" % i, "firstname": "A\t%d" % i,
                                      "description": "line one\nline two \\ back"}
                                     for i in range(30)], key=bob))
    assert_success(s.post("suppression.php", {"emails": ["no@thanks.lgtest"],
                                              "domains": ["never.lgtest"]}, key=bob))
    erased = s.cli("subject", "erase", "a29@shop.lgtest")
    assert erased.returncode == 0, erased.stderr
    assert_success(s.get("crawl.php", domain=sites.url("crawl-me.lgtest", "/")))
    job = s.get("crawl.php", domain=sites.url("async-crawl.lgtest", "/"), **{"async": 1})
    eq(job.status, 202)
    job_id = job.json["data"]["job_id"]
    lib.wait_until(lambda: assert_success(s.get("jobs.php", id=job_id))["status"] == "done", 30)
    api.ads = [ad(sites, "alpha-agency.com", "Alpha | Marketing", 1)]
    assert_success(s.get("ads.php", query="marketing agency"))
    return {"admin": s.key, "bob": bob, "cid": cid, "pid": pid}


def answers(s, ctx, sites):
    """The bodies of a set of GET calls, in order (the last one is billable)."""
    calls = [
        ("projects.php", ctx["admin"], {}),
        ("projects.php", ctx["bob"], {}),
        ("projects.php", ctx["bob"], {"search": "zoË"}),
        ("leads.php", ctx["bob"], {"project_id": ctx["pid"], "limit": 100}),
        ("leads.php", ctx["admin"], {"project_id": 1}),
        ("recipes.php", ctx["admin"], {}),
        ("accounts.php", ctx["admin"], {}),
        ("campaigns.php", ctx["admin"], {}),
        ("campaigns/status.php", ctx["admin"], {"campaign_id": ctx["cid"]}),
        ("campaigns/recipients.php", ctx["admin"], {"campaign_id": ctx["cid"]}),
        ("campaigns/status.php", ctx["bob"], {"campaign_id": ctx["cid"]}),
        ("suppression.php", ctx["bob"], {}),
        ("webhooks.php", ctx["admin"], {}),
        ("jobs.php", ctx["admin"], {}),
        ("crawl.php", ctx["admin"], {"domain": sites.url("crawl-me.lgtest", "/")}),
    ]
    out = []
    for path, key, params in calls:
        r = s.get(path, key=key, **params)
        out.append((path, r.status, r.body))
    return out


# kept by the target's own triggers as the rows they count arrive, so never copied
DERIVED = {"campaign_counts"}


def dump(db):
    """Every table of a SQLite store but the migrations' own, row by row."""
    conn = sqlite3.connect(db)
    try:
        names = [n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'schema_migrations' ORDER BY name")]
        return {n: conn.execute("SELECT * FROM %s ORDER BY 1, 2" % n).fetchall() for n in names}
    finally:
        conn.close()


def test_copy_to_postgres_and_back_answers_the_same():
    if not lib.on_postgres():
        raise Skip("needs PostgreSQL (the PostgreSQL pass of scripts/test.sh)")
    with MailSink(users={SENDER: PASSWORD}) as sink, Sites() as sites, FakeSerpApi() as api, \
            Receiver() as hook, scratch() as tmp:
        sites.add("crawl-me.lgtest", {"/": page("Write to hello@crawl-me.lgtest", title="Hi")})
        sites.add("async-crawl.lgtest", {"/": page("Mail sales@async-crawl.lgtest", title="A")})
        landing_sites(sites, ["alpha-agency.com"])
        env = dict(BASE_ENV, LEADGEN_SEARCH_PROVIDER="serpapi", LEADGEN_SERPAPI_URL=api.url,
                   LEADGEN_SERPAPI_KEY="serp-key", **sites.env())
        # the sealing key is not in the store: it travels with a copy as a file
        env["LEADGEN_SECRET_FILE"] = os.path.join(tmp, "leadgen.key")
        src, back = os.path.join(tmp, "source.db"), os.path.join(tmp, "back.db")
        pg = lib.fresh_store_url(tmp)
        with Server(env=env, db=src) as s:
            ctx = populate(s, sink, sites, api, hook)
        with Server(env=env, db=src) as s:
            expected = answers(s, ctx, sites)
        before = dump(src)
        for table in FILLED:
            assert before[table], "no rows in %s" % table

        counts = copy(src, pg)
        for table, rows in before.items():
            if table in DERIVED:
                continue
            eq(counts.get(table), len(rows), "rows of %s copied" % table)
        with Server(env=env, db=pg) as s:
            got = answers(s, ctx, sites)
        for e, g in zip(expected, got):
            eq(g, e, "answer of %s on PostgreSQL" % e[0])

        copy(pg, back)
        with Server(env=env, db=back) as s:
            got = answers(s, ctx, sites)
        for e, g in zip(expected, got):
            eq(g, e, "answer of %s back on SQLite" % e[0])
        # the round trip holds every table row for row, save what the calls above charged
        # and the keys' last use they recorded
        after = dump(back)
        eq(sorted(after), sorted(before), "tables")
        for table in before:
            if table not in ("credit_ledger", "users", "cache", "api_keys"):
                eq(after[table], before[table], table)
        eq([k[:-1] for k in after["api_keys"]], [k[:-1] for k in before["api_keys"]], "api_keys")

        # new rows continue past the copied ids on PostgreSQL
        pid = s_project(pg, env, ctx)
        assert pid > max(r[0] for r in before["projects"]), pid

        # the copied account's sealed password still opens: follow-ups go out days later
        delivered = len(sink.messages)
        with Server(env=dict(env, LEADGEN_TIME_OFFSET=str(4 * DAY)), db=pg) as s:
            sink.wait_for(delivered + 2)
            eq(sum(1 for a in sink.auths if not a["ok"]), 0, "failed SMTP logins")

        refused = lib.cli(lib.BIN, "store", "copy", "--to", pg, env={"LEADGEN_DB": back})
        eq(refused.returncode, 1, "copy into a non-empty store")
        assert "not empty" in refused.stderr, refused.stderr


def s_project(db, env, ctx):
    with Server(env=env, db=db) as s:
        return s.create_project("after the copy", key=ctx["bob"])
