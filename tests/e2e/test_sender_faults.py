"""The campaign sender when mail comes back or things break: replies and bounces
read by IMAP (fakes/imapd.py), Gmail by XOAUTH2 with a fake token endpoint, a
crash in the middle of a batch, an interrupted SMTP session, pause and cancel.
Shares test_sender.py's helpers; a module of its own so the two run side by
side under run.py -j."""
import time

import lib
from fakes.imapd import ImapServer, bounce_report, out_of_office, reply_message
from fakes.mailsink import MailSink
from lib import Server, assert_success
from test_sender import (ADMIN, BASE_ENV, FIRST, LEADS, PASSWORD, SENDER, add_smtp, campaign,
                         doomed_server, eq, kept_store, kill, later, recipients, status,
                         wait_recipients, wait_status)


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
            # the poller left unread mail unread in the user's mailbox (fetching marks a
            # message read, and the poller unmarks it once the message is handled)
            assert lib.wait_until(lambda: all("\\Seen" not in m[2] for m in imap.mailbox), 10), \
                imap.mailbox
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


def settled(s, cid):
    """Every recipient sent, or waiting for the retry of a send the kill cut short."""
    return all(r["status"] == "completed" or (r["status"] == "pending" and r["attempts"] > 0)
               for r in recipients(s, cid).values())


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
        sink.wait_idle()                         # a message in flight is taken, or never
        for m in sink.messages:                  # what Gmail would keep as sent
            imap.add(m.data, seen=True, box="[Gmail]/Sent Mail")
        # an hour later the interrupted claims are stale and reconciled: those in the
        # sent folder count as sent; one the kill cut short waits for its retry
        with later(1 / 24, db, key, extra=env) as s:
            assert lib.wait_until(lambda: settled(s, cid), 30), recipients(s, cid)
        with later(1 / 24 + 16 / 1440, db, key, extra=env) as s:  # past the 15-minute retry
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
            kill(s, when=lambda: sink.received)
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
            kill(s, when=lambda: sink.received)
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
