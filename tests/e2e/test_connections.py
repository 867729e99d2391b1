"""Connection handling: 1,000 open connections at once, and slow clients
timing out (LEADGEN_CLIENT_TIMEOUT)."""
import resource
import socket
import time

from lib import Server, assert_success, send, eq

OPEN_CONNECTIONS = 1000


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def get_on_socket(sock, s):
    """A keep-alive GET projects.php written by hand on an open socket; the status."""
    request = ("GET /api/v1/projects.php?api_key=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
               % s.key).encode()
    sock.sendall(request)
    data = b""
    deadline = time.monotonic() + 30
    while b"\r\n\r\n" not in data and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    status_line = head.split(b"\r\n")[0].split()
    return int(status_line[1]) if len(status_line) > 1 else None


def test_thousand_open_connections():
    raise_fd_limit(OPEN_CONNECTIONS + 256)
    with Server() as s:
        s.create_project("Busy")
        socks = []
        try:
            for _ in range(OPEN_CONNECTIONS):
                socks.append(socket.create_connection(("127.0.0.1", s.port), timeout=30))
            # Each connection is accepted and served: make a request on a sample
            # of them (first, last and spread across), then on a fresh one.
            sample = socks[::50] + socks[-3:]
            statuses = [get_on_socket(sock, s) for sock in sample]
            eq(statuses, [200] * len(sample))
            conn = s.connect()
            try:
                r = send(conn, "GET", "/api/v1/projects.php?api_key=" + s.key)
                eq([p["name"] for p in assert_success(r)["projects"]], ["Busy"])
            finally:
                conn.close()
            # Still held open, the sample answers a second request too.
            statuses = [get_on_socket(sock, s) for sock in sample[:5]]
            eq(statuses, [200] * 5)
        finally:
            for sock in socks:
                sock.close()
        assert_success(s.get("/healthz", key=None))


def test_slow_client_is_disconnected():
    with Server(env={"LEADGEN_CLIENT_TIMEOUT": 2}) as s:
        with socket.create_connection(("127.0.0.1", s.port), timeout=15) as sock:
            sock.sendall(b"GET /api/v1/projects.php?api_key=")  # and then nothing
            try:
                data = sock.recv(4096)
            except socket.timeout:
                raise AssertionError("the server kept a silent client for 15 s "
                                     "with LEADGEN_CLIENT_TIMEOUT=2")
            except ConnectionResetError:
                data = b""
            assert data == b"" or data.startswith(b"HTTP/1.1 4"), data
        # The server is still fine afterwards.
        assert_success(s.get("/healthz", key=None))


def test_idle_keep_alive_connection_is_closed():
    with Server(env={"LEADGEN_CLIENT_TIMEOUT": 2}) as s:
        with socket.create_connection(("127.0.0.1", s.port), timeout=15) as sock:
            eq(get_on_socket(sock, s), 200)
            try:
                data = sock.recv(4096)  # idle after a complete exchange
            except socket.timeout:
                raise AssertionError("idle keep-alive connection kept past the client timeout")
            except ConnectionResetError:
                data = b""
            assert data == b"", data


def test_slow_body_is_disconnected():
    with Server(env={"LEADGEN_CLIENT_TIMEOUT": 2}) as s:
        with socket.create_connection(("127.0.0.1", s.port), timeout=15) as sock:
            sock.sendall(("POST /api/v1/projects.php?api_key=%s HTTP/1.1\r\nHost: x\r\n"
                          "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                          '{"name": "Never fin' % s.key).encode())
            try:
                data = sock.recv(4096)
            except socket.timeout:
                raise AssertionError("a client stuck mid-body was kept for 15 s")
            except ConnectionResetError:
                data = b""
            assert not data.startswith(b"HTTP/1.1 2"), data
        eq(s.project_names(), [])


def test_trickling_client_is_disconnected():
    """A client that sends its request line one byte at a time, each within the
    idle timeout, must still not hold a connection for ever (slowloris)."""
    timeout = 2
    with Server(env={"LEADGEN_CLIENT_TIMEOUT": timeout}) as s:
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + b"a" * 1000
        with socket.create_connection(("127.0.0.1", s.port), timeout=15) as sock:
            started = time.monotonic()
            closed = False
            for byte in request:  # bounded: one byte per 0.5 s, for at most 5 timeouts
                if time.monotonic() - started > 5 * timeout:
                    break
                try:
                    sock.sendall(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                time.sleep(0.5)
            assert closed, ("a client trickling a request line was kept %.0f s with "
                            "LEADGEN_CLIENT_TIMEOUT=%d" % (time.monotonic() - started, timeout))
        assert_success(s.get("/healthz", key=None))
