"""A SOCKS5 relay on loopback (RFC 1928 CONNECT, RFC 1929 username/password),
Python standard library only and independent of src/. Outbound connections
leave from `source` (another loopback address), so a server behind it can
tell a relayed connection from a direct one.

    with Socks5Relay(source="127.0.0.99", user="u", password="p") as relay:
        relay.url                # socks5://u:p@127.0.0.1:PORT
        relay.requests           # [("127.0.0.2", 2525), ...]: CONNECT targets
"""
import socket
import struct
import threading


class Socks5Relay:
    def __init__(self, source="127.0.0.99", user=None, password=None):
        self.source, self.user, self.password = source, user, password
        self.requests = []
        self.refused_auth = 0
        self.lock = threading.Lock()
        self.stopping = False

    @property
    def url(self):
        auth = "%s:%s@" % (self.user, self.password) if self.user else ""
        return "socks5://%s127.0.0.1:%d" % (auth, self.port)

    def __enter__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping = True
        self.thread.join(timeout=5)
        self.listener.close()
        return False

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("client closed")
            data += chunk
        return data

    def _handshake(self, conn):
        version, nmethods = self._read(conn, 2)
        methods = self._read(conn, nmethods)
        assert version == 5, version
        wanted = 2 if self.user else 0
        if wanted not in methods:
            conn.sendall(b"\x05\xff")
            return None
        conn.sendall(bytes([5, wanted]))
        if self.user:
            ver, ulen = self._read(conn, 2)
            user = self._read(conn, ulen).decode()
            plen = self._read(conn, 1)[0]
            password = self._read(conn, plen).decode()
            ok = ver == 1 and user == self.user and password == self.password
            conn.sendall(b"\x01\x00" if ok else b"\x01\x01")
            if not ok:
                with self.lock:
                    self.refused_auth += 1
                return None
        ver, cmd, _, atyp = self._read(conn, 4)
        if atyp == 1:
            family, host = socket.AF_INET, socket.inet_ntop(socket.AF_INET, self._read(conn, 4))
        elif atyp == 4:
            family, host = socket.AF_INET6, socket.inet_ntop(socket.AF_INET6, self._read(conn, 16))
        else:  # names are refused: leadgen must send the address it resolved
            conn.sendall(b"\x05\x08\x00\x01" + bytes(6))
            return None
        port = struct.unpack("!H", self._read(conn, 2))[0]
        with self.lock:
            self.requests.append((host, port))
        if cmd != 1:
            conn.sendall(b"\x05\x07\x00\x01" + bytes(6))
            return None
        upstream = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET:
            upstream.bind((self.source, 0))
        try:
            upstream.settimeout(5)
            upstream.connect((host, port))
        except OSError:
            upstream.close()
            conn.sendall(b"\x05\x05\x00\x01" + bytes(6))
            return None
        bound = upstream.getsockname()
        reply = b"\x05\x00\x00\x01" + socket.inet_aton(bound[0]) + struct.pack("!H", bound[1])
        conn.sendall(reply)
        return upstream

    def _serve(self, conn):
        upstream = None
        try:
            conn.settimeout(30)
            upstream = self._handshake(conn)
            if upstream is None:
                return
            upstream.settimeout(30)
            pump = threading.Thread(target=self._pump, args=(upstream, conn), daemon=True)
            pump.start()
            self._pump(conn, upstream)
            pump.join(timeout=30)
        except (OSError, ConnectionError, AssertionError, ValueError):
            pass
        finally:
            conn.close()
            if upstream is not None:
                upstream.close()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
