"""Helpers for the end-to-end tests: start the real `leadgen serve` on a free
loopback port with a fresh store, talk to it over HTTP, run its admin CLI.

Python 3 standard library only. Every wait here is bounded in time.
"""
import ctypes
import http.client
import json
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

# Set by run.py from --bin; tests may also pass bin= explicitly.
BIN = None

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.abspath(os.path.join(REPO, "..", "shared", "fixtures"))

START_TIMEOUT = 20.0   # seconds for `serve` to answer /healthz
STOP_TIMEOUT = 20.0    # seconds for `serve` to exit after SIGTERM
HTTP_TIMEOUT = 30.0    # per request; generous for sanitizer builds

# Text a sanitizer prints when it finds something; any of it fails the test.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

# Leave proxies out of every child: all traffic here is loopback.
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
              "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")

DEFAULT = object()  # "use the server's first-user key"


class Skip(Exception):
    """Raised by a test that cannot run here (counted as skipped, not failed)."""


# LEADGEN_E2E_DB: the store each Server without db= gets, as a template where
# {dir} is its temp dir and {n} a number unique to the run, e.g.
# postgresql://leadgen@127.0.0.1:5432/leadgen?options=-csearch_path%3De2e_{n}
# (the PostgreSQL backend creates a search_path schema that does not exist).
# Unset: a fresh SQLite file per server.
E2E_DB = os.environ.get("LEADGEN_E2E_DB", "")
_store_seq = itertools.count(1)


def fresh_store_url(tmp):
    """A store URL for a new server whose temp dir is tmp."""
    if not E2E_DB:
        return os.path.join(tmp, "leadgen.db")
    n = "%d_%d" % (os.getpid(), next(_store_seq))
    return E2E_DB.replace("{dir}", tmp).replace("{n}", n)


def pg_key_file(db):
    """The sealing key file of a PostgreSQL store (which has no default beside
    it): one per store URL, so every server and CLI on that store shares it."""
    import hashlib
    folder = os.path.join(tempfile.gettempdir(), "leadgen-e2e-keys")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, hashlib.sha1(db.encode()).hexdigest()[:16] + ".key")


def on_postgres():
    return E2E_DB.startswith(("postgres://", "postgresql://"))


def _sql_literal(v):
    if isinstance(v, (int, float)):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def store_sql(db, sql, params=()):
    """Runs one statement (SQLite ? placeholders) on the store db, SQLite file
    or PostgreSQL URL, and returns its rows as tuples (numbers as int); lets a
    test set up or inspect what the API cannot reach, on either backend."""
    if not db.startswith(("postgres://", "postgresql://")):
        import sqlite3
        conn = sqlite3.connect(db)
        try:
            rows = conn.execute(sql, params).fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()
    parts = sql.split("?")
    assert len(parts) == len(params) + 1, "one parameter per ?"
    text = parts[0] + "".join(_sql_literal(v) + rest for v, rest in zip(params, parts[1:]))
    out = subprocess.run(["psql", db, "-AtX", "-v", "ON_ERROR_STOP=1", "-F", "\t", "-c", text],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    rows = []
    for line in out.stdout.splitlines():
        if line.startswith(("UPDATE ", "INSERT ", "DELETE ")):
            continue
        rows.append(tuple(int(f) if f.lstrip("-").isdigit() else f for f in line.split("\t")))
    return rows


def require_sqlite(why="reads the SQLite file directly"):
    """Skips a test that inspects the store file itself when the suite runs on PostgreSQL."""
    if on_postgres():
        raise Skip("SQLite only: " + why)


def fixtures_dir(*parts):
    """Path under ../shared/fixtures, or Skip when that tree is absent."""
    path = os.path.join(FIXTURES, *parts)
    if not os.path.exists(path):
        raise Skip("fixtures not found: %s" % path)
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def all_at_once(calls, timeout=120):
    """Runs the callables in threads released together; their results in order, an
    exception standing for a call that raised one (the caller reports it)."""
    results = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def one(i):
        try:
            gate.wait(timeout)
            results[i] = calls[i]()
        except Exception as e:  # handed to the caller
            results[i] = e
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a parallel call did not finish"
    return results


def probe_env(dns, smtp, helo="probe.lgtest", mail_from="bounces@probe.lgtest"):
    """What points a server's mailbox probes at a FakeDns and an SmtpFarm, with short
    timeouts (the verify, find and domain tests)."""
    return {"LEADGEN_DNS_SERVERS": dns.address, "LEADGEN_SMTP_PROBE_PORT": smtp.port,
            "LEADGEN_SMTP_HELO": helo, "LEADGEN_SMTP_FROM": mail_from,
            "LEADGEN_SMTP_TIMEOUT": "3", "LEADGEN_SMTP_CONNECT_TIMEOUT": "2",
            "LEADGEN_DNS_TIMEOUT": "1"}


def listens_on(pid, port):
    """True when process pid holds the socket listening on loopback port: a port picked
    free may be bound by another test's server first, whose /healthz must not pass for
    ours (Linux: /proc/net/tcp names the socket's inode, /proc/PID/fd the process's)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add("socket:[%s]" % cols[9])
    fd_dir = "/proc/%d/fd" % pid
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(os.path.join(fd_dir, fd)) in inodes:
                return True
        except OSError:
            pass
    return False


def wait_until(pred, timeout, interval=0.05):
    """Polls pred() until it returns something truthy; returns it, or None at timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def _die_with_parent():
    """preexec_fn: the child gets SIGTERM if the test runner dies, so no server
    outlives a crashed or killed run. (Linux: PR_SET_PDEATHSIG = 1.)"""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass


def child_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in PROXY_VARS and not k.startswith("LEADGEN_")}
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def sanitizer_report(text):
    """The sanitizer report in text, from its first marker line, or None."""
    positions = [text.find(m) for m in SANITIZER_MARKERS if m in text]
    if not positions:
        return None
    start = text.rfind("\n", 0, min(positions)) + 1
    return text[start:start + 6000]


def assert_no_sanitizer_report(text, what):
    report = sanitizer_report(text)
    if report:
        raise AssertionError("sanitizer report in %s:\n%s" % (what, report))


# ---- the admin CLI ------------------------------------------------------------

def cli(bin, *args, env=None, timeout=60):
    """Runs `leadgen ARGS...` with env (LEADGEN_DB etc.); returns CompletedProcess
    with text stdout/stderr. Fails on a sanitizer report, whatever the exit code."""
    proc = subprocess.run([bin] + [str(a) for a in args], env=child_env(env),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, preexec_fn=_die_with_parent)
    proc.stdout = proc.stdout.decode("utf-8", "replace")
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    assert_no_sanitizer_report(proc.stderr, "leadgen %s stderr" % " ".join(map(str, args)))
    return proc


def last_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


# ---- HTTP -------------------------------------------------------------------------

class Response:
    """status, headers (http.client.HTTPMessage), json (parsed body or None), body (bytes).
    Unpacks as (status, headers, json)."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            self.json = None

    def __iter__(self):
        return iter((self.status, self.headers, self.json))

    def __repr__(self):
        return "Response(%d, %r)" % (self.status, self.body[:300])


def encode_body(body):
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def build_url(path, params=None, raw_query=None):
    """'projects.php' -> '/api/v1/projects.php'; absolute paths are kept.
    raw_query is appended as-is (for deliberately malformed encodings)."""
    if not path.startswith("/"):
        path = "/api/v1/" + path
    parts = []
    if params:
        parts.append(urllib.parse.urlencode(params))
    if raw_query:
        parts.append(raw_query)
    return path + ("?" + "&".join(parts) if parts else "")


def send(conn, method, url, body=None, headers=None):
    """One request on an http.client connection; returns a Response."""
    headers = dict(headers or {})
    data = encode_body(body)
    if data is not None:
        headers.setdefault("Content-Type", "application/json")
    conn.request(method, url, body=data, headers=headers)
    resp = conn.getresponse()
    return Response(resp.status, resp.headers, resp.read())


# ---- the server -------------------------------------------------------------------

class Server:
    """`leadgen serve` on a free loopback port with a fresh store in a temp dir.

        with Server() as s:
            status, headers, data = s.get("projects.php")  # data: the parsed JSON

    s.key is the first user's API key (printed by the first start). On exit the
    server gets SIGTERM; the test fails if it does not exit cleanly or printed a
    sanitizer report.
    """

    def __init__(self, env=None, bin=None, db=None, check_exit=True, args=()):
        self.bin = os.path.abspath(bin or BIN)
        self.args = list(args)  # after `serve`, e.g. ["--no-scheduler"]
        self.extra_env = dict(env or {})
        self.db_path = db
        self.check_exit = check_exit
        self.proc = None
        self.terminated = False
        self.tmp = None
        self.key = None
        self.port = None
        self._local = threading.local()  # one keep-alive connection per thread

    # -- lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.stop()
            # A test that already failed has its own message; a sanitizer report
            # is still worth adding, a non-zero exit code is not.
            self.check_clean_exit(exit_code=exc_type is None)
        finally:
            if self.tmp:
                shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    @property
    def env(self):
        """The environment `serve` runs with (also used for CLI commands)."""
        env = {"LEADGEN_LISTEN": "127.0.0.1:%d" % self.port, "LEADGEN_DB": self.db_path}
        if self.db_path.startswith(("postgres://", "postgresql://")):
            env["LEADGEN_SECRET_FILE"] = pg_key_file(self.db_path)
        env.update(self.extra_env)
        return env

    def start(self):
        # A port picked free can be taken before the server binds it: retry a
        # few times, each with a fresh temp dir (the first start writes the store).
        auto_db = self.db_path is None
        for attempt in range(3):
            self.tmp = tempfile.mkdtemp(prefix="leadgen-e2e-")
            if auto_db:
                self.db_path = fresh_store_url(self.tmp)
            self.port = free_port()
            self._spawn()
            if self._wait_healthy():
                self.key = self._first_user_key()
                return
            if self.proc.poll() is None or "cannot listen" not in self.stderr_text():
                self._abandon()
                message = ("leadgen serve did not become healthy within %ss (exit %s):\n%s"
                           % (START_TIMEOUT, self.proc.returncode, self.stderr_text()[-3000:]))
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise AssertionError(message)
            shutil.rmtree(self.tmp, ignore_errors=True)
        raise AssertionError("leadgen serve could not bind a free port in 3 attempts")

    def _abandon(self):
        """Kills a server that failed to start (its stderr stays readable)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)

    def _spawn(self):
        self.out_path = os.path.join(self.tmp, "stdout.txt")
        self.err_path = os.path.join(self.tmp, "stderr.txt")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([self.bin, "serve"] + self.args, env=child_env(self.env),
                                         stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         cwd=self.tmp, preexec_fn=_die_with_parent)

    def _wait_healthy(self):
        def healthy():
            if self.proc.poll() is not None:
                return "exited"
            if not listens_on(self.proc.pid, self.port):
                return None  # not bound yet, or another server holds the port (we will exit)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                try:
                    return send(conn, "GET", "/healthz").status == 200 and "ok"
                finally:
                    conn.close()
            except OSError:
                return None
        return wait_until(healthy, START_TIMEOUT, interval=0.01) == "ok"

    def _first_user_key(self):
        """The key is alone on the last stdout line printed before listening
        (only a fresh store prints one; None when reusing a store)."""
        line = last_line(self.stdout_text())
        return line if line and " " not in line else None

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        self.terminated = True
        self.close_connections()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
            raise AssertionError("leadgen serve did not exit within %ss of SIGTERM"
                                 % STOP_TIMEOUT)

    def check_clean_exit(self, exit_code=True):
        if not self.proc:
            return
        assert_no_sanitizer_report(self.stderr_text(), "server stderr")
        if exit_code and self.check_exit and self.proc.returncode != 0:
            when = "after SIGTERM" if self.terminated else "before the test ended (a crash?)"
            raise AssertionError("leadgen serve exited with %s %s; stderr tail:\n%s"
                                 % (self.proc.returncode, when, self.stderr_text()[-3000:]))

    # -- output

    def stdout_text(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr_text(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_entries(self):
        """The access log: stderr lines that are JSON objects."""
        entries = []
        for line in self.stderr_text().splitlines():
            if line.startswith("{"):
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    pass
        return entries

    def wait_log(self, request_id, timeout=10):
        """The access-log entry for request_id; the server writes it just after
        the response, so it may lag the client by a moment."""
        def find():
            for e in self.log_entries():
                if e.get("request_id") == request_id:
                    return e
            return None
        return wait_until(find, timeout)

    # -- CLI against this server's store

    def cli(self, *args, env=None):
        merged = dict(self.env)
        merged.update(env or {})
        return cli(self.bin, *args, env=merged)

    def add_user(self, email, credits=None):
        """`user add` -> the new user's API key."""
        args = ["user", "add", email] + (["--credits", credits] if credits is not None else [])
        proc = self.cli(*args)
        assert proc.returncode == 0, "user add failed: %s" % proc.stderr
        return last_line(proc.stdout)

    def balance(self, email):
        """The balance, read with `credits add EMAIL 0` (which prints it)."""
        proc = self.cli("credits", "add", email, 0)
        assert proc.returncode == 0, "credits add failed: %s" % proc.stderr
        return int(last_line(proc.stdout))

    # -- HTTP

    def connect(self, timeout=HTTP_TIMEOUT):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def close_connections(self):
        conn = getattr(self._local, "conn", None)
        if conn:
            conn.close()
            self._local.conn = None

    def request(self, method, path, params=None, body=None, key=DEFAULT, raw_query=None,
                headers=None, conn=None):
        """Sends one request. key=DEFAULT adds the first user's api_key, key=None
        sends none. Without conn, a per-thread keep-alive connection is used."""
        params = dict(params or {})
        if key is DEFAULT:
            key = self.key
        if key is not None:
            params = dict([("api_key", key)] + list(params.items()))
        url = build_url(path, params, raw_query)
        try:
            if conn is not None:
                return send(conn, method, url, body, headers)
            return self._send_keepalive(method, url, body, headers)
        except (OSError, http.client.HTTPException) as e:
            self._raise_if_dead("%s %s" % (method, build_url(path)[:100]), e)
            raise

    def _raise_if_dead(self, what, error):
        """Turns a connection error into a clear failure when the server crashed."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return
        raise AssertionError("leadgen serve died (exit %s) during %s: %r\nstderr tail:\n%s"
                             % (code, what, error, self.stderr_text()[-3000:]))

    def _send_keepalive(self, method, url, body, headers):
        conn = getattr(self._local, "conn", None)
        reused = conn is not None
        if not reused:
            conn = self._local.conn = self.connect()
        try:
            return send(conn, method, url, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            self._local.conn = None
            if not reused:
                raise
            # The server closed an idle keep-alive connection before reading
            # this request: resend once on a fresh connection.
            self._local.conn = self.connect()
            return send(self._local.conn, method, url, body, headers)

    def get(self, path, key=DEFAULT, **params):
        return self.request("GET", path, params=params, key=key)

    def post(self, path, body, params=None, key=DEFAULT):
        return self.request("POST", path, params=params, body=body, key=key)

    def put(self, path, body, params=None, key=DEFAULT):
        return self.request("PUT", path, params=params, body=body, key=key)

    # -- shortcuts used by many tests

    def create_project(self, name, key=DEFAULT):
        r = self.post("projects.php", {"name": name}, key=key)
        assert r.status == 200, r
        return r.json["data"]["id"]

    def project_names(self, key=DEFAULT):
        r = self.get("projects.php", key=key)
        assert r.status == 200, r
        return sorted(p["name"] for p in r.json["data"]["projects"])

    def leads(self, project_id, key=DEFAULT, **params):
        r = self.get("leads.php", key=key, project_id=project_id, **params)
        assert r.status == 200, r
        return r.json["data"]

    def add_leads(self, project_id, leads, key=DEFAULT):
        return self.post("leads.php", {"project_id": project_id, "leads": leads}, key=key)


# ---- assertions ---------------------------------------------------------------------

def assert_error(resp, status, code, names=None):
    """resp is the reference's error envelope, exactly, with this status and code;
    names (a string or list) must each appear in the message."""
    assert resp.status == status, "expected %d %s, got %r" % (status, code, resp)
    assert resp.json is not None, "error body is not JSON: %r" % resp
    assert set(resp.json) == {"status", "code", "message"}, resp.json
    assert resp.json["status"] == "error", resp.json
    assert resp.json["code"] == code, resp.json
    message = resp.json["message"]
    assert isinstance(message, str) and message, resp.json
    for name in ([names] if isinstance(names, str) else names or []):
        assert name in message, "message %r does not name %r" % (message, name)


def assert_success(resp):
    """resp is a 200 success envelope; returns its data."""
    assert resp.status == 200, resp
    assert resp.json is not None, resp
    assert set(resp.json) == {"status", "credits_used", "data"}, resp.json
    assert resp.json["status"] == "success", resp.json
    assert isinstance(resp.json["credits_used"], int), resp.json
    return resp.json["data"]


def eq(actual, expected, what=""):
    """assert actual == expected, with both values in the failure message."""
    if actual != expected:
        prefix = "%s: " % (what,) if what else ""
        raise AssertionError("%sgot %r, expected %r" % (prefix, actual, expected))
