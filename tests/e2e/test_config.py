"""The configuration table: a bad value stops `serve` (and every command) at once with a
message naming the variable and what it accepts; `help` lists exactly the table."""
import os
import re
import tempfile

import lib
from lib import eq

BAD_VALUES = [
    ("LEADGEN_WORKERS", "abc", "expected an integer from 1 to 1024"),
    ("LEADGEN_CLIENT_TIMEOUT", "0", "expected an integer from 1 to 3600"),
    ("LEADGEN_ACCESS_LOG", "maybe", "expected 1, true, yes, 0, false or no"),
    ("LEADGEN_SEARCH_PROVIDER", "serpapi,duckduckgo",
     "expected a comma-separated list of direct, scraperapi, serpapi, searxng, browser"),
    ("LEADGEN_PLACES_URL", "places.example", "expected an http:// or https:// URL"),
]


def _serve(env, timeout=20):
    db = os.path.join(tempfile.mkdtemp(prefix="leadgen-config-"), "t.db")
    env = dict(env, LEADGEN_DB=db, LEADGEN_LISTEN="127.0.0.1:%d" % lib.free_port())
    # a server that started would never exit: the timeout turns that into a failure
    return lib.cli(lib.BIN, "serve", env=env, timeout=timeout)


def test_serve_refuses_a_bad_value_naming_the_variable():
    for name, value, accepts in BAD_VALUES:
        proc = _serve({name: value})
        assert proc.returncode != 0, (name, proc.stdout)
        eq(proc.stderr.strip(), "leadgen: %s=%s: %s" % (name, value, accepts))


def test_every_command_refuses_a_bad_value():
    proc = lib.cli(lib.BIN, "user", "add", "a@example.com", env={"LEADGEN_OBEY_ROBOTS": "2"})
    assert proc.returncode != 0, proc.stdout
    assert "LEADGEN_OBEY_ROBOTS=2" in proc.stderr, proc.stderr


def test_a_bad_value_in_the_config_file_names_file_and_line():
    path = os.path.join(tempfile.mkdtemp(prefix="leadgen-config-"), "leadgen.conf")
    with open(path, "w") as f:
        f.write("# settings\nLEADGEN_SMTP_PER_HOST=lots\n")
    proc = _serve({"LEADGEN_CONFIG": path})
    assert proc.returncode != 0, proc.stdout
    assert "LEADGEN_SMTP_PER_HOST=lots (%s:2): expected an integer from 1 to 100" % path \
        in proc.stderr, proc.stderr


def _table_names():
    with open(os.path.join(lib.REPO, "src", "config.c")) as f:
        text = f.read()
    return re.findall(r'^\s+[A-Z]+\("(LEADGEN_[A-Z_]+)"', text, re.M)


def test_help_lists_exactly_the_table():
    proc = lib.cli(lib.BIN, "help")
    eq(proc.returncode, 0)
    section = proc.stdout.split("configuration (", 1)[1]
    listed = re.findall(r"^  (LEADGEN_[A-Z_]+) ", section, re.M)
    table = _table_names()
    assert len(table) > 30, table
    eq(listed, table)
    with open(os.path.join(lib.REPO, "README.md")) as f:
        readme = f.read().split("## Configuration", 1)[1].split("\n\n| variable |", 1)[1]
    eq(re.findall(r"^\| `(LEADGEN_[A-Z_]+)` \|", readme.split("\n\n", 1)[0], re.M), table)
    # read by the campaign sender
    for var in ("LEADGEN_PUBLIC_URL", "LEADGEN_CRON_INTERVAL", "LEADGEN_OAUTH_TOKEN_URL",
                "LEADGEN_GMAIL_SMTP", "LEADGEN_GMAIL_IMAP"):
        assert var in proc.stdout, var
