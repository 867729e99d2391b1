"""Operator tooling: --help/--version, the user, key and credits commands (a
revoked key answers 401), unknown subcommands, `migrate --dry-run`, a store
migrated by a newer leadgen refused (either backend), one log format
(LEADGEN_LOG_FORMAT=json: every stderr line is a JSON object, the first
user's key alone on stdout), bind failures naming the address, CORS, and the
README's CLI table matching --help."""
import http.server
import json
import os
import re
import socket
import tempfile

import lib
from lib import Server, assert_error, assert_success, eq, last_line
from fakes import serve_in_thread


def _cli_ok(s, *args):
    proc = s.cli(*args)
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc.stdout


def test_help_and_version_answer_with_either_spelling():
    for words in (["help"], ["--help"]):
        proc = lib.cli(lib.BIN, *words)
        eq(proc.returncode, 0, words)
        assert "user list" in proc.stdout and "LEADGEN_LOG_FORMAT" in proc.stdout, proc.stdout
    # even with a configuration that would stop every other command
    for words in (["version"], ["--version"]):
        proc = lib.cli(lib.BIN, *words, env={"LEADGEN_WORKERS": "nope"})
        eq(proc.returncode, 0, (words, proc.stderr))
        assert re.fullmatch(r"leadgen \d+\.\d+\.\d+\n", proc.stdout), proc.stdout


def test_readme_cli_table_matches_help():
    proc = lib.cli(lib.BIN, "--help")
    section = proc.stdout.split("commands:\n", 1)[1].split("\n\nconfiguration", 1)[0]
    usages = [l.strip() for l in section.splitlines() if l.startswith("  ") and
              not l.startswith("      ")]
    with open(os.path.join(lib.REPO, "README.md")) as f:
        readme = f.read().split("## Admin CLI", 1)[1].split("\n## ", 1)[0]
    table = [c.replace("\\|", "|") for c in
             re.findall(r"^\| `leadgen ((?:[^`])+)` \|", readme, re.M)]
    eq(table, usages)


def test_unknown_subcommand_names_itself_and_the_command():
    proc = lib.cli(lib.BIN, "user", "frobnicate", "a@example.com")
    eq(proc.returncode, 2)
    assert "unknown subcommand 'frobnicate' of 'user'" in proc.stderr, proc.stderr
    assert "add, password, list, show" in proc.stderr, proc.stderr
    proc = lib.cli(lib.BIN, "key")
    assert "'key' needs a subcommand: add, list, revoke" in proc.stderr, proc.stderr
    proc = lib.cli(lib.BIN, "frobnicate")
    assert "unknown command 'frobnicate'" in proc.stderr, proc.stderr


def test_user_key_and_credits_commands_and_a_revoked_key_answers_401():
    with Server() as s:
        s.add_user("ops@example.com", credits=7)
        listed = _cli_ok(s, "user", "list").splitlines()
        eq(listed[0], "email\tbalance\tkeys\tcreated")
        row = [l.split("\t") for l in listed[1:] if l.startswith("ops@example.com\t")]
        assert row and row[0][1:3] == ["7", "1"], listed
        eq(last_line(_cli_ok(s, "credits", "show", "ops@example.com")), "7")

        used_key = last_line(_cli_ok(s, "key", "add", "ops@example.com"))
        spare = _cli_ok(s, "key", "add", "ops@example.com")
        spare_id = re.search(r"key ([0-9a-f]{12}) added", spare).group(1)
        spare_key = last_line(spare)
        assert_success(s.get("projects.php", key=used_key))

        keys = [l.split("\t") for l in _cli_ok(s, "key", "list", "ops@example.com").splitlines()]
        eq(keys[0], ["id", "source", "created", "last used"])
        eq(len(keys), 4)  # header, the user add key and two more
        for k in keys[1:]:
            assert re.fullmatch(r"[0-9a-f]{12}", k[0]), k
            assert used_key not in "\t".join(k)
        used = [k for k in keys[1:] if k[3] != "never"]
        eq(len(used), 1, keys)  # only the key that made a request
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", used[0][3]), used

        out = _cli_ok(s, "key", "revoke", "ops@example.com", spare_id)
        assert "revoked key %s" % spare_id in out, out
        assert_error(s.get("projects.php", key=spare_key), 401, "invalid_api_key")
        proc = s.cli("key", "revoke", "ops@example.com", spare_id)
        assert proc.returncode != 0 and "has no key" in proc.stderr, proc.stderr
        # by the whole key, from another user's view: not found; by its owner: gone
        proc = s.cli("key", "revoke", "admin@localhost.localdomain", used_key)
        assert proc.returncode != 0, proc.stdout
        _cli_ok(s, "key", "revoke", "ops@example.com", used_key)
        eq(len(_cli_ok(s, "key", "list", "ops@example.com").splitlines()), 2)

        shown = _cli_ok(s, "user", "show", "ops@example.com")
        assert "balance 7" in shown and "keys 1" in shown, shown
        assert re.search(r"^  \S+Z\t\+7\tgrant\tcli$", shown, re.M), shown


def test_migrate_dry_run_lists_and_changes_nothing():
    tmp = tempfile.mkdtemp(prefix="leadgen-migrate-")
    db = lib.fresh_store_url(tmp)
    env = {"LEADGEN_DB": db}
    proc = lib.cli(lib.BIN, "migrate", "--dry-run", env=env)
    eq(proc.returncode, 0, proc.stderr)
    assert proc.stdout.startswith("store schema version 0;"), proc.stdout
    pending = re.findall(r"^would apply migration (\d+)$", proc.stdout, re.M)
    assert len(pending) >= 3, proc.stdout
    if not lib.on_postgres():
        assert not os.path.exists(db), "a dry run created the store"
    proc = lib.cli(lib.BIN, "migrate", env=env)
    eq(proc.returncode, 0, proc.stderr)
    eq(re.findall(r"^applying migration (\d+)$", proc.stdout, re.M), pending)
    proc = lib.cli(lib.BIN, "migrate", "--dry-run", env=env)
    assert "nothing to apply" in proc.stdout, proc.stdout


def test_a_store_a_newer_leadgen_migrated_is_refused_naming_both_versions():
    tmp = tempfile.mkdtemp(prefix="leadgen-newer-")
    db = lib.fresh_store_url(tmp)
    with Server(db=db):
        pass
    newest = max(r[0] for r in lib.store_sql(db, "SELECT version FROM schema_migrations"))
    lib.store_sql(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)",
                  (newest + 50,))
    env = {"LEADGEN_DB": db, "LEADGEN_LISTEN": "127.0.0.1:%d" % lib.free_port()}
    proc = lib.cli(lib.BIN, "serve", env=env, timeout=30)
    assert proc.returncode != 0, proc.stdout
    assert "schema version %d" % (newest + 50) in proc.stderr, proc.stderr
    assert "up to %d" % newest in proc.stderr, proc.stderr
    proc = lib.cli(lib.BIN, "migrate", "--dry-run", env=env)
    assert proc.returncode != 0 and "schema version %d" % (newest + 50) in proc.stderr, \
        proc.stderr
    # nothing was written: the CLI refuses the same way
    proc = lib.cli(lib.BIN, "user", "list", env=env)
    assert proc.returncode != 0 and "newer leadgen" in proc.stderr, proc.stderr


def test_json_log_format_puts_every_stderr_line_in_json():
    with KeptServer(env={"LEADGEN_LOG_FORMAT": "json"}) as s:
        s.create_project("Logged")
        assert_error(s.get("projects.php", key="wrong"), 401, "invalid_api_key")
        # a request libmicrohttpd itself refuses (a malformed request line)
        with socket.create_connection(("127.0.0.1", s.port), timeout=5) as c:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n")
            c.recv(4096)
        key = s.key
    err_lines = s.err_lines
    assert len(err_lines) >= 4, err_lines
    msgs = []
    for line in err_lines:
        entry = json.loads(line)  # every line
        assert entry["level"] in ("debug", "info", "warn", "error"), entry
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["time"]), entry
        msgs.append(entry.get("msg"))
    assert any(m.startswith("created user 1") for m in msgs), msgs
    assert any(m.startswith("leadgen ") and "listening on" in m for m in msgs), msgs
    assert "shutting down" in msgs and msgs[-1] == "stopped", msgs
    assert msgs.count("request") >= 2, msgs
    # stdout: the first user's key alone
    eq(s.out_lines, [key])


class KeptServer(Server):
    """A Server whose output stays readable after it stopped (Server removes its temp dir)."""

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            self.err_lines = [l for l in self.stderr_text().splitlines() if l]
            self.out_lines = [l for l in self.stdout_text().splitlines() if l]
        return Server.__exit__(self, *exc)


def test_text_log_format_and_level():
    with KeptServer(env={"LEADGEN_LOG_FORMAT": "text", "LEADGEN_LOG_LEVEL": "warn"}) as s:
        assert_success(s.get("projects.php"))
    lines = s.err_lines
    # warn and above only: no start line, no access log
    assert not any(" info " in l for l in lines), lines
    with KeptServer(env={"LEADGEN_LOG_FORMAT": "text"}) as s:
        r = s.get("projects.php")
    lines = s.err_lines
    for l in lines:
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (debug|info|warn|error) ", l), l
    rid = r.headers["X-Request-Id"]
    assert any("GET /api/v1/projects.php?api_key=[redacted] 200" in l and rid in l
               for l in lines), lines


def test_bind_failure_names_the_address_and_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        tmp = tempfile.mkdtemp(prefix="leadgen-bind-")
        db = lib.fresh_store_url(tmp)
        env = {"LEADGEN_DB": db, "LEADGEN_LISTEN": "localhost:%d" % port,
               "LEADGEN_LOG_FORMAT": "json", "LEADGEN_SECRET_FILE": lib.pg_key_file(db)}
        proc = lib.cli(lib.BIN, "serve", env=env, timeout=30)
    assert proc.returncode != 0, proc.stdout
    msgs = [json.loads(l)["msg"] for l in proc.stderr.splitlines() if l]
    assert any("cannot listen on 127.0.0.1:%d" % port in m and "in use" in m for m in msgs), msgs


ORIGIN = "https://app.example.com"


def test_cors_preflight_and_simple_requests_for_listed_origins_only():
    with Server(env={"LEADGEN_CORS_ORIGINS": "%s, http://localhost:3000" % ORIGIN}) as s:
        pre = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type"}
        r = s.request("OPTIONS", "projects.php", key=None, headers=pre)
        eq(r.status, 204)
        eq(r.headers["Access-Control-Allow-Origin"], ORIGIN)
        assert "POST" in r.headers["Access-Control-Allow-Methods"], r.headers
        assert "Content-Type" in r.headers["Access-Control-Allow-Headers"], r.headers
        assert int(r.headers["Access-Control-Max-Age"]) > 0, r.headers
        r = s.request("GET", "projects.php", headers={"Origin": ORIGIN})
        assert_success(r)
        eq(r.headers["Access-Control-Allow-Origin"], ORIGIN)
        # errors carry it too, so a browser client can read them
        r = s.request("GET", "projects.php", key="wrong", headers={"Origin": ORIGIN})
        eq(r.headers["Access-Control-Allow-Origin"], ORIGIN)
        for other in ("https://evil.example", "https://app.example.com.evil.example"):
            r = s.request("OPTIONS", "projects.php", key=None,
                          headers=dict(pre, Origin=other))
            assert r.status != 204, r
            assert not [h for h in r.headers if h.lower().startswith("access-control-")], \
                r.headers
            r = s.request("GET", "projects.php", headers={"Origin": other})
            assert_success(r)
            assert "Access-Control-Allow-Origin" not in r.headers, r.headers


def test_cors_is_off_by_default_and_star_allows_any_origin():
    with Server() as s:
        r = s.request("GET", "projects.php", headers={"Origin": ORIGIN})
        assert "Access-Control-Allow-Origin" not in r.headers, r.headers
    with Server(env={"LEADGEN_CORS_ORIGINS": "*"}) as s:
        r = s.request("OPTIONS", "projects.php", key=None,
                      headers={"Origin": "http://any.example",
                               "Access-Control-Request-Method": "GET"})
        eq(r.status, 204)
        eq(r.headers["Access-Control-Allow-Origin"], "http://any.example")


class _Site(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><body><a href='mailto:info@example.com'>mail</a></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_crawl_is_quiet_on_stderr_when_piped():
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    serve_in_thread(site)
    try:
        proc = lib.cli(lib.BIN, "crawl", "http://127.0.0.1:%d/" % site.server_port,
                       env={"LEADGEN_ALLOW_PRIVATE_TARGETS": "1", "LEADGEN_OBEY_ROBOTS": "0"})
    finally:
        site.shutdown()
    eq(proc.returncode, 0, proc.stderr)
    eq(proc.stderr, "")
    eq(json.loads(proc.stdout)["pages_crawled"], 1)
