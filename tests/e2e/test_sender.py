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
