"""Fake SMTP servers (RFC 5321) on several loopback addresses sharing one
port, each with its own behaviour, for the mailbox-probe tests.

    rules = {"127.0.0.2": Rule(mailboxes={"john@normal.lgtest"}, starttls=True),
             "127.0.0.3": Rule(catch_all=True),
             "127.0.0.4": Rule(rcpt_reply="451 4.7.1 Greylisted, try again later")}
    with SmtpFarm(rules) as farm:
        env = {"LEADGEN_SMTP_PROBE_PORT": farm.port}
        ...
        farm.sessions("127.0.0.2")   # [{"peer": "127.0.0.1", "commands": [...], "tls": bool,
                                     #   "open": bool}, ...]

Rule fields: mailboxes (addresses that exist, compared case-insensitively),
full (addresses whose mailbox is full: 452 4.2.2), catch_all (every RCPT
accepted), rcpt_reply (one fixed answer to every RCPT), one_rcpt (a second
RCPT in a transaction gets 452 4.5.3), delay (seconds before every reply,
the greeting included), drop_at (a command verb, e.g. "MAIL": the
connection is closed when it arrives), silent (never greets), starttls
(offered; needs a certificate, made with the openssl command), broken_tls
(STARTTLS is answered 220, then the handshake gets garbage) and smtputf8
(offered), pipelining (PIPELINING offered, RFC 2920; on by default). A
session's log says whether the client sent a command before the reply to the
previous one ("pipelined"). An address of the map whose Rule is None is a closed
port: nothing listens there. Standard library only.
"""
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time


class Rule:
    def __init__(self, mailboxes=(), full=(), catch_all=False, rcpt_reply=None, one_rcpt=False,
                 delay=0.0, drop_at=None, silent=False, starttls=False, smtputf8=True,
                 broken_tls=False, pipelining=True):
        self.mailboxes = {m.lower() for m in mailboxes}
        self.full = {m.lower() for m in full}
        self.catch_all = catch_all
        self.rcpt_reply = rcpt_reply
        self.one_rcpt = one_rcpt
        self.delay = delay
        self.drop_at = drop_at
        self.silent = silent
        self.starttls = starttls
        self.smtputf8 = smtputf8
        self.broken_tls = broken_tls
        self.pipelining = pipelining


def openssl_available():
    return shutil.which("openssl") is not None


class SmtpFarm:
    def __init__(self, rules):
        self.rules = rules
        self.log = []        # sessions: {"ip", "commands", "tls"}
        self.lock = threading.Lock()
        self.stopping = False
        self.listeners = []
        self.threads = []
        self.tmp = tempfile.mkdtemp(prefix="leadgen-smtp-")
        self.tls = None

    # -- set-up

    def _make_tls(self):
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=mx.fake.lgtest", "-keyout", key, "-out", cert],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        return ctx

    def _bind_all(self, port):
        socks = []
        try:
            for ip, rule in self.rules.items():
                if rule is None:
                    continue
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                socks.append(s)
                s.bind((ip, port))
                s.listen(32)
                s.settimeout(0.2)
        except OSError:
            for s in socks:
                s.close()
            return None
        return socks

    def __enter__(self):
        if any(r and r.starttls for r in self.rules.values()) and openssl_available():
            self.tls = self._make_tls()
        for _ in range(20):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            probe.close()
            socks = self._bind_all(port)
            if socks is not None:
                break
        else:
            raise AssertionError("no port free on every fake SMTP address")
        self.port = port
        self.listeners = socks
        for s in socks:
            t = threading.Thread(target=self._accept, args=(s,), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def __exit__(self, *exc):
        self.stopping = True
        for t in self.threads:
            t.join(timeout=5)
        for s in self.listeners:
            s.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    # -- log

    def sessions(self, ip=None):
        with self.lock:
            return [dict(s, commands=list(s["commands"])) for s in self.log
                    if ip is None or s["ip"] == ip]

    def closed_sessions(self, ip, timeout=10.0):
        """ip's sessions once each has ended: the client's last command (QUIT) may still
        be on its way when its answer to the test is already out."""
        deadline = time.monotonic() + timeout
        while any(s["open"] for s in self.sessions(ip)) and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.sessions(ip)

    def commands(self, ip, verb=None):
        """Every command received by ip (optionally only those starting with verb)."""
        out = []
        for s in self.sessions(ip):
            out += [c for c in s["commands"] if verb is None or c.upper().startswith(verb)]
        return out

    def clear(self):
        with self.lock:
            self.log.clear()

    # -- serving

    def _accept(self, listener):
        ip = listener.getsockname()[0]
        while not self.stopping:
            try:
                conn, peer = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            session = {"ip": ip, "peer": peer[0], "commands": [], "tls": False,
                       "pipelined": False, "open": True}
            with self.lock:
                self.log.append(session)
            threading.Thread(target=self._serve, args=(conn, self.rules[ip], session),
                             daemon=True).start()

    def _serve(self, conn, rule, session):
        conn.settimeout(30)
        try:
            if rule.silent:
                self._wait_for_close(conn)
                return
            Session(self, conn, rule, session).run()
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass
            with self.lock:
                session["open"] = False

    def _wait_for_close(self, conn):
        deadline = time.monotonic() + 30
        conn.settimeout(0.2)
        while not self.stopping and time.monotonic() < deadline:
            try:
                if not conn.recv(1024):
                    return
            except socket.timeout:
                continue


class Session:
    def __init__(self, farm, conn, rule, log):
        self.farm, self.conn, self.rule, self.log = farm, conn, rule, log
        self.buf = b""
        self.rcpts = 0

    def reply(self, text):
        if self.rule.delay:
            time.sleep(self.rule.delay)
        self.conn.sendall(text.encode("utf-8") + b"\r\n")

    def readline(self):
        while b"\n" not in self.buf:
            data = self.conn.recv(4096)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def ehlo(self):
        lines = ["mx.fake.lgtest greets you", "8BITMIME"]
        if self.rule.pipelining:
            lines.insert(1, "PIPELINING")
        if self.rule.starttls and self.farm.tls and not self.log["tls"]:
            lines.append("STARTTLS")
        if self.rule.smtputf8:
            lines.append("SMTPUTF8")
        self.reply("\r\n".join("250-" + l for l in lines[:-1]) + "\r\n250 " + lines[-1])

    def rcpt(self, line):
        self.rcpts += 1
        address = line.split(":", 1)[1].strip().strip("<>").lower() if ":" in line else ""
        if self.rule.one_rcpt and self.rcpts > 1:
            return self.reply("452 4.5.3 Error: too many recipients")
        if self.rule.rcpt_reply:
            return self.reply(self.rule.rcpt_reply)
        if self.rule.catch_all or address in self.rule.mailboxes:
            return self.reply("250 2.1.5 Ok")
        if address in self.rule.full:
            return self.reply("452 4.2.2 <%s>: Recipient address rejected: Mailbox full" % address)
        self.reply("550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual "
                   "mailbox table" % address)

    def starttls(self):
        self.reply("220 2.0.0 Ready to start TLS")
        if self.rule.broken_tls:
            self.conn.sendall(b"this is not a TLS handshake\r\n")
            raise ValueError("broken TLS")
        self.conn = self.farm.tls.wrap_socket(self.conn, server_side=True)
        self.buf = b""
        self.log["tls"] = True

    def run(self):
        self.reply("220 mx.fake.lgtest ESMTP fake")
        while True:
            line = self.readline()
            if line is None:
                return
            self.log["commands"].append(line)
            if b"\n" in self.buf:   # the client sent more before this reply: pipelining
                self.log["pipelined"] = True
            verb = line.split(" ", 1)[0].split(":", 1)[0].upper()
            if self.rule.drop_at and verb == self.rule.drop_at:
                return
            if verb == "EHLO":
                self.ehlo()
            elif verb == "HELO":
                self.reply("250 mx.fake.lgtest")
            elif verb == "STARTTLS" and self.rule.starttls and self.farm.tls:
                self.starttls()
            elif verb == "MAIL":
                self.rcpts = 0
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                self.rcpt(line)
            elif verb == "RSET":
                self.rcpts = 0
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")
