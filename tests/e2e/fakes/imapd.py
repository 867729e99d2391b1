"""A minimal IMAP4rev1 server (RFC 3501) on loopback with an INBOX and any
other mailboxes a test adds to (imap.add(raw, box="[Gmail]/Sent Mail")), for
the sender's reply and bounce polling; enough for libcurl's IMAP client.

    with ImapServer(users={"sam@send.lgtest": "pw"}, tokens={"me@gmail.com": "ya29.tok"}) as imap:
        uid = imap.add(reply_bytes)                  # returns the message's UID (1, 2, ...)
        imap.add(out_of_office("ada@acme.lgtest", "<id@send.lgtest>"))
        imap.add(bounce_report("sam@send.lgtest", "gone@acme.lgtest", "<id2@send.lgtest>"))
        env = {"...IMAP_URL": imap.url}             # imap://127.0.0.1:PORT
        imap.commands, imap.logins, imap.connections

Commands: CAPABILITY, NOOP, LOGIN, AUTHENTICATE XOAUTH2 / PLAIN (with or
without SASL-IR; a wrong token gets Gmail's base64 JSON challenge, then NO),
LIST, SELECT/EXAMINE, STATUS (MESSAGES UIDNEXT UIDVALIDITY UNSEEN), SEARCH and
UID SEARCH (ALL, SEEN, UNSEEN, HEADER name "value", a sequence set or UID set;
"n:*" includes the highest UID even when it is below n, as RFC 3501 says and
real servers do), FETCH and UID FETCH with UID, FLAGS, RFC822.SIZE, RFC822,
BODY[], BODY.PEEK[], BODY[HEADER], BODY.PEEK[HEADER] and partial BODY[]<0.n>
(BODY[] and RFC822 set \\Seen), STORE and UID STORE [+-]FLAGS, LOGOUT; others
get BAD. Capabilities name
AUTH=XOAUTH2 (and AUTH=PLAIN when plain_auth=True), so libcurl logs in with a
password by LOGIN and with a bearer token by AUTHENTICATE XOAUTH2.
libcurl (7.88) notes, checked in test_mailfakes.py: a URL "INBOX;UID=n" sends
"UID FETCH n BODY[]" (which sets \\Seen) and delivers the body; a custom
request (-X / CURLOPT_CUSTOMREQUEST) delivers only the untagged lines, without
the literals; a refused XOAUTH2 token makes it close the connection.
Standard library only.
"""
import base64
import re
import socketserver
import threading
import time
import zlib

from fakes.mailsink import sasl_plain, sasl_xoauth2
from fakes import serve_in_thread


def reply_message(sender, to, in_reply_to, subject="Re: hello", body="Sounds good, call me.",
                  date="Thu, 01 Jan 2026 13:00:00 +0000"):
    """Raw bytes of a human reply threaded on in_reply_to."""
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <reply-%d@acme.lgtest>\r\n"
            "In-Reply-To: %s\r\nReferences: %s\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n"
            % (sender, to, subject, date, zlib.crc32(in_reply_to.encode()), in_reply_to, in_reply_to,
               body)).encode("utf-8")


def out_of_office(sender, to, in_reply_to, date="Thu, 01 Jan 2026 13:05:00 +0000"):
    """An RFC 3834 auto-reply to in_reply_to (Auto-Submitted: auto-replied)."""
    return ("From: %s\r\nTo: %s\r\nSubject: Out of office: Re: hello\r\nDate: %s\r\n"
            "Message-ID: <ooo-%d@acme.lgtest>\r\nIn-Reply-To: %s\r\nReferences: %s\r\n"
            "Auto-Submitted: auto-replied\r\nX-Autoreply: yes\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
            "I am away until Monday with limited access to email.\r\n"
            % (sender, to, date, zlib.crc32(in_reply_to.encode()), in_reply_to, in_reply_to)).encode()


def bounce_report(to, failed_recipient, original_id, status="5.1.1",
                  date="Thu, 01 Jan 2026 13:10:00 +0000"):
    """An RFC 3464 delivery-status report saying failed_recipient failed with status."""
    boundary = "=_bounce_%d" % zlib.crc32(original_id.encode())
    return ("From: Mail Delivery System <MAILER-DAEMON@mx.acme.lgtest>\r\nTo: %s\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\nDate: %s\r\n"
            "Message-ID: <bounce-%d@mx.acme.lgtest>\r\nAuto-Submitted: auto-replied\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n"
            " boundary=\"%s\"\r\n\r\n"
            "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            "I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
            "<%s>: host mx.acme.lgtest said: 550 %s User unknown\r\n\r\n"
            "--%s\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.acme.lgtest\r\nArrival-Date: %s\r\n\r\n"
            "Final-Recipient: rfc822; %s\r\nOriginal-Recipient: rfc822; %s\r\nAction: failed\r\n"
            "Status: %s\r\nDiagnostic-Code: smtp; 550 %s User unknown\r\n\r\n"
            "--%s\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            "From: %s\r\nTo: %s\r\nSubject: hello\r\nMessage-ID: %s\r\n\r\n"
            "--%s--\r\n"
            % (to, date, zlib.crc32(original_id.encode()), boundary, boundary, failed_recipient, status,
               boundary, date, failed_recipient, failed_recipient, status, status, boundary,
               to, failed_recipient, original_id, boundary)).encode()


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 64


class ImapServer:
    def __init__(self, users=None, tokens=None, plain_auth=False, uidvalidity=1):
        self.users = dict(users or {})
        self.tokens = dict(tokens or {})
        self.plain_auth = plain_auth
        self.uidvalidity = uidvalidity
        self.boxes = {"INBOX": []}   # name: [[uid, raw bytes, set of flags]]
        self.mailbox = self.boxes["INBOX"]
        self.next_uids = {"INBOX": 1}
        self.commands = []       # every command line (tag included), in order
        self.logins = []         # {"mechanism": "LOGIN"|"XOAUTH2"|"PLAIN", "user", "secret", "ok"}
        self.connections = 0
        self._lock = threading.Lock()

    @property
    def url(self):
        return "imap://127.0.0.1:%d" % self.port

    @property
    def next_uid(self):
        return self.next_uids["INBOX"]

    def add(self, raw, seen=False, box="INBOX"):
        """Appends a message (bytes or str) to a mailbox (made if new); returns its UID."""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        with self._lock:
            messages = self.boxes.setdefault(box, [])
            uid = self.next_uids.setdefault(box, 1)
            self.next_uids[box] = uid + 1
            messages.append([uid, raw, {"\\Seen"} if seen else set()])
            return uid

    def clear_log(self):
        with self._lock:
            self.commands.clear()
            self.logins.clear()

    def start(self):
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                with server._lock:
                    server.connections += 1
                try:
                    _Session(server, self).run()
                except (OSError, ValueError):
                    pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = serve_in_thread(self._server)
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _snapshot(self, box="INBOX"):
        with self._lock:
            return [(i + 1, m) for i, m in enumerate(self.boxes.get(box, []))]


def _astrings(text):
    """The IMAP astrings (quoted strings with \\ escapes, or atoms) in text."""
    out, i = [], 0
    while i < len(text):
        if text[i] == " ":
            i += 1
        elif text[i] == '"':
            i, s = i + 1, []
            while i < len(text) and text[i] != '"':
                if text[i] == "\\" and i + 1 < len(text):
                    i += 1
                s.append(text[i])
                i += 1
            out.append("".join(s))
            i += 1
        else:
            j = text.find(" ", i)
            j = len(text) if j < 0 else j
            out.append(text[i:j])
            i = j
    return out


def _in_set(number, spec, largest):
    """True when number is in the sequence set spec ("1,3:5,7:*"); "*" is largest."""
    for part in spec.split(","):
        bounds = [largest if b == "*" else int(b) for b in part.split(":")]
        low, high = min(bounds), max(bounds)
        if low <= number <= high:
            return True
    return False


_FETCH_ITEM = re.compile(r"BODY(?:\.PEEK)?\[[A-Z0-9.]*\](?:<\d+\.\d+>)?|[A-Z0-9.]+", re.I)


class _Session:
    def __init__(self, server, handler):
        self.server, self.h = server, handler
        handler.request.settimeout(30)
        self.user = None
        self.selected = None  # the selected mailbox's name

    def send(self, data):
        self.h.wfile.write(data if isinstance(data, bytes) else data.encode("utf-8") + b"\r\n")
        self.h.wfile.flush()

    def readline(self):
        line = self.h.rfile.readline(65536)
        if not line:
            return None
        return line.rstrip(b"\r\n").decode("utf-8", "replace")

    def capabilities(self):
        caps = ["IMAP4rev1", "SASL-IR", "AUTH=XOAUTH2"]
        if self.server.plain_auth:
            caps.append("AUTH=PLAIN")
        return " ".join(caps)

    def run(self):
        self.send("* OK [CAPABILITY %s] fake imapd ready" % self.capabilities())
        while True:
            line = self.readline()
            if line is None:
                return
            with self.server._lock:
                self.server.commands.append(line)
            parts = line.split(" ", 2)
            if len(parts) < 2:
                self.send("* BAD missing command")
                continue
            tag, verb, args = parts[0], parts[1].upper(), parts[2] if len(parts) > 2 else ""
            if verb == "UID" and args:
                sub = args.split(" ", 1)
                verb, args = "UID " + sub[0].upper(), sub[1] if len(sub) > 1 else ""
            handler = {
                "CAPABILITY": self.do_capability, "NOOP": self.do_noop, "LOGIN": self.do_login,
                "AUTHENTICATE": self.do_authenticate, "LIST": self.do_list,
                "SELECT": self.do_select, "EXAMINE": self.do_select, "SEARCH": self.do_search,
                "UID SEARCH": self.do_search, "FETCH": self.do_fetch, "UID FETCH": self.do_fetch,
                "STATUS": self.do_status, "STORE": self.do_store, "UID STORE": self.do_store,
                "LOGOUT": self.do_logout,
            }.get(verb)
            if handler is None:
                self.send("%s BAD unknown command %s" % (tag, verb))
            elif handler(tag, verb, args) == "logout":
                return

    # -- not authenticated

    def do_capability(self, tag, verb, args):
        self.send("* CAPABILITY " + self.capabilities())
        self.send(tag + " OK CAPABILITY completed")

    def do_noop(self, tag, verb, args):
        self.send(tag + " OK NOOP completed")

    def do_logout(self, tag, verb, args):
        self.send("* BYE fake imapd logging out")
        self.send(tag + " OK LOGOUT completed")
        return "logout"

    def _logged_in(self, tag, mechanism, user, secret, ok, record=True):
        if record:
            with self.server._lock:
                self.server.logins.append({"mechanism": mechanism, "user": user,
                                           "secret": secret, "ok": ok})
        if not ok:
            return self.send(tag + " NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")
        self.user = user
        self.send("%s OK [CAPABILITY %s] %s authenticated (Success)"
                  % (tag, self.capabilities(), user))

    def do_login(self, tag, verb, args):
        words = _astrings(args)
        if len(words) != 2:
            return self.send(tag + " BAD LOGIN needs a user and a password")
        self._logged_in(tag, "LOGIN", words[0], words[1],
                        self.server.users.get(words[0]) == words[1])

    def do_authenticate(self, tag, verb, args):
        words = args.split()
        mech = words[0].upper() if words else ""
        if mech not in ("XOAUTH2", "PLAIN") or (mech == "PLAIN" and not self.server.plain_auth):
            return self.send(tag + " NO unsupported authentication mechanism")
        response = words[1] if len(words) > 1 else None
        if response is None:
            self.send("+ ")
            response = self.readline()
            if response is None or response == "*":
                return self.send(tag + " BAD authentication cancelled")
        try:
            if mech == "PLAIN":
                user, secret = sasl_plain(response)
                ok = self.server.users.get(user) == secret
            else:
                user, secret = sasl_xoauth2(response)
                ok = self.server.tokens.get(user) == secret
        except (ValueError, UnicodeDecodeError):
            return self.send(tag + " BAD invalid SASL response")
        with self.server._lock:
            self.server.logins.append({"mechanism": mech, "user": user, "secret": secret,
                                       "ok": ok})
        if not ok and mech == "XOAUTH2":
            # Gmail's error challenge; libcurl 7.88 closes the connection on it, others
            # answer with an empty line or AQ== and then get NO.
            error = b'{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}'
            self.send("+ " + base64.b64encode(error).decode())
            if self.readline() is None:
                return None
        self._logged_in(tag, mech, user, secret, ok, record=False)

    # -- authenticated

    def _need_login(self, tag):
        if self.user is None:
            self.send(tag + " BAD not authenticated")
            return True
        return False

    def do_list(self, tag, verb, args):
        if self._need_login(tag):
            return
        for name in sorted(self.server.boxes):
            self.send('* LIST (\\HasNoChildren) "/" "%s"' % name)
        self.send(tag + " OK LIST completed")

    def _box_name(self, args):
        """The mailbox an argument names (INBOX in any case), or None."""
        names = _astrings(args)
        if not names:
            return None
        name = "INBOX" if names[0].upper() == "INBOX" else names[0]
        return name if name in self.server.boxes else None

    def do_status(self, tag, verb, args):
        if self._need_login(tag):
            return
        name = self._box_name(args)
        if name is None:
            return self.send(tag + " NO [NONEXISTENT] no such mailbox")
        box = self.server._snapshot(name)
        unseen = sum(1 for _, m in box if "\\Seen" not in m[2])
        self.send('* STATUS "%s" (MESSAGES %d UIDNEXT %d UIDVALIDITY %d UNSEEN %d)'
                  % (name, len(box), self.server.next_uids[name], self.server.uidvalidity, unseen))
        self.send(tag + " OK STATUS completed")

    def do_store(self, tag, verb, args):
        if self._need_login(tag) or not self._need_selected(tag):
            return
        m = re.fullmatch(r"([0-9*:,]+) ([+-]?)FLAGS(?:\.SILENT)? \((.*)\)", args, re.I)
        if not m:
            return self.send(tag + " BAD bad STORE arguments")
        spec, sign, flags = m.group(1), m.group(2), set(m.group(3).split())
        for seq, msg in self._matches(verb.startswith("UID"), spec):
            with self.server._lock:
                if sign == "+":
                    msg[2] |= flags
                elif sign == "-":
                    msg[2] -= flags
                else:
                    msg[2].clear()
                    msg[2] |= flags
            self.send(("* %d FETCH (FLAGS (%s))" % (seq, " ".join(sorted(msg[2])))))
        self.send("%s OK %s completed" % (tag, verb))

    def do_select(self, tag, verb, args):
        if self._need_login(tag):
            return
        name = self._box_name(args)
        if name is None:
            return self.send(tag + " NO [NONEXISTENT] no such mailbox")
        box = self.server._snapshot(name)
        self.selected = name
        unseen = [seq for seq, m in box if "\\Seen" not in m[2]]
        self.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
        self.send("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] ok")
        self.send("* %d EXISTS" % len(box))
        self.send("* 0 RECENT")
        if unseen:
            self.send("* OK [UNSEEN %d] first unseen" % unseen[0])
        self.send("* OK [UIDVALIDITY %d] UIDs valid" % self.server.uidvalidity)
        self.send("* OK [UIDNEXT %d] predicted next UID" % self.server.next_uids[name])
        self.send("%s OK [%s] %s completed" % (tag, "READ-ONLY" if verb == "EXAMINE"
                                               else "READ-WRITE", verb))

    def _matches(self, by_uid, spec):
        """[(seq, message)] of the selected mailbox in the set spec."""
        box = self.server._snapshot(self.selected)
        if not box:
            return []
        largest = box[-1][1][0] if by_uid else box[-1][0]
        return [(seq, m) for seq, m in box if _in_set(m[0] if by_uid else seq, spec, largest)]

    def do_search(self, tag, verb, args):
        if self._need_login(tag) or not self._need_selected(tag):
            return
        by_uid = verb.startswith("UID")
        words = _astrings(args)
        if [w.upper() for w in words[:2]] in (["CHARSET", "UTF-8"], ["CHARSET", "US-ASCII"]):
            words = words[2:]
        found = [m for _, m in self.server._snapshot(self.selected)]
        seqs = {id(m): seq for seq, m in self.server._snapshot(self.selected)}
        i = 0
        while i < len(words):
            word = words[i].upper()
            if word == "HEADER" and i + 2 < len(words):
                name, value = words[i + 1].lower(), words[i + 2].lower()
                found = [m for m in found if _header_has(m[1], name, value)]
                i += 2
            elif word == "ALL":
                pass
            elif word in ("SEEN", "UNSEEN"):
                found = [m for m in found if ("\\Seen" in m[2]) == (word == "SEEN")]
            elif word == "UID" and i + 1 < len(words):
                keep = {id(m) for _, m in self._matches(True, words[i + 1])}
                found = [m for m in found if id(m) in keep]
                i += 1
            elif re.fullmatch(r"[0-9*:,]+", word):
                keep = {id(m) for _, m in self._matches(False, word)}
                found = [m for m in found if id(m) in keep]
            else:
                return self.send(tag + " BAD unsupported search criterion " + word)
            i += 1
        numbers = [m[0] if by_uid else seqs[id(m)] for m in found]
        self.send("* SEARCH" + "".join(" %d" % n for n in numbers))
        self.send("%s OK %s completed" % (tag, verb))

    def _need_selected(self, tag):
        if not self.selected:
            self.send(tag + " BAD no mailbox selected")
            return False
        return True

    def do_fetch(self, tag, verb, args):
        if self._need_login(tag) or not self._need_selected(tag):
            return
        by_uid = verb.startswith("UID")
        spec, _, items_text = args.partition(" ")
        items = [i.upper() for i in _FETCH_ITEM.findall(items_text)]
        if not re.fullmatch(r"[0-9*:,]+", spec) or not items:
            return self.send(tag + " BAD bad FETCH arguments")
        if by_uid and "UID" not in items:
            items.insert(0, "UID")
        for seq, m in self._matches(by_uid, spec):
            self.send(self._fetch_one(seq, m, items))
        self.send("%s OK %s completed" % (tag, verb))

    def _fetch_one(self, seq, m, items):
        uid, raw, flags = m
        out = []
        for item in items:
            if item == "UID":
                out.append(b"UID %d" % uid)
            elif item == "FLAGS":
                out.append(("FLAGS (%s)" % " ".join(sorted(flags))).encode())
            elif item == "RFC822.SIZE":
                out.append(b"RFC822.SIZE %d" % len(raw))
            elif item.split("<")[0] in ("RFC822", "BODY[]", "BODY.PEEK[]", "BODY[HEADER]",
                                        "BODY.PEEK[HEADER]"):
                header = "HEADER" in item
                data = raw[:raw.find(b"\r\n\r\n") + 4] if header and b"\r\n\r\n" in raw else raw
                name = b"RFC822" if item == "RFC822" else (b"BODY[HEADER]" if header
                                                           else b"BODY[]")
                partial = re.search(r"<(\d+)\.(\d+)>", item)
                if partial:  # RFC 3501 6.4.5: the answer names only the origin
                    start, count = int(partial.group(1)), int(partial.group(2))
                    data = data[start:start + count]
                    name += b"<%d>" % start
                out.append(name + b" {%d}\r\n" % len(data) + data)
                if "PEEK" not in item and not header:
                    with self.server._lock:
                        flags.add("\\Seen")
        return b"* %d FETCH (" % seq + b" ".join(out) + b")\r\n"


def _header_has(raw, name, value):
    """True when a header field `name` of the message contains value (case-insensitive)."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").replace("\r\n ", " ")
    for line in head.split("\r\n"):
        field, _, text = line.partition(":")
        if field.strip().lower() == name and value in text.lower():
            return True
    return False


def wait_for_logins(server, count, timeout=20.0):
    """The server's logins once there are count of them."""
    deadline = time.monotonic() + timeout
    while len(server.logins) < count:
        if time.monotonic() > deadline:
            raise AssertionError("imapd saw %d logins, wanted %d" % (len(server.logins), count))
        time.sleep(0.05)
    return list(server.logins)
