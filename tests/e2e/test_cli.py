"""The admin CLI (`user add`, `credits add`) against the store a server uses."""
import os
import re
import tempfile

import lib
from lib import Server, assert_success, last_line, eq


def test_user_add_prints_a_working_key():
    with Server() as s:
        proc = s.cli("user", "add", "new@example.com", "--credits", 25)
        assert proc.returncode == 0, proc.stderr
        key = last_line(proc.stdout)
        assert key and " " not in key and key != s.key, proc.stdout
        # The server, already running, accepts the new key at once.
        eq(assert_success(s.get("projects.php", key=key))["projects"], [])
        eq(s.balance("new@example.com"), 25)


def test_user_add_without_credits_has_zero():
    with Server() as s:
        s.add_user("zero@example.com")
        eq(s.balance("zero@example.com"), 0)


def test_user_add_duplicate_email_fails():
    with Server() as s:
        key = s.add_user("dup@example.com", credits=3)
        proc = s.cli("user", "add", "dup@example.com", "--credits", 99)
        assert proc.returncode != 0, proc.stdout
        assert proc.stderr.strip(), "no message on stderr"
        assert key not in proc.stdout
        eq(s.balance("dup@example.com"), 3)


def test_user_add_rejects_bad_arguments():
    with Server() as s:
        for args in (["not-an-email"], ["a@example.com", "--credits", "-5"],
                     ["a@example.com", "--credits", "lots"], ["a@example.com", "--credits"], []):
            proc = s.cli("user", "add", *args)
            assert proc.returncode != 0, (args, proc.stdout)
        assert s.cli("credits", "add", "a@example.com", 0).returncode != 0  # never created


def test_credits_add_prints_the_new_balance():
    with Server() as s:
        s.add_user("rich@example.com", credits=10)
        proc = s.cli("credits", "add", "rich@example.com", 15)
        assert proc.returncode == 0, proc.stderr
        assert last_line(proc.stdout) == "25", proc.stdout
        proc = s.cli("credits", "add", "rich@example.com", 7)
        assert last_line(proc.stdout) == "32", proc.stdout
        eq(s.balance("rich@example.com"), 32)


def test_credits_add_cannot_go_negative():
    with Server() as s:
        s.add_user("poor@example.com", credits=5)
        proc = s.cli("credits", "add", "poor@example.com", -6)
        assert proc.returncode != 0, proc.stdout
        eq(s.balance("poor@example.com"), 5)
        proc = s.cli("credits", "add", "poor@example.com", -5)
        assert proc.returncode == 0 and last_line(proc.stdout) == "0", (proc.stdout, proc.stderr)


def test_credits_add_unknown_email_fails():
    with Server() as s:
        proc = s.cli("credits", "add", "nobody@example.com", 5)
        assert proc.returncode != 0, proc.stdout
        assert proc.stderr.strip(), "no message on stderr"
        assert not re.search(r"^\d+$", proc.stdout, re.M), proc.stdout


def test_first_user_key_printed_once_only():
    with Server() as s:
        first_key = s.key
        assert first_key, s.stdout_text()
        db = s.db_path
        s.stop()
        # A second start on the same store creates no user and prints no key.
        with Server(db=db) as again:
            assert again.key is None, again.stdout_text()
            assert first_key not in again.stdout_text()
            assert assert_success(again.get("projects.php", key=first_key)) is not None


def test_cli_on_an_unopenable_store_fails():
    missing = os.path.join(tempfile.gettempdir(), "leadgen-no-such-dir-%d" % os.getpid(), "x.db")
    proc = lib.cli(lib.BIN, "user", "add", "x@example.com", env={"LEADGEN_DB": missing})
    assert proc.returncode != 0, proc.stdout
    assert proc.stderr.strip(), "no message on stderr"
