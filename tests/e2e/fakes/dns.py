"""A fake authoritative DNS server speaking the real wire protocol (RFC 1035)
over UDP and TCP on one loopback port, for the email-verification tests.

    with FakeDns() as dns:
        dns.add("example.lgtest", "MX", (10, "mx.example.lgtest"))
        dns.add("mx.example.lgtest", "A", "127.0.0.2")
        dns.add("example.lgtest", "TXT", "v=spf1 -all")          # one string
        dns.add("example.lgtest", "TXT", ["v=spf1 ", "-all"])    # one record, two strings
        dns.add("nullmx.lgtest", "MX", (0, "."))                 # RFC 7505 null MX
        dns.servfail("broken.lgtest")
        env = {"LEADGEN_DNS_SERVERS": dns.address}

    dns.rebind("rebind.lgtest", None, "127.0.0.1")  # no address at first, then loopback

It answers every name: with its records; NODATA (NOERROR, no answer) when the
name exists, or has names below it, but not that type; NXDOMAIN otherwise.
A UDP answer larger than the client's EDNS payload size (512 without EDNS)
is sent truncated (TC) so that the client retries over TCP. Every query is
logged as (name, type, transport). Independent of src/: a parser bug cannot
hide itself in the fake that tests it. Standard library only.
"""
import socket
import struct
import threading

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "OPT": 41}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
NOERROR, SERVFAIL, NXDOMAIN = 0, 2, 3


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
            out += bytes([len(raw)]) + raw
    return out + b"\x00"


def read_name(msg, pos):
    """(name, position after it) for an uncompressed or compressed name."""
    labels, jumped, end = [], False, pos
    for _ in range(128):
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            if not jumped:
                end = pos + 2
            pos = ((length & 0x3F) << 8) | msg[pos + 1]
            jumped = True
            continue
        pos += 1
        if length == 0:
            break
        labels.append(msg[pos:pos + length].decode("ascii", "replace"))
        pos += length
    return ".".join(labels), (end if jumped else pos)


def encode_rdata(rtype, value):
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == "MX":
        preference, host = value
        return struct.pack("!H", preference) + encode_name(host)
    if rtype == "CNAME":
        return encode_name(value)
    if rtype == "TXT":
        strings = [value] if isinstance(value, str) else list(value)
        out = b""
        for s in strings:
            raw = s.encode("utf-8")
            for i in range(0, max(len(raw), 1), 255):
                chunk = raw[i:i + 255]
                out += bytes([len(chunk)]) + chunk
        return out
    raise ValueError("unsupported type %s" % rtype)


class FakeDns:
    def __init__(self, host="127.0.0.1", port=0):
        self.host = host
        self.fixed_port = port   # 0: any free port (53 for a resolv.conf, which has no port)
        self.records = {}        # name -> [(type, value)]
        self.rebinding = {}      # name -> [first A address, every later one] (DNS rebinding)
        self.failing = set()     # names answered SERVFAIL
        self.queries = []        # (name, type name, "udp"|"tcp")
        self.lock = threading.Lock()
        self.stopping = False
        self.threads = []

    # -- zone

    def add(self, name, rtype, value):
        self.records.setdefault(name.lower().rstrip("."), []).append((rtype, value))

    def rebind(self, name, first, then):
        """Answers the first A query for name with `first` (None: no address) and every
        later one with `then`, TTL 0: a name that passes a check, then points elsewhere."""
        self.rebinding[name.lower().rstrip(".")] = [first, then]

    def servfail(self, name):
        """SERVFAIL for name and every name below it."""
        self.failing.add(name.lower().rstrip("."))

    def exists(self, name):
        if name in self.records:
            return True
        suffix = "." + name
        return any(n.endswith(suffix) for n in self.records)

    # -- log

    def count(self, name=None, rtype=None, transport=None):
        with self.lock:
            return sum(1 for n, t, tr in self.queries
                       if (name is None or n == name.lower()) and (rtype is None or t == rtype)
                       and (transport is None or tr == transport))

    def clear(self):
        with self.lock:
            self.queries.clear()

    # -- protocol

    def answer(self, query, transport):
        """The response to one query message, or None for garbage."""
        if len(query) < 12:
            return None
        qid, flags, qdcount, _, _, arcount = struct.unpack("!HHHHHH", query[:12])
        if qdcount != 1:
            return None
        name, pos = read_name(query, 12)
        qtype, _qclass = struct.unpack("!HH", query[pos:pos + 4])
        question = query[12:pos + 4]
        payload = 512
        if arcount and len(query) > pos + 4 + 10:
            _, opt_pos = read_name(query, pos + 4)
            otype, oclass = struct.unpack("!HH", query[opt_pos:opt_pos + 4])
            if otype == TYPES["OPT"]:
                payload = max(512, oclass)
        lname = name.lower()
        tname = TYPE_NAMES.get(qtype, str(qtype))
        with self.lock:
            self.queries.append((lname, tname, transport))
        answers, rcode, ttl = [], NOERROR, 300
        if lname in self.rebinding:
            ttl, pair = 0, self.rebinding[lname]
            with self.lock:
                seen = sum(1 for n, t, _ in self.queries if n == lname and t == "A")
            address = pair[0] if seen == 1 else pair[1]
            answers = [("A", address)] if tname == "A" and address else []
        elif any(lname == f or lname.endswith("." + f) for f in self.failing):
            rcode = SERVFAIL
        elif not self.exists(lname):
            rcode = NXDOMAIN
        else:
            answers = [(t, v) for t, v in self.records.get(lname, []) if t == tname]
        body = b""
        for rtype, value in answers:
            rdata = encode_rdata(rtype, value)
            body += b"\xc0\x0c" + struct.pack("!HHIH", TYPES[rtype], 1, ttl, len(rdata)) + rdata
        rd = flags & 0x0100
        out_flags = 0x8000 | 0x0400 | rd | 0x0080 | rcode   # QR, AA, RD as asked, RA
        message = struct.pack("!HHHHHH", qid, out_flags, 1, len(answers), 0, 0) + question + body
        if transport == "udp" and len(message) > payload:
            message = struct.pack("!HHHHHH", qid, out_flags | 0x0200, 1, 0, 0, 0) + question
        return message

    # -- servers

    def _bind(self):
        """UDP and TCP on one free port (a few tries: the TCP port may be taken)."""
        for _ in range(20):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((self.host, self.fixed_port))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind((self.host, self.port))
                self.tcp.listen(16)
                return
            except OSError:
                self.udp.close()
                self.tcp.close()
        raise AssertionError("no port free for both UDP and TCP")

    def __enter__(self):
        self._bind()
        for sock in (self.udp, self.tcp):
            sock.settimeout(0.2)
        for target in (self.serve_udp, self.serve_tcp):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def __exit__(self, *exc):
        self.stopping = True
        for t in self.threads:
            t.join(timeout=5)
        self.udp.close()
        self.tcp.close()
        return False

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    def serve_udp(self):
        while not self.stopping:
            try:
                query, peer = self.udp.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                reply = self.answer(query, "udp")
            except (IndexError, struct.error, ValueError):
                reply = None
            if reply:
                self.udp.sendto(reply, peer)

    def serve_tcp(self):
        while not self.stopping:
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.serve_tcp_conn, args=(conn,), daemon=True).start()

    def serve_tcp_conn(self, conn):
        conn.settimeout(5)
        buf = b""
        try:
            while not self.stopping:
                while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                    data = conn.recv(4096)
                    if not data:
                        return
                    buf += data
                n = struct.unpack("!H", buf[:2])[0]
                query, buf = buf[2:2 + n], buf[2 + n:]
                reply = self.answer(query, "tcp")
                if reply:
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
        except (OSError, IndexError, struct.error, ValueError):
            pass
        finally:
            conn.close()
