"""Local fixture websites for crawler tests, served on one loopback port and
told apart by the Host header (leadgen reaches them through LEADGEN_RESOLVE
pins). Each site is a dict path -> (status, headers, body); every request is
recorded as (host, path).

    with Sites() as sites:
        sites.add("acme-plumbing.com", {"/": page("...")})
        env = sites.env("acme-plumbing.com")   # LEADGEN_RESOLVE + private targets allowed

A held site (sites.hold(host)) answers nothing until sites.release(host), so a
test can keep crawls in flight for as long as it needs without timing;
sites.holding(host) counts the requests waiting there.
"""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from fakes import serve_in_thread

HOLD_LIMIT = 120  # seconds a held request waits at most, so a failed test cannot hang


class _Server(ThreadingHTTPServer):
    """A backlog of 5 (the default) drops SYNs under concurrent clients, whose
    retries then wait a second: keep it large, like a real server."""
    request_queue_size = 128
    daemon_threads = True



def page(body, title="Page", status=200, charset="utf-8", content_type="text/html"):
    html = "<html><head><title>%s</title></head><body>%s</body></html>" % (title, body)
    data = html.encode(charset)
    return (status, {"Content-Type": "%s; charset=%s" % (content_type, charset)}, data)


def raw(status, content_type, data):
    return (status, {"Content-Type": content_type}, data)


def redirect(location, status=301):
    return (status, {"Location": location}, b"")


class Sites:
    def __init__(self, delay=0.0, bind=("127.0.0.1", 0)):
        self.bind = bind  # (address, port): port 80 lets a bare domain's crawl reach it
        self.sites = {}
        self.requests = []
        self.delay = delay
        self.host_delays = {}  # host -> seconds every answer of that host waits
        self.gates = {}        # host -> threading.Event its answers wait for
        self.held = {}         # host -> requests waiting at its gate now
        self._lock = threading.Lock()

    def add(self, host, pages):
        self.sites[host] = pages

    def hold(self, host):
        self.gates[host] = threading.Event()

    def release(self, host):
        self.gates[host].set()

    def holding(self, host):
        with self._lock:
            return self.held.get(host, 0)

    def paths(self, host):
        with self._lock:
            return [p for h, p in self.requests if h == host]

    def clear(self):
        with self._lock:
            self.requests.clear()

    def url(self, host, path="/"):
        return "http://%s:%d%s" % (host, self.port, path)

    def env(self, *extra_hosts):
        hosts = list(self.sites) + list(extra_hosts)
        pins = ",".join("%s:%d:127.0.0.1" % (h, self.port) for h in hosts)
        return {"LEADGEN_RESOLVE": pins, "LEADGEN_ALLOW_PRIVATE_TARGETS": "1"}

    def __enter__(self):
        sites = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                with sites._lock:
                    sites.requests.append((host, self.path))
                gate = sites.gates.get(host)
                if gate is not None:
                    with sites._lock:
                        sites.held[host] = sites.held.get(host, 0) + 1
                    gate.wait(HOLD_LIMIT)
                    with sites._lock:
                        sites.held[host] -= 1
                wait = sites.host_delays.get(host, sites.delay)
                if wait:
                    time.sleep(wait)
                pages = sites.sites.get(host, {})
                status, headers, body = pages.get(self.path, (404, {"Content-Type": "text/html"},
                                                               b"<html>Not found</html>"))
                if callable(body):
                    body = body(sites)
                if isinstance(headers.get("Location"), str) and "{port}" in headers["Location"]:
                    headers = dict(headers, Location=headers["Location"].replace(
                        "{port}", str(sites.port)))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._httpd = _Server(self.bind, Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        serve_in_thread(self._httpd)
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        return False
