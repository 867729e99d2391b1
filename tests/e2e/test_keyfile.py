"""Secrets at rest (issue 21): the generated sealing key lives in a key file
beside the store (never inside it), a store that still holds its generated
secret moves it there once, and a key that does not open the stored account
secrets stops serve from starting."""
import os
import shutil
import stat
import subprocess
import tempfile

import lib
from lib import Server, eq

ADMIN = "admin@localhost.localdomain"


def _add_account(s, env=None):
    proc = s.cli("account", "add", "smtp", ADMIN, "--address", "sender@acme.com", "--host",
                 "smtp.acme.com", "--username", "sender", "--password-env", "SMTP_PW",
                 env=dict(env or {}, SMTP_PW="s3cret-pw"))
    assert proc.returncode == 0, proc.stderr


def _serve_refused(s, env):
    """Runs `serve` on s's store with env over s.env; returns its stderr, and
    fails when it starts serving instead of refusing."""
    merged = dict(s.env)
    merged.update(env)
    proc = subprocess.Popen([s.bin, "serve"], env=lib.child_env(merged),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("serve started with a key that does not open the stored secrets")
    assert proc.returncode != 0, "serve exited 0"
    return err.decode()


def _stored_secret(db):
    return lib.store_sql(db, "SELECT value FROM meta WHERE key = 'secret'")


def test_generated_key_is_a_file_beside_the_store_not_in_it():
    lib.require_sqlite("the key file's default is beside the SQLite file")
    tmp = tempfile.mkdtemp(prefix="leadgen-e2e-key-")
    try:
        db = os.path.join(tmp, "leadgen.db")
        with Server(db=db) as s:
            key_file = os.path.join(tmp, "leadgen.key")
            assert os.path.exists(key_file), os.listdir(tmp)
            eq(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
            eq(_stored_secret(db), [])
            _add_account(s)  # sealed under the file's key, which opens it at the next start
        with Server(db=db) as again:
            eq(again.get("/healthz", key=None).status, 200)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_store_holding_its_secret_moves_it_to_the_key_file_once():
    lib.require_sqlite("moves the key file by hand")
    tmp = tempfile.mkdtemp(prefix="leadgen-e2e-key-")
    try:
        db = os.path.join(tmp, "leadgen.db")
        with Server(db=db) as s:
            _add_account(s)
        key_file = os.path.join(tmp, "leadgen.key")
        with open(key_file) as f:
            secret = f.read().strip()
        os.remove(key_file)  # the layout of a store written before key files
        lib.store_sql(db, "INSERT INTO meta (key, value) VALUES ('secret', ?)", (secret,))
        with Server(db=db) as s:  # the account secret still opens: the same key
            assert "moved the generated sealing key out of the store" in s.stderr_text()
        with open(key_file) as f:
            eq(f.read().strip(), secret)
        eq(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
        eq(_stored_secret(db), [])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_changed_key_refuses_to_start():
    tmp = tempfile.mkdtemp(prefix="leadgen-e2e-key-")
    try:
        with Server(db=lib.fresh_store_url(tmp),
                    env={"LEADGEN_SECRET": "the-first-secret-0123456789"}) as s:
            _add_account(s)
        err = _serve_refused(s, {"LEADGEN_SECRET": "another-secret-9876543210"})
        assert "does not open the secrets stored for sending accounts" in err, err
        assert "LEADGEN_SECRET" in err, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_changed_key_file_refuses_to_start():
    lib.require_sqlite("the key file's default is beside the SQLite file")
    tmp = tempfile.mkdtemp(prefix="leadgen-e2e-key-")
    try:
        with Server(db=os.path.join(tmp, "leadgen.db")) as s:
            _add_account(s)
        other = os.path.join(tmp, "other.key")
        with open(other, "w") as f:
            f.write("0" * 64 + "\n")
        os.chmod(other, 0o600)
        err = _serve_refused(s, {"LEADGEN_SECRET_FILE": other})
        assert "does not open the secrets stored" in err and other in err, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_postgres_needs_the_key_file_named():
    if not lib.on_postgres():
        raise lib.Skip("PostgreSQL only: a SQLite store has a default key file")
    with Server() as s:
        pass
    env = {k: v for k, v in s.env.items() if k != "LEADGEN_SECRET_FILE"}
    proc = subprocess.run([s.bin, "serve"], env=lib.child_env(env), capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode != 0
    assert "LEADGEN_SECRET_FILE is not set" in proc.stderr, proc.stderr
