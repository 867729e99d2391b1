"""The mail fakes the sender's tests use (fakes/mailsink.py, fakes/imapd.py),
proven against libcurl's real SMTP and IMAP clients by driving them with the
curl command: authentication (password and XOAUTH2), envelopes, dot-stuffing,
rejections at RCPT and DATA, connection counts, STARTTLS, UID search and
fetch, and the seeded reply, out-of-office and bounce messages. Needs no
leadgen binary."""
import os
import shutil
import subprocess
import tempfile

from fakes.imapd import ImapServer, bounce_report, out_of_office, reply_message
from fakes.mailsink import MailSink
from lib import Skip, eq

MESSAGE = (b"From: Sam <sam@send.lgtest>\r\nTo: ada@acme.lgtest\r\nSubject: hello\r\n"
           b"Message-ID: <m1@send.lgtest>\r\n\r\nline one\r\n.starts with a dot\r\n..two dots\r\n"
           b".\r\nlast\r\n")


def curl(*args):
    if not shutil.which("curl"):
        raise Skip("the curl command is not installed")
    return subprocess.run(["curl", "-sS", "--max-time", "20"] + [str(a) for a in args],
                          capture_output=True, timeout=60)


def message_file():
    fd, path = tempfile.mkstemp(prefix="leadgen-mailfakes-", suffix=".eml")
    with os.fdopen(fd, "wb") as f:
        f.write(MESSAGE)
    return path


def test_sink_records_password_and_xoauth2_sends():
    path = message_file()
    try:
        with MailSink(users={"sam@send.lgtest": "pw"}, tokens={"me@gmail.com": "ya29.tok"}) as sink:
            r = curl(sink.url, "--mail-from", "sam@send.lgtest", "--mail-rcpt", "ada@acme.lgtest",
                     "-T", path, "-u", "sam@send.lgtest:pw")
            eq(r.returncode, 0, r.stderr)
            r = curl(sink.url, "--mail-from", "sam@send.lgtest", "--mail-rcpt", "ada@acme.lgtest",
                     "-T", path, "-u", "sam@send.lgtest:pw", "--login-options", "AUTH=LOGIN")
            eq(r.returncode, 0, r.stderr)
            r = curl(sink.url, "--mail-from", "me@gmail.com", "--mail-rcpt", "bob@acme.lgtest",
                     "-T", path, "-u", "me@gmail.com:", "--oauth2-bearer", "ya29.tok")
            eq(r.returncode, 0, r.stderr)
            r = curl(sink.url, "--mail-from", "me@gmail.com", "--mail-rcpt", "bob@acme.lgtest",
                     "-T", path, "-u", "me@gmail.com:", "--oauth2-bearer", "expired")
            eq(r.returncode, 67, r.stderr)   # CURLE_LOGIN_DENIED
            r = curl(sink.url, "--mail-from", "sam@send.lgtest", "--mail-rcpt", "x@acme.lgtest",
                     "-T", path)
            assert r.returncode != 0 and b"530" in r.stderr, r
            messages = sink.wait_for(3)
            eq(len(messages), 3)
            eq([(a["mechanism"], a["user"], a["secret"], a["ok"]) for a in sink.auths],
               [("PLAIN", "sam@send.lgtest", "pw", True), ("LOGIN", "sam@send.lgtest", "pw", True),
                ("XOAUTH2", "me@gmail.com", "ya29.tok", True),
                ("XOAUTH2", "me@gmail.com", "expired", False)])
            m = messages[0]
            eq((m.mail_from, m.rcpt_to), ("sam@send.lgtest", ["ada@acme.lgtest"]))
            eq(m.data, MESSAGE)   # curl dot-stuffed, the sink unstuffed: byte for byte
            eq(m.email["Subject"], "hello")
            eq(m.auth, {"mechanism": "PLAIN", "user": "sam@send.lgtest"})
            eq(messages[2].auth, {"mechanism": "XOAUTH2", "user": "me@gmail.com"})
            eq(len(sink.to("bob@acme.lgtest")), 1)
            eq(sink.connections, 5)
            assert "DATA" in sink.commands and "QUIT" in sink.commands, sink.commands
    finally:
        os.unlink(path)


def test_sink_rejects_chosen_recipients_and_counts_connections():
    path = message_file()
    try:
        with MailSink() as sink:
            sink.reject("gone@acme.lgtest", 550)
            sink.reject("later@acme.lgtest", 451, times=1)
            sink.reject("spam@acme.lgtest", 554, at="DATA")
            r = curl(sink.url, "--mail-from", "s@send.lgtest", "--mail-rcpt", "gone@acme.lgtest",
                     "-T", path, "-w", "%{response_code}")
            eq((r.returncode, r.stdout), (55, b"550"), r.stderr)   # CURLE_SEND_ERROR at RCPT
            r = curl(sink.url, "--mail-from", "s@send.lgtest", "--mail-rcpt", "later@acme.lgtest",
                     "-T", path)
            assert r.returncode != 0 and b"451" in r.stderr, r
            r = curl(sink.url, "--mail-from", "s@send.lgtest", "--mail-rcpt", "later@acme.lgtest",
                     "-T", path)
            eq(r.returncode, 0, r.stderr)   # the 451 was for one attempt only
            # libcurl answers a refusal after the data with CURLE_WEIRD_SERVER_REPLY (8);
            # the code itself is in CURLINFO_RESPONSE_CODE.
            r = curl(sink.url, "--mail-from", "s@send.lgtest", "--mail-rcpt", "spam@acme.lgtest",
                     "-T", path, "-w", "%{response_code}")
            eq((r.returncode, r.stdout), (8, b"554"), r.stderr)
            eq([(x["stage"], x["address"], x["reply"][:3]) for x in sink.refused],
               [("RCPT", "gone@acme.lgtest", "550"), ("RCPT", "later@acme.lgtest", "451"),
                ("DATA", "spam@acme.lgtest", "554")])
            eq([m.rcpt_to for m in sink.messages], [["later@acme.lgtest"]])
            eq(sink.connections, 4)
            # One curl run, two URLs: libcurl reuses the connection for the second transaction.
            sink.clear()
            r = curl(sink.url, "--mail-from", "s@send.lgtest", "--mail-rcpt", "a@acme.lgtest",
                     "-T", path, "--next", sink.url, "--mail-from", "s@send.lgtest",
                     "--mail-rcpt", "b@acme.lgtest", "-T", path)
            eq(r.returncode, 0, r.stderr)
            eq([m.rcpt_to for m in sink.wait_for(2)], [["a@acme.lgtest"], ["b@acme.lgtest"]])
            eq(sink.connections, 5)
            eq(sink.messages[0].connection, sink.messages[1].connection)
    finally:
        os.unlink(path)


def test_sink_starttls():
    if not shutil.which("openssl"):
        raise Skip("the openssl command is not installed")
    path = message_file()
    try:
        with MailSink(tls="starttls", users={"u@send.lgtest": "pw"}) as sink:
            r = curl(sink.url, "--ssl-reqd", "--cacert", sink.cafile, "--mail-from",
                     "u@send.lgtest", "--mail-rcpt", "ada@acme.lgtest", "-T", path,
                     "-u", "u@send.lgtest:pw")
            eq(r.returncode, 0, r.stderr)
            eq(sink.wait_for(1)[0].data, MESSAGE)
            eq(sink.commands[:3], ["EHLO " + os.path.basename(path), "STARTTLS",
                                   "EHLO " + os.path.basename(path)])
        with MailSink(tls="implicit") as sink:
            r = curl(sink.url, "--cacert", sink.cafile, "--mail-from", "u@send.lgtest",
                     "--mail-rcpt", "ada@acme.lgtest", "-T", path)
            eq(r.returncode, 0, r.stderr)
            eq(sink.wait_for(1)[0].data, MESSAGE)
    finally:
        os.unlink(path)


def seeded_imap(**kw):
    imap = ImapServer(users={"sam@send.lgtest": "pw"}, tokens={"me@gmail.com": "ya29.tok"}, **kw)
    imap.add(reply_message("ada@acme.lgtest", "sam@send.lgtest", "<m1@send.lgtest>"))
    imap.add(out_of_office("bob@acme.lgtest", "sam@send.lgtest", "<m2@send.lgtest>"))
    imap.add(bounce_report("sam@send.lgtest", "gone@acme.lgtest", "<m3@send.lgtest>"))
    return imap


def test_imapd_search_and_fetch_by_uid_with_login():
    import email
    import email.policy
    with seeded_imap() as imap:
        base = imap.url + "/INBOX"
        r = curl(base, "-u", "sam@send.lgtest:pw", "-X", "UID SEARCH UID 2:*")
        eq(r.returncode, 0, r.stderr)
        eq(r.stdout, b"* SEARCH 2 3\r\n")
        # "n:*" past the last UID still names the last message (RFC 3501 6.4.8)
        r = curl(base, "-u", "sam@send.lgtest:pw", "-X", "UID SEARCH UID 9:*")
        eq(r.stdout, b"* SEARCH 3\r\n")
        r = curl(base, "-u", "sam@send.lgtest:pw", "-X", "SEARCH UNSEEN")
        eq(r.stdout, b"* SEARCH 1 2 3\r\n")
        r = curl(base + ";UID=1", "-u", "sam@send.lgtest:pw")
        eq(r.returncode, 0, r.stderr)
        reply = email.message_from_bytes(r.stdout, policy=email.policy.default)
        eq(reply["In-Reply-To"], "<m1@send.lgtest>")
        eq(imap.mailbox[0][1], r.stdout)
        r = curl(base, "-u", "sam@send.lgtest:pw", "-X", "SEARCH UNSEEN")
        eq(r.stdout, b"* SEARCH 2 3\r\n")   # BODY[] set \Seen
        assert "A004 UID FETCH 1 BODY[]" in imap.commands, imap.commands
        # A custom FETCH gets the untagged lines only: libcurl drops the literals, so
        # bodies come from the ;UID=n form (which, as BODY[], marks the message seen).
        r = curl(base, "-u", "sam@send.lgtest:pw", "-X", "UID FETCH 2:* (UID FLAGS BODY.PEEK[])")
        eq(r.returncode, 0, r.stderr)
        eq(r.stdout, b"* 2 FETCH (UID 2 FLAGS () BODY[] {%d}\r\n* 3 FETCH (UID 3 FLAGS () "
                     b"BODY[] {%d}\r\n" % (len(imap.mailbox[1][1]), len(imap.mailbox[2][1])))
        r = curl(base, "-u", "sam@send.lgtest:pw", "-X", "SEARCH UNSEEN")
        eq(r.stdout, b"* SEARCH 2 3\r\n")   # PEEK did not
        r = curl(base, "-u", "sam@send.lgtest:wrong", "-X", "UID SEARCH UID 1:*")
        eq(r.returncode, 67, r.stderr)
        eq([(x["mechanism"], x["ok"]) for x in imap.logins][-2:], [("LOGIN", True),
                                                                   ("LOGIN", False)])
        verbs = [c.split(" ", 1)[1].split(" ")[0] for c in imap.commands]
        for verb in ("CAPABILITY", "LOGIN", "SELECT", "UID", "LOGOUT"):
            assert verb in verbs, (verb, imap.commands)
        eq(imap.connections, 8)


def test_imapd_xoauth2_and_seeded_reports():
    import email
    import email.policy
    with seeded_imap() as imap:
        base = imap.url + "/INBOX"
        r = curl(base + ";UID=3", "-u", "me@gmail.com:", "--oauth2-bearer", "ya29.tok")
        eq(r.returncode, 0, r.stderr)
        bounce = email.message_from_bytes(r.stdout, policy=email.policy.default)
        eq(bounce.get_content_type(), "multipart/report")
        eq(bounce.get_param("report-type"), "delivery-status")
        status = [p for p in bounce.walk() if p.get_content_type() == "message/delivery-status"]
        eq(len(status), 1)
        assert b"Status: 5.1.1" in status[0].as_bytes(), status[0].as_bytes()
        assert b"Final-Recipient: rfc822; gone@acme.lgtest" in r.stdout
        r = curl(base + ";UID=2", "-u", "me@gmail.com:", "--oauth2-bearer", "ya29.tok")
        ooo = email.message_from_bytes(r.stdout, policy=email.policy.default)
        eq(ooo["Auto-Submitted"], "auto-replied")
        r = curl(base + ";UID=2", "-u", "me@gmail.com:", "--oauth2-bearer", "stale")
        eq(r.returncode, 67, r.stderr)
        eq([(x["mechanism"], x["user"], x["secret"], x["ok"]) for x in imap.logins],
           [("XOAUTH2", "me@gmail.com", "ya29.tok", True),
            ("XOAUTH2", "me@gmail.com", "ya29.tok", True),
            ("XOAUTH2", "me@gmail.com", "stale", False)])
        uid = imap.add(reply_message("carl@acme.lgtest", "me@gmail.com", "<m9@send.lgtest>"))
        eq(uid, 4)
        r = curl(base, "-u", "me@gmail.com:", "--oauth2-bearer", "ya29.tok", "-X",
                 "UID SEARCH UID 4:*")
        eq(r.stdout, b"* SEARCH 4\r\n")
