"""The campaign sender against real mail servers on loopback (fakes/mailsink.py
speaks SMTP, fakes/imapd.py IMAP): what leaves (headers, threading, both
parts, spintax and merge fields, unsubscribe headers and link), limits,
rotation, windows and delays (a clock offset), every state change, credits,
replies and bounces read by IMAP, Gmail by XOAUTH2 with a fake token endpoint,
unsubscribe pages, and a crash in the middle of a batch."""
import contextlib
import http.server
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import urllib.parse

import lib
from fakes.imapd import ImapServer, bounce_report, out_of_office, reply_message
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


def test_replies_and_bounces_read_by_imap_stop_their_recipients():
    with MailSink(users={SENDER: PASSWORD}) as sink, kept_store() as db, \
            ImapServer(users={SENDER: PASSWORD}) as imap:
        with Server(env=BASE_ENV, db=db) as s:
            key = s.key
            acc = add_smtp(s, sink, imap=imap)
            cid = campaign(s, [acc])
            ids = {m.rcpt_to[0]: m.email["Message-ID"] for m in sink.wait_for(3)}
            lib.wait_until(lambda: any("STATUS" in c for c in imap.commands), 10)
            imap.add(reply_message("Ada <ada@acme.lgtest>", SENDER, ids["ada@acme.lgtest"]))
            imap.add(out_of_office("x7q@bolt.lgtest", SENDER, ids["x7q@bolt.lgtest"]))
            imap.add(bounce_report(SENDER, "cy@cog.lgtest", ids["cy@cog.lgtest"]))
            r = wait_recipients(s, cid, lambda r: r["ada@acme.lgtest"]["status"] == "replied" and
                                r["cy@cog.lgtest"]["status"] == "bounced")
            eq(r["x7q@bolt.lgtest"]["status"], "in_progress")    # an auto-reply is not a reply
            assert "5.1.1" in r["cy@cog.lgtest"]["reason"], r["cy@cog.lgtest"]
            # the poller left unread mail unread in the user's mailbox
            assert all("\\Seen" not in m[2] for m in imap.mailbox), imap.mailbox
        with later(3.001, db, key) as s:
            follow = lib.wait_until(lambda: len(sink.messages) >= 4 and sink.messages, 15)
            assert follow, sink.messages
            time.sleep(1.5)
            eq([m.rcpt_to[0] for m in sink.messages[3:]], ["x7q@bolt.lgtest"])


GMAIL = "me@gmail.lgtest"


def gmail_env(sink, imap, oauth):
    return dict(BASE_ENV, LEADGEN_GMAIL_SMTP=sink.url, LEADGEN_GMAIL_IMAP=imap.url,
                LEADGEN_OAUTH_TOKEN_URL=oauth.url, LEADGEN_GOOGLE_CLIENT_ID="client-1",
                LEADGEN_GOOGLE_CLIENT_SECRET="client-secret-1")


def add_gmail(s, address, refresh_token):
    proc = s.cli("account", "add", "gmail", ADMIN, "--address", address, "--refresh-token-env",
                 "TOKEN", "--min-gap", "0", "--max-extra", "0", env={"TOKEN": refresh_token})
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().splitlines()[-1])


def gmail_campaign(s, accounts, leads=LEADS, steps=(FIRST,)):
    pid = s.create_project("Gmail %s" % accounts)
    assert_success(s.add_leads(pid, list(leads)))
    cid = assert_success(s.post("campaigns.php", {
        "name": "Gmail", "project_id": pid, "steps": list(steps),
        "sending_accounts": [{"type": "gmail", "id": a} for a in accounts]}))["id"]
    assert_success(s.post("campaigns/launch.php", {"campaign_id": cid}))
    return cid


def test_gmail_sends_by_xoauth2_and_a_revoked_grant_stops_the_account():
    from fakes.oauth import TokenServer
    revoked = "gone@gmail.lgtest"
    with MailSink(tokens={GMAIL: "ya29.tok"}) as sink, \
            ImapServer(tokens={GMAIL: "ya29.tok"}) as imap, \
            TokenServer({"1//good": "ya29.tok"}) as oauth, \
            Server(env=gmail_env(sink, imap, oauth)) as s:
        acc = add_gmail(s, GMAIL, "1//good")
        cid = gmail_campaign(s, [acc])
        sink.wait_for(3)
        assert all(a["mechanism"] == "XOAUTH2" and a["user"] == GMAIL and a["ok"]
                   for a in sink.auths), sink.auths
        grants = [r for r in oauth.requests if r.get("refresh_token") == "1//good"]
        eq(len(grants), 1)                       # the access token is cached until it expires
        eq((grants[0]["client_id"], grants[0]["client_secret"]), ("client-1", "client-secret-1"))
        lib.wait_until(lambda: any(l["mechanism"] == "XOAUTH2" for l in imap.logins), 10)
        eq(status(s, cid)["campaign"]["sent_total"], 3)
        # a revoked grant: the account needs authorising again and sends nothing
        bad = add_gmail(s, revoked, "1//revoked")
        cid2 = gmail_campaign(s, [bad], leads=[{"email": "zed@acme.lgtest"}])
        accounts = lib.wait_until(lambda: [a for a in assert_success(
            s.get("accounts.php"))["accounts"] if a["id"] == bad and
            a["status"] == "reauth_required"], 15)
        assert accounts and "invalid_grant" in accounts[0]["status_reason"] or \
            "revoked" in accounts[0]["status_reason"], accounts
        time.sleep(1.5)
        eq(status(s, cid2)["campaign"]["sent_total"], 0)
        eq(sink.to("zed@acme.lgtest"), [])
        listed = s.cli("account", "list", ADMIN).stdout
        assert "needs authorising again" in listed and "gmail (OAuth)" in listed, listed


def test_a_crash_in_the_middle_of_a_batch_sends_no_step_twice_and_loses_none():
    """kill -9 while messages are in their SMTP transactions; on restart the
    interrupted sends are reconciled against Gmail's sent folder (here: the
    sink's accepted messages, which Gmail keeps in '[Gmail]/Sent Mail')."""
    from fakes.oauth import TokenServer
    leads = [{"email": "c%02d@acme.lgtest" % i} for i in range(10)]
    with MailSink(tokens={GMAIL: "ya29.tok"}, delay=0.4) as sink, kept_store() as db, \
            ImapServer(tokens={GMAIL: "ya29.tok"}) as imap, \
            TokenServer({"1//good": "ya29.tok"}) as oauth:
        env = gmail_env(sink, imap, oauth)
        with doomed_server(env, db) as s:
            key = s.key
            cid = gmail_campaign(s, [add_gmail(s, GMAIL, "1//good")], leads=leads)
            sink.wait_for(3)
            kill(s)                               # kill -9 in the middle of the batch
        for m in sink.messages:                  # what Gmail would keep as sent
            imap.add(m.data, seen=True, box="[Gmail]/Sent Mail")
        # an hour later the interrupted claims are stale and reconciled
        with later(1 / 24, db, key, extra=env) as s:
            st = wait_status(s, cid, lambda st: st["campaign"]["status"] == "completed", 30)
            got = sorted(m.rcpt_to[0] for m in sink.messages)
            eq(got, sorted(l["email"] for l in leads))   # each exactly once, none lost
            eq(st["campaign"]["sent_total"], 10)
            eq(st["recipient_stats"]["completed"], 10)
            eq(s.balance(ADMIN), 100 - 10)


def test_a_send_interrupted_on_a_plain_smtp_server_is_counted_never_repeated():
    """Without a sent folder to ask, a send cut off after the claim counts as
    delivered: the recipient moves on with the reason recorded, never twice."""
    with MailSink(users={SENDER: PASSWORD}, delay=3) as sink, kept_store() as db:
        with doomed_server(BASE_ENV, db) as s:
            key = s.key
            cid = campaign(s, [add_smtp(s, sink)], leads=LEADS, steps=(FIRST,))
            # the first message's data is in, the server waits for the reply: kill it
            kill(s, when=lambda: "DATA" in sink.commands)
        first = sink.wait_for(1)[0].rcpt_to[0]     # the sink took it after all
        sink.delay = 0
        with later(1 / 24, db, key) as s:
            wait_status(s, cid, lambda st: st["campaign"]["status"] == "completed", 30)
            eq(sorted(m.rcpt_to[0] for m in sink.messages), sorted(l["email"] for l in LEADS))
            r = recipients(s, cid)[first]
            eq(r["status"], "completed")
            assert "never sent twice" in s.stderr_text(), s.stderr_text()[-2000:]


def test_a_gmail_send_missing_from_the_sent_folder_is_sent_again():
    """Killed in the first transaction, and Gmail never kept that message: the
    restarted sender finds it missing from the sent folder and sends it again."""
    from fakes.oauth import TokenServer
    with MailSink(tokens={GMAIL: "ya29.tok"}, delay=3) as sink, kept_store() as db, \
            ImapServer(tokens={GMAIL: "ya29.tok"}) as imap, \
            TokenServer({"1//good": "ya29.tok"}) as oauth:
        env = gmail_env(sink, imap, oauth)
        with doomed_server(env, db) as s:
            key = s.key
            cid = gmail_campaign(s, [add_gmail(s, GMAIL, "1//good")], leads=LEADS[:2])
            kill(s, when=lambda: "DATA" in sink.commands)
        lost = sink.wait_for(1)[0].rcpt_to[0]
        sink.clear()                      # Gmail never took it: not sent, not in Sent Mail
        sink.delay = 0
        imap.add(b"Subject: something else\r\nMessage-ID: <other@gmail.lgtest>\r\n\r\nx\r\n",
                 seen=True, box="[Gmail]/Sent Mail")
        with later(1 / 24, db, key, extra=env) as s:
            r = wait_recipients(s, cid, lambda r: r[lost]["attempts"] == 1)
            assert "sent again later" in r[lost]["reason"], r[lost]
        with later(2 / 24, db, key, extra=env) as s:   # past the retry's back-off
            wait_status(s, cid, lambda st: st["campaign"]["status"] == "completed", 30)
            eq(sorted(m.rcpt_to[0] for m in sink.messages), sorted(l["email"] for l in LEADS[:2]))
            eq(recipients(s, cid)[lost]["status"], "completed")
            eq(s.balance(ADMIN), 100 - 2)   # the lost claim was refunded


def test_pause_stops_sending_at_once_and_cancel_for_good():
    leads = [{"email": "s%02d@acme.lgtest" % i} for i in range(8)]
    with MailSink(users={SENDER: PASSWORD}, delay=0.5) as sink, Server(env=BASE_ENV) as s:
        cid = campaign(s, [add_smtp(s, sink)], leads=leads, steps=(FIRST,), batch_size=8)
        sink.wait_for(1)
        assert_success(s.post("campaigns/control.php", {"campaign_id": cid, "action": "pause"}))
        paused_at = len(sink.messages)
        time.sleep(2.5)
        # at most the message already in its SMTP transaction finishes
        assert len(sink.messages) <= paused_at + 1, (paused_at, len(sink.messages))
        stopped = len(sink.messages)
        eq(status(s, cid)["campaign"]["sent_total"], stopped)
        assert_success(s.post("campaigns/control.php", {"campaign_id": cid, "action": "resume"}))
        sink.wait_for(stopped + 1)
        assert_success(s.post("campaigns/control.php", {"campaign_id": cid, "action": "cancel"}))
        time.sleep(2.5)
        cancelled_at = len(sink.messages)
        time.sleep(1.5)
        eq(len(sink.messages), cancelled_at)
        assert cancelled_at < len(leads), cancelled_at
        eq(status(s, cid)["campaign"]["status"], "cancelled")
