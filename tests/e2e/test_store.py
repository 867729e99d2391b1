"""The store failing: a store that cannot be written answers 500 db_error,
and one that cannot be opened stops `serve` at start."""
import contextlib
import errno
import os
import shutil
import subprocess
import tempfile

import lib
from lib import Server, Skip, assert_error, assert_success, eq

TMPFS_SIZE = "4m"


@contextlib.contextmanager
def small_tmpfs():
    """A fresh tmpfs of TMPFS_SIZE, unmounted (and removed) in all cases; Skip
    when mounting is not permitted here."""
    where = tempfile.mkdtemp(prefix="leadgen-e2e-tmpfs-")
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs", where],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        os.rmdir(where)
        raise Skip("cannot run mount: %s" % e)
    if proc.returncode != 0:
        os.rmdir(where)
        raise Skip("mount -t tmpfs not permitted: %s" % proc.stdout.decode().strip())
    try:
        yield where
    finally:
        if subprocess.run(["umount", where], timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", where], timeout=30)
        shutil.rmtree(where, ignore_errors=True)


def fill(directory):
    """Writes a file until the filesystem is full (bounded by its size); returns bytes written."""
    written = 0
    fd = os.open(os.path.join(directory, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1):  # big chunks, then whatever space is left
            for _ in range((64 << 20) // size if size > 1 else 4096):
                try:
                    written += os.write(fd, b"\0" * size)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return written


def test_full_disk_is_db_error_and_writes_nothing():
    """Once the disk is full, writes fail with 500 db_error and leave nothing
    behind. (Small writes may still fit into space the WAL file already holds:
    those succeed and are durable; the test writes until the store refuses.)"""
    with small_tmpfs() as mnt:
        with Server(db=os.path.join(mnt, "leadgen.db")) as s:
            pid = s.create_project("Before Full")
            assert_success(s.add_leads(pid, [{"email": "kept@example.com"}]))
            assert fill(mnt) > 0
            refused = None
            for batch in range(40):  # bounded: 40 x 100 leads of ~300 bytes
                before = s.leads(pid)["total"]
                leads = [{"email": "b%d.l%d@example.com" % (batch, i), "description": "x" * 300}
                         for i in range(100)]
                r = s.add_leads(pid, leads)
                if r.status != 200:
                    refused = r
                    break
                assert s.leads(pid)["total"] == before + 100
            assert refused is not None, "the store never refused a write on a full disk"
            assert_error(refused, 500, "db_error")
            assert s.leads(pid)["total"] == before  # the refused batch left nothing
            name = "After Full " + "y" * 150
            r = s.post("projects.php", {"name": name})
            if r.status == 200:  # it fit into space the store already held: it must be there
                assert name in s.project_names(), \
                    "POST projects.php answered 200 on a full disk but stored nothing: %r" % r
            else:
                assert_error(r, 500, "db_error")
                assert name not in s.project_names()
            os.unlink(os.path.join(mnt, "filler"))
            # With space again, writes succeed again.
            assert_success(s.add_leads(pid, [{"email": "later@example.com"}]))
            assert s.create_project("After Space") > 0
            assert "After Space" in s.project_names()


def serve_once(db):
    """Runs `serve` on db expecting it to stop by itself (bounded by lib.cli's timeout)."""
    return lib.cli(lib.BIN, "serve", env={"LEADGEN_DB": db,
                                          "LEADGEN_LISTEN": "127.0.0.1:%d" % lib.free_port()})


def test_unopenable_store_stops_serve():
    missing_dir = os.path.join(tempfile.gettempdir(), "leadgen-e2e-missing-%d" % os.getpid())
    assert not os.path.exists(missing_dir)
    db = os.path.join(missing_dir, "leadgen.db")
    proc = serve_once(db)
    err = proc.stderr
    assert proc.returncode != 0, "serve exited 0 with LEADGEN_DB=%s" % db
    assert db in err, "stderr does not name the store: %r" % err
    assert "open" in err.lower(), "stderr does not say what failed: %r" % err
    assert not os.path.exists(missing_dir)


def test_store_that_is_not_a_database_stops_serve():
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "leadgen.db")
        with open(db, "wb") as f:
            f.write(b"this is not an SQLite database\n" * 200)
        proc = serve_once(db)
        assert proc.returncode != 0, "serve exited 0 on a file that is not a database"
        assert proc.stderr.strip(), "no message on stderr"
