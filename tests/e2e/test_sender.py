"""The campaign sender against a real mail server on loopback (fakes/mailsink.py
speaks SMTP): what leaves (headers, threading, both parts, spintax and merge
fields, unsubscribe headers and link), limits, rotation, windows and delays (a
clock offset), every state change, credits and unsubscribe pages. Replies,
Gmail and crashes are in test_sender_faults.py; the two modules run side by
side under run.py -j."""
import contextlib
import re
import shutil
import tempfile
import time
import urllib.parse

import lib
from fakes.mailsink import MailSink
from lib import Server, assert_success

ADMIN = "admin@localhost.localdomain"
SENDER = "sam@send.lgtest"
PASSWORD = "smtp-pa55word"
DAY = 86400
BASE_ENV = {"LEADGEN_CRON_INTERVAL": "1", "LEADGEN_ALLOW_PRIVATE_TARGETS": "1",
            "LEADGEN_PUBLIC_URL": "https://lg.example/"}
FIRST = {"subject": "{Quick question|Idea|A thought} for {{company|your team}}",
         "body": "<p>Hi {{firstname|there}},</p><p>We help <b>{{company|teams}}</b> "
                 "&amp; friends.</p>", "delay_days": 0}
FOLLOW = {"subject": "", "body": "<p>Just following up, {{firstname|friend}}.</p>",
          "delay_days": 3}
LEADS = [{"email": "ada@acme.lgtest", "firstname": "Ada", "company": "Acme"},
         {"email": "x7q@bolt.lgtest"},
         {"email": "cy@cog.lgtest", "firstname": "Cy", "company": "Cog"}]


def eq(a, b):
    assert a == b, "%r != %r" % (a, b)


def add_smtp(s, sink, address=SENDER, imap=None, extra=()):
    host, port = sink.url.rsplit("//", 1)[1].split(":")
    args = ["account", "add", "smtp", ADMIN, "--address", address, "--host", host,
            "--port", port, "--username", address, "--password-env", "SMTP_PW", "--tls", "none",
            "--name", "Sam Sender", "--min-gap", "0", "--max-extra", "0"]
    if imap:
        args += ["--imap-host", "127.0.0.1", "--imap-port", str(imap.port)]
    proc = s.cli(*args, *extra, env={"SMTP_PW": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().splitlines()[-1])


def campaign(s, accounts, leads=LEADS, steps=(FIRST, FOLLOW), name="Ohio", **extra):
    pid = s.create_project("P " + name)
    assert_success(s.add_leads(pid, list(leads)))
    body = {"name": name, "project_id": pid, "steps": list(steps),
            "sending_accounts": [{"type": "smtp", "id": a} for a in accounts]}
    body.update(extra)
    cid = assert_success(s.post("campaigns.php", body))["id"]
    assert_success(s.post("campaigns/launch.php", {"campaign_id": cid}))
    return cid


def status(s, cid):
    return assert_success(s.get("campaigns/status.php", campaign_id=cid))


def recipients(s, cid, **kw):
    data = assert_success(s.get("campaigns/recipients.php", campaign_id=cid, **kw))
    return {r["email"]: r for r in data["recipients"]}


def wait_status(s, cid, pred, timeout=20):
    st = lib.wait_until(lambda: (lambda st: pred(st) and st)(status(s, cid)), timeout)
    assert st, "campaign %s never got there: %r" % (cid, status(s, cid))
    return st


@contextlib.contextmanager
def kept_store():
    """A store that outlives one server: the same data across restarts."""
    tmp = tempfile.mkdtemp(prefix="leadgen-sender-")
    try:
        yield lib.fresh_store_url(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def later(days, db, key, extra=None):
    """The server again, days later (the clock offset), on the same store."""
    env = dict(BASE_ENV, LEADGEN_TIME_OFFSET=str(int(days * DAY)), **(extra or {}))
    with Server(env=env, db=db) as s:
        s.key = key
        yield s


@contextlib.contextmanager
def doomed_server(env, db):
    """A server the test kills with SIGKILL (so no clean exit is expected)."""
    s = Server(env=env, db=db, check_exit=False)
    s.start()
    try:
        yield s
    finally:
        s.stop()
        shutil.rmtree(s.tmp, ignore_errors=True)


def kill(s, when=None):
    """kill -9 once when() is true (at once without it)."""
    if when:
        assert lib.wait_until(when, 15), "the moment to kill never came"
    s.proc.kill()
    s.proc.wait(timeout=10)


def text_part(msg, kind):
    for part in msg.walk():
        if part.get_content_type() == kind:
            return part.get_content()
    raise AssertionError("no %s part in %s" % (kind, msg))


def test_first_step_goes_out_with_headers_parts_and_merge_fields():
    with MailSink(users={SENDER: PASSWORD}) as sink, Server(env=BASE_ENV) as s:
        acc = add_smtp(s, sink)
        cid = campaign(s, [acc])
        sink.wait_for(3)
        by_rcpt = {m.rcpt_to[0]: m for m in sink.messages}
        eq(sorted(by_rcpt), sorted(l["email"] for l in LEADS))
        ada = by_rcpt["ada@acme.lgtest"].email
        eq(ada["From"], "Sam Sender <%s>" % SENDER)
        eq(ada["To"], "ada@acme.lgtest")
        assert re.fullmatch(r"(Quick question|Idea|A thought) for Acme", ada["Subject"]), \
            ada["Subject"]
        assert re.fullmatch(r"<[0-9a-f]{32}@send\.lgtest>", ada["Message-ID"]), ada["Message-ID"]
        assert ada["Date"]
        eq(ada["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        unsub = re.fullmatch(r"<(https://lg\.example/u/[A-Za-z0-9_.-]+)>",
                             ada["List-Unsubscribe"].strip())
        assert unsub, ada["List-Unsubscribe"]
        eq(ada.get_content_type(), "multipart/alternative")
        html, text = text_part(ada, "text/html"), text_part(ada, "text/plain")
        assert "Hi Ada," in html and "<b>Acme</b>" in html, html
        assert unsub.group(1) in html and unsub.group(1) in text, text
        assert "Hi Ada," in text and "<b>" not in text, text
        bob = by_rcpt["x7q@bolt.lgtest"].email
        assert bob["Subject"].endswith(" for your team"), bob["Subject"]   # fallbacks
        assert "Hi there," in text_part(bob, "text/plain"), text_part(bob, "text/plain")
        eq(by_rcpt["ada@acme.lgtest"].auth["user"], SENDER)
        eq(sink.connections, 1)   # one connection for the run's three messages
        st = status(s, cid)
        eq(st["campaign"]["sent_total"], 3)
        eq(st["campaign"]["sent_today"], 3)
        eq(st["recipient_stats"]["in_progress"], 3)
        assert st["campaign"]["last_sent_at"] and st["campaign"]["next_send_at"], st
        eq(s.balance(ADMIN), 100 - 3)
        r = recipients(s, cid)["ada@acme.lgtest"]
        eq((r["status"], r["current_step"]), ("in_progress", 1))
        assert r["next_send_at"] > r["last_sent_at"], r


def test_follow_up_threads_under_the_first_and_the_campaign_completes():
    with MailSink(users={SENDER: PASSWORD}) as sink, kept_store() as db:
        with Server(env=BASE_ENV, db=db) as s:
            acc = add_smtp(s, sink)
            cid = campaign(s, [acc], leads=LEADS[:1])
            first = sink.wait_for(1)[0].email
            key = s.key
            # the follow-up waits its delay_days: nothing more in this run of days
            time.sleep(2.5)
            eq(len(sink.messages), 1)
        with later(3.001, db, key) as s:
            second = sink.wait_for(2)[1].email
            eq(second["Subject"], "Re: " + first["Subject"])
            eq(second["In-Reply-To"], first["Message-ID"])
            eq(second["References"], first["Message-ID"])
            assert "Just following up, Ada." in text_part(second, "text/plain")
            st = wait_status(s, cid, lambda st: st["campaign"]["status"] == "completed")
            eq(st["recipient_stats"]["completed"], 1)
            eq(s.balance(ADMIN), 100 - 2)


def add_user_smtp(s, sink, owner, address, extra=()):
    host, port = sink.url.rsplit("//", 1)[1].split(":")
    proc = s.cli("account", "add", "smtp", owner, "--address", address, "--host", host,
                 "--port", port, "--username", address, "--password-env", "SMTP_PW",
                 "--tls", "none", "--min-gap", "0", "--max-extra", "0", *extra,
                 env={"SMTP_PW": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().splitlines()[-1])


def wait_recipients(s, cid, pred, timeout=20):
    got = lib.wait_until(lambda: (lambda r: pred(r) and r)(recipients(s, cid)), timeout)
    assert got, "recipients never got there: %r" % recipients(s, cid)
    return got


def test_refusals_bounce_or_retry_and_only_handed_over_mail_is_charged():
    leads = [{"email": e} for e in ("gone@acme.lgtest", "late@acme.lgtest", "spam@acme.lgtest",
                                    "ok@acme.lgtest")]
    with MailSink(users={SENDER: PASSWORD}) as sink, kept_store() as db:
        sink.reject("gone@acme.lgtest", 550)
        sink.reject("late@acme.lgtest", 451, times=1)
        sink.reject("spam@acme.lgtest", 554, at="DATA")
        with Server(env=BASE_ENV, db=db) as s:
            key = s.key
            cid = campaign(s, [add_smtp(s, sink)], leads=leads)
            r = wait_recipients(s, cid, lambda r: r["late@acme.lgtest"]["attempts"] == 1 and
                                r["ok@acme.lgtest"]["status"] == "in_progress")
            eq(r["gone@acme.lgtest"]["status"], "bounced")
            assert "5.1.1" in r["gone@acme.lgtest"]["reason"], r["gone@acme.lgtest"]
            eq(r["spam@acme.lgtest"]["status"], "bounced")
            assert "554" in r["spam@acme.lgtest"]["reason"], r["spam@acme.lgtest"]
            late = r["late@acme.lgtest"]
            eq(late["status"], "pending")
            assert "451" in late["reason"] and late["next_send_at"], late
            # handed over: ok and spam (refused after its data); not gone, not late
            eq(s.balance(ADMIN), 100 - 2)
            eq(status(s, cid)["recipient_stats"]["bounced"], 2)
        with later(0.02, db, key) as s:   # past the first back-off (15 minutes)
            # claimed (in_progress) comes before the message is handed over: wait for both
            r = wait_recipients(s, cid, lambda r: r["late@acme.lgtest"]["status"] == "in_progress")
            assert lib.wait_until(lambda: sink.to("late@acme.lgtest"), 10), sink.refused
            eq(len(sink.to("late@acme.lgtest")), 1)
            eq(s.balance(ADMIN), 100 - 3)


def test_batch_and_daily_limits_and_rotation_across_accounts():
    leads = [{"email": "p%d@acme.lgtest" % i} for i in range(6)]
    other = "tess@send.lgtest"
    with MailSink(users={SENDER: PASSWORD, other: PASSWORD}) as sink, kept_store() as db:
        with Server(env=BASE_ENV, db=db) as s:
            key = s.key
            accs = [add_smtp(s, sink), add_user_smtp(s, sink, ADMIN, other)]
            cid = campaign(s, accs, leads=leads, daily_limit=3, batch_size=2, steps=(FIRST,))
            wait_status(s, cid, lambda st: st["campaign"]["sent_today"] == 3)
            time.sleep(2.5)   # more runs: the day's limit holds
            eq(len(sink.messages), 3)
            senders = [m.mail_from for m in sink.messages]
            eq(senders[:2], [SENDER, other])   # rotation: one each in the first batch
        with later(1, db, key) as s:           # the next UTC day
            wait_status(s, cid, lambda st: st["campaign"]["sent_total"] == 6)
            st = wait_status(s, cid, lambda st: st["campaign"]["status"] == "completed")
            eq(st["recipient_stats"]["completed"], 6)


def test_account_daily_limit_window_and_time_zone():
    leads = [{"email": "q%d@acme.lgtest" % i} for i in range(4)]
    hour = (time.gmtime().tm_hour + 12) % 24   # a window that is closed now
    window = "daily %02d:00-%02d:00" % (hour, hour + 1)
    # the offset that lands in the middle of that window
    offset_days = ((hour * 3600 + 1800 - int(time.time()) % DAY) % DAY) / DAY
    with MailSink(users={SENDER: PASSWORD}) as sink, kept_store() as db:
        with Server(env=BASE_ENV, db=db) as s:
            key = s.key
            acc = add_smtp(s, sink, extra=("--window", window, "--timezone", "UTC",
                                           "--daily-limit", "2"))
            accounts = assert_success(s.get("accounts.php"))["accounts"]
            eq((accounts[0]["window"], accounts[0]["timezone"]), (window, "UTC"))
            bad = s.cli("account", "add", "smtp", ADMIN, "--address", "x@send.lgtest",
                        "--host", "h", "--window", "Mon-Fry 08:00-17:30")
            assert bad.returncode != 0 and "Fry" in bad.stderr, bad.stderr
            cid = campaign(s, [acc], leads=leads, steps=(FIRST,))
            time.sleep(2.5)
            eq(len(sink.messages), 0)          # outside its window
        # about 12 hours later the window is open; the account's own limit is 2 a day
        with later(offset_days, db, key) as s:
            wait_status(s, cid, lambda st: st["campaign"]["sent_today"] == 2)
            time.sleep(2)
            eq(len(sink.messages), 2)


def test_credits_running_out_pause_the_campaign_until_resumed():
    owner = "low@acme.lgtest"
    with MailSink(users={SENDER: PASSWORD}) as sink, Server(env=BASE_ENV) as s:
        s.key = s.add_user(owner, credits=2)
        acc = add_user_smtp(s, sink, owner, SENDER)
        cid = campaign(s, [acc], steps=(FIRST,))
        st = wait_status(s, cid, lambda st: st["campaign"]["status"] == "paused")
        assert "credits" in st["campaign"]["status_reason"], st
        eq(st["campaign"]["sent_total"], 2)
        eq(len(sink.messages), 2)
        eq(s.balance(owner), 0)
        assert s.cli("credits", "add", owner, 5).returncode == 0
        time.sleep(1.5)
        eq(len(sink.messages), 2)              # paused stays paused after a top-up
        assert_success(s.post("campaigns/control.php", {"campaign_id": cid, "action": "resume"}))
        wait_status(s, cid, lambda st: st["campaign"]["status"] == "completed")
        eq(len(sink.messages), 3)
        eq(s.balance(owner), 4)


def test_unsubscribe_page_one_click_and_suppression_at_the_next_launch():
    with MailSink(users={SENDER: PASSWORD}) as sink, Server(env=BASE_ENV) as s:
        acc = add_smtp(s, sink)
        cid = campaign(s, [acc], leads=LEADS[:2])
        ada = [m for m in sink.wait_for(2) if m.rcpt_to == ["ada@acme.lgtest"]][0].email
        url = urllib.parse.urlsplit(ada["List-Unsubscribe"].strip()[1:-1])
        path = url.path
        page = s.request("GET", path, key=None)
        eq(page.status, 200)
        assert page.headers["Content-Type"].startswith("text/html"), page.headers
        body = page.body.decode()
        assert 'method="post"' in body and "a***@acme.lgtest" in body and "ada@" not in body, body
        eq(recipients(s, cid)["ada@acme.lgtest"]["status"], "in_progress")  # a GET changes nothing
        done = s.request("POST", path, key=None, body="List-Unsubscribe=One-Click")
        eq(done.status, 200)
        assert "unsubscribed" in done.body.decode()
        r = recipients(s, cid)["ada@acme.lgtest"]
        eq((r["status"], r["next_send_at"]), ("unsubscribed", None))
        eq(status(s, cid)["recipient_stats"]["unsubscribed"], 1)
        again = s.request("POST", path, key=None, body="List-Unsubscribe=One-Click")
        eq(again.status, 200)
        forged = s.request("GET", path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"),
                           key=None)
        eq(forged.status, 404)
        # the address is on the suppression list: a new campaign leaves it out
        pid = s.create_project("Again")
        assert_success(s.add_leads(pid, LEADS[:2]))
        cid2 = assert_success(s.post("campaigns.php", {
            "name": "Again", "project_id": pid, "steps": [FIRST],
            "sending_accounts": [{"type": "smtp", "id": acc}]}))["id"]
        eq(assert_success(s.post("campaigns/launch.php", {"campaign_id": cid2}))["recipients"], 1)
