"""A fake licence service for LEADGEN_AUTH_URL, speaking the contract in
src/core/auth.h:

    POST {"api_key": K}
      -> 200 {"valid": true, "email": E, "credits": N}   for a key it knows
      -> 200 {"valid": false}  (or 401, see unknown_status) for any other key

It records every request, and can be told to answer every request with a
given status (fail_with), to hold the answer for one key until released
(hold) or for a number of seconds (delay), or to stop listening (stop).

    with LicenceService() as lic:
        lic.add_key("k1", "a@example.com", 25)
        ... LEADGEN_AUTH_URL=lic.url ...
        assert lic.keys_asked() == ["k1"]
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from fakes import serve_in_thread


class _Server(ThreadingHTTPServer):
    """A backlog of 5 (the default) drops SYNs under concurrent clients, whose
    retries then wait a second: keep it large, like a real server."""
    request_queue_size = 128
    daemon_threads = True


MAX_HOLD = 20.0  # seconds a held answer waits for release at most


class LicenceService:
    def __init__(self):
        self.keys = {}            # api_key -> (email, credits)
        self.unknown_status = 200  # 200 answers {"valid": false}; 401/403/404 answer that status
        self.fail_status = None   # when set, every request gets this status and an error body
        self.delays = {}          # api_key -> seconds to sleep before answering
        self.holds = {}           # api_key -> Event the answer waits for
        self.requests = []        # [{"path", "headers", "body", "json"}], in arrival order
        self._arrived = threading.Condition()
        self._httpd = None
        self._thread = None

    # -- set-up

    def add_key(self, key, email, credits):
        self.keys[key] = (email, credits)

    def fail_with(self, status):
        self.fail_status = status

    def delay(self, key, seconds):
        self.delays[key] = seconds

    def hold(self, key):
        """Answers for key wait until the returned Event is set (or MAX_HOLD passes)."""
        event = threading.Event()
        self.holds[key] = event
        return event

    # -- what was asked

    def keys_asked(self):
        with self._arrived:
            return [r["json"].get("api_key") if isinstance(r["json"], dict) else None
                    for r in self.requests]

    def wait_for_key(self, key, count=1, timeout=20.0):
        """True once `count` requests for key have arrived (bounded wait)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while self.keys_asked().count(key) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
            return True

    # -- lifecycle

    @property
    def url(self):
        return "http://127.0.0.1:%d/licence/check" % self.port

    def start(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                service._handle(self)

            def log_message(self, fmt, *args):
                pass  # keep the test output clean

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = serve_in_thread(self._httpd)
        return self

    def stop(self):
        """Stops listening: connections to url are refused from now on."""
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=10)
            self._httpd = None
        for event in self.holds.values():  # never leave a handler waiting
            event.set()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- the handler

    def _handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            doc = None
        with self._arrived:
            self.requests.append({"path": h.path, "headers": dict(h.headers.items()),
                                  "body": raw, "json": doc})
            self._arrived.notify_all()
        key = doc.get("api_key") if isinstance(doc, dict) else None
        if key in self.holds:
            self.holds[key].wait(MAX_HOLD)
        if key in self.delays:
            time.sleep(self.delays[key])
        status, answer = self._verdict(key)
        self._reply(h, status, answer)

    def _verdict(self, key):
        if self.fail_status is not None:
            return self.fail_status, {"error": "licence backend failure"}
        if key in self.keys:
            email, credits = self.keys[key]
            return 200, {"valid": True, "email": email, "credits": credits}
        if self.unknown_status != 200:
            return self.unknown_status, {"valid": False}
        return 200, {"valid": False}

    @staticmethod
    def _reply(h, status, answer):
        body = json.dumps(answer).encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. leadgen's own timeout)
