"""An SMTP sink (RFC 5321) on loopback for the campaign sender: it speaks the
ESMTP libcurl's SMTP client uses and records every message it accepts.

    with MailSink(users={"sam@send.lgtest": "pw"}, tokens={"me@gmail.com": "ya29.tok"}) as sink:
        env = {"...SMTP_URL": sink.url}          # smtp://127.0.0.1:PORT
        sink.reject("gone@acme.lgtest", 550)     # at RCPT: 550 5.1.1 ...
        sink.reject("busy@acme.lgtest", 451, at="DATA", times=1)   # once, after the data
        ...
        sink.wait_for(3)                         # blocks until 3 messages were accepted
        m = sink.messages[0]
        m.mail_from, m.rcpt_to, m.data (raw bytes, dot-unstuffed), m.email (EmailMessage),
        m.connection (1-based number of the connection it came on), m.auth (who sent it)
        sink.connections                         # connections accepted so far
        sink.auths      # [{"mechanism": "PLAIN"|"LOGIN"|"XOAUTH2", "user", "secret", "ok"}]
        sink.refused    # [{"stage": "RCPT"|"DATA", "address", "reply"}]

Commands: EHLO/HELO, AUTH PLAIN/LOGIN/XOAUTH2 (with or without an initial
response; a wrong password or token gets 535, a wrong XOAUTH2 token first the
Gmail-style 334 JSON challenge), MAIL FROM (SIZE/SMTPUTF8/BODY parameters
ignored), RCPT TO, DATA (dot-unstuffed), RSET, NOOP, QUIT; anything else 502.
With users or tokens given, MAIL before AUTH gets 530. reject(address, code,
at="RCPT"|"DATA", times=None) answers that recipient with code (4xx or 5xx)
at RCPT, or after its message's data, `times` times (None: always);
disconnect(address) closes the connection at its RCPT. tls="starttls" offers
STARTTLS and tls="implicit" speaks TLS from the start (SMTPS), with a
self-signed certificate for 127.0.0.1/localhost made by the openssl command
(sink.cafile verifies it). libcurl reports a refusal after the data as
CURLE_WEIRD_SERVER_REPLY (8) with the code in CURLINFO_RESPONSE_CODE. delay (seconds) is waited before each reply to the
end of data. Standard library only.
"""
import base64
import email
import email.policy
import os
import shutil
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
from fakes import serve_in_thread

CODE_TEXT = {
    550: "550 5.1.1 <%s>: Recipient address rejected: User unknown",
    551: "551 5.1.6 <%s>: Recipient has moved",
    552: "552 5.2.2 <%s>: Mailbox full",
    553: "553 5.1.3 <%s>: Bad recipient address syntax",
    554: "554 5.7.1 <%s>: Message rejected as spam",
    421: "421 4.7.0 <%s>: Too many connections, closing",
    450: "450 4.2.1 <%s>: Mailbox busy, try again later",
    451: "451 4.7.1 <%s>: Greylisted, try again later",
    452: "452 4.2.2 <%s>: Mailbox temporarily full",
}


def make_certificate(directory):
    """(cert path, key path) of a self-signed certificate for 127.0.0.1 and
    localhost, made with the openssl command; None when openssl is missing."""
    if not shutil.which("openssl"):
        return None
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return cert, key


def sasl_plain(b64):
    """(user, password) of a SASL PLAIN response (RFC 4616)."""
    parts = base64.b64decode(b64).split(b"\0")
    if len(parts) != 3:
        raise ValueError("bad PLAIN response")
    return parts[1].decode("utf-8"), parts[2].decode("utf-8")


def sasl_xoauth2(b64):
    """(user, token) of an XOAUTH2 response: user=U^Aauth=Bearer T^A^A."""
    fields = dict(f.split("=", 1) for f in base64.b64decode(b64).decode("utf-8").split("\x01")
                  if "=" in f)
    auth = fields.get("auth", "")
    if not auth.startswith("Bearer "):
        raise ValueError("bad XOAUTH2 response")
    return fields.get("user", ""), auth[len("Bearer "):]


class Message:
    def __init__(self, mail_from, rcpt_to, data, connection, auth):
        self.mail_from = mail_from
        self.rcpt_to = list(rcpt_to)
        self.data = data
        self.email = email.message_from_bytes(data, policy=email.policy.default)
        self.connection = connection
        self.auth = auth

    def __repr__(self):
        return "Message(%s -> %s, %d bytes)" % (self.mail_from, self.rcpt_to, len(self.data))


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


class MailSink:
    def __init__(self, users=None, tokens=None, tls=None, delay=0.0):
        self.users = dict(users or {})
        self.tokens = dict(tokens or {})
        self.tls_mode = tls
        self.delay = delay
        self.messages = []
        self.auths = []
        self.refused = []
        self.commands = []       # every command line, in order, across connections
        self.received = []       # each message body read in full (before the delay and reply)
        self.connections = 0
        self.open = 0            # sessions still running
        self._rules = {}         # address -> [stage, reply or None (disconnect), times left]
        self._lock = threading.Condition()
        self._tmp = None
        self.cafile = None
        self.tls = None

    # -- control

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("smtps" if self.tls_mode == "implicit" else "smtp",
                                      self.port)

    def reject(self, address, code, at="RCPT", times=None, text=None):
        reply = text or CODE_TEXT.get(code, "%d <%%s>: refused" % code) % address
        with self._lock:
            self._rules[address.lower()] = [at.upper(), reply, times]

    def disconnect(self, address, times=None):
        with self._lock:
            self._rules[address.lower()] = ["RCPT", None, times]

    def accept(self, address):
        with self._lock:
            self._rules.pop(address.lower(), None)

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.auths.clear()
            self.refused.clear()
            self.commands.clear()
            self.received.clear()

    def wait_for(self, count, timeout=20.0):
        """The messages once at least count were accepted; AssertionError at timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("sink got %d messages, wanted %d"
                                         % (len(self.messages), count))
                self._lock.wait(left)
            return list(self.messages)

    def wait_idle(self, timeout=20.0):
        """Once every session has ended (a client killed mid-transaction included),
        so that what was accepted is all there will be; AssertionError at timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.open:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("sink still has %d sessions" % self.open)
                self._lock.wait(left)

    def to(self, address):
        """The accepted messages whose envelope recipients include address."""
        with self._lock:
            return [m for m in self.messages if address.lower() in
                    (r.lower() for r in m.rcpt_to)]

    # -- life

    def start(self):
        if self.tls_mode:
            self._tmp = tempfile.mkdtemp(prefix="leadgen-mailsink-")
            pair = make_certificate(self._tmp)
            if pair is None:
                raise RuntimeError("TLS needs the openssl command")
            self.cafile = pair[0]
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(*pair)
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                with sink._lock:
                    sink.connections += 1
                    sink.open += 1
                    number = sink.connections
                try:
                    _Session(sink, self, number).run()
                except (OSError, ssl.SSLError, ValueError):
                    pass
                finally:
                    with sink._lock:
                        sink.open -= 1
                        sink._lock.notify_all()

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = serve_in_thread(self._server)
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- used by sessions

    def _rule(self, address, stage):
        """The reply for address at stage (None: accept; "" : drop), counting it down."""
        with self._lock:
            rule = self._rules.get(address.lower())
            if not rule or rule[0] != stage:
                return None
            if rule[2] is not None:
                if rule[2] <= 0:
                    return None
                rule[2] -= 1
            if rule[1] is not None:
                self.refused.append({"stage": stage, "address": address, "reply": rule[1]})
            return rule[1] if rule[1] is not None else ""

    def _record(self, kind, item):
        with self._lock:
            getattr(self, kind).append(item)
            self._lock.notify_all()


class _Session:
    def __init__(self, sink, handler, number):
        self.sink, self.number = sink, number
        self.conn = handler.request
        self.conn.settimeout(30)
        self.tls = False
        self.auth = None
        self._files()
        self.reset()

    def _files(self):
        self.rfile = self.conn.makefile("rb")

    def reset(self):
        self.mail_from, self.rcpt_to = None, []

    def reply(self, text):
        self.conn.sendall(text.encode("utf-8") + b"\r\n")

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            return None
        return line.rstrip(b"\r\n").decode("utf-8", "replace")

    def run(self):
        if self.sink.tls_mode == "implicit":
            self.start_tls()
        self.reply("220 sink.lgtest ESMTP fake sink")
        while True:
            line = self.readline()
            if line is None:
                return
            self.sink._record("commands", line)
            verb = line.split(" ", 1)[0].split(":", 1)[0].upper()
            handler = getattr(self, "do_" + verb.lower(), None) if verb.isalpha() else None
            if handler is None:
                self.reply("502 5.5.2 Error: command not recognized")
            elif handler(line) == "quit":
                return

    def start_tls(self):
        self.conn = self.sink.tls.wrap_socket(self.conn, server_side=True)
        self.tls = True
        self._files()

    # -- commands

    def do_ehlo(self, line):
        lines = ["sink.lgtest greets you", "SIZE 52428800", "8BITMIME", "SMTPUTF8"]
        if self.sink.tls_mode == "starttls" and not self.tls:
            lines.append("STARTTLS")
        if self.sink.users or self.sink.tokens:
            lines.append("AUTH PLAIN LOGIN XOAUTH2")
        self.reply("\r\n".join("250-" + l for l in lines[:-1]) + "\r\n250 " + lines[-1])
        self.reset()

    def do_helo(self, line):
        self.reply("250 sink.lgtest")
        self.reset()

    def do_starttls(self, line):
        if self.sink.tls_mode != "starttls" or self.tls:
            return self.reply("502 5.5.1 STARTTLS not available")
        self.reply("220 2.0.0 Ready to start TLS")
        self.start_tls()
        self.auth = None
        self.reset()

    def _challenge(self, prompt=""):
        self.reply("334 " + prompt)
        answer = self.readline()
        if answer is None or answer == "*":
            raise ValueError("authentication abandoned")
        return answer

    def do_auth(self, line):
        parts = line.split()
        mech = parts[1].upper() if len(parts) > 1 else ""
        initial = parts[2] if len(parts) > 2 else None
        try:
            if mech == "PLAIN":
                user, secret = sasl_plain(initial if initial and initial != "=" else
                                          self._challenge())
                ok = self.sink.users.get(user) == secret
            elif mech == "LOGIN":
                user = base64.b64decode(initial or self._challenge("VXNlcm5hbWU6")).decode()
                secret = base64.b64decode(self._challenge("UGFzc3dvcmQ6")).decode()
                ok = self.sink.users.get(user) == secret
            elif mech == "XOAUTH2":
                user, secret = sasl_xoauth2(initial or self._challenge())
                ok = self.sink.tokens.get(user) == secret
                if not ok:   # Gmail's error challenge; any answer (AQ==, "", "*") ends it
                    error = b'{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}'
                    self.sink._record("auths", {"mechanism": mech, "user": user,
                                                "secret": secret, "ok": False})
                    self.reply("334 " + base64.b64encode(error).decode())
                    if self.readline() is None:
                        raise OSError("connection closed in AUTH")
                    return self.reply("535 5.7.8 Username and Password not accepted")
            else:
                return self.reply("504 5.5.4 Unrecognized authentication type")
        except (ValueError, UnicodeDecodeError, base64.binascii.Error):
            return self.reply("501 5.5.2 Cannot decode response")
        self.sink._record("auths", {"mechanism": mech, "user": user, "secret": secret, "ok": ok})
        if not ok:
            return self.reply("535 5.7.8 Username and Password not accepted")
        self.auth = {"mechanism": mech, "user": user}
        self.reply("235 2.7.0 Accepted")

    def do_mail(self, line):
        if (self.sink.users or self.sink.tokens) and not self.auth:
            return self.reply("530 5.7.0 Authentication required")
        self.reset()
        self.mail_from = _path(line)
        self.reply("250 2.1.0 Ok")

    def do_rcpt(self, line):
        if self.mail_from is None:
            return self.reply("503 5.5.1 Error: need MAIL command")
        address = _path(line)
        answer = self.sink._rule(address, "RCPT")
        if answer == "":
            raise ValueError("told to disconnect")
        if answer:
            return self.reply(answer)
        self.rcpt_to.append(address)
        self.reply("250 2.1.5 Ok")

    def do_data(self, line):
        if not self.rcpt_to:
            return self.reply("503 5.5.1 Error: need RCPT command")
        self.reply("354 End data with <CR><LF>.<CR><LF>")
        lines = []
        while True:
            raw = self.rfile.readline(1 << 20)
            if not raw:
                raise ValueError("connection closed in DATA")
            if raw in (b".\r\n", b".\n"):
                break
            lines.append(raw[1:] if raw.startswith(b".") else raw)   # RFC 5321 4.5.2
        data = b"".join(lines)
        self.sink._record("received", len(data))
        if self.sink.delay:
            time.sleep(self.sink.delay)
        refusal = None
        for address in self.rcpt_to:
            refusal = refusal or self.sink._rule(address, "DATA")
        if refusal:
            self.reply(refusal)
        else:
            self.sink._record("messages", Message(self.mail_from, self.rcpt_to, data,
                                                  self.number, self.auth))
            self.reply("250 2.0.0 Ok: queued as %d" % len(self.sink.messages))
        self.reset()

    def do_rset(self, line):
        self.reset()
        self.reply("250 2.0.0 Ok")

    def do_noop(self, line):
        self.reply("250 2.0.0 Ok")

    def do_quit(self, line):
        self.reply("221 2.0.0 Bye")
        return "quit"


def _path(line):
    """The address in "MAIL FROM:<a@b> SIZE=1" or "RCPT TO:<c@d>"."""
    rest = line.split(":", 1)[1].strip() if ":" in line else ""
    if rest.startswith("<"):
        return rest[1:rest.find(">")] if ">" in rest else rest[1:]
    return rest.split(" ", 1)[0]
