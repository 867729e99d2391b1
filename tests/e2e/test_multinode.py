"""Several processes on one PostgreSQL database (issue 14): two `serve`
processes taking one user's billable requests at once never overspend and the
credits add up; two `leadgen worker` processes and a `serve --no-scheduler`
deliver every email of a campaign exactly once and keep its daily limit; a
database stopped mid-run gives 500 db_error quickly and the servers recover
when it is back. Skipped unless the suite runs on PostgreSQL."""
import collections
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time

import lib
from fakes.mailsink import MailSink
from fakes.places import PlacesApi, place, review
from lib import Server, Skip, assert_error, assert_success
from test_sender import ADMIN, BASE_ENV, PASSWORD, SENDER, FIRST, add_smtp, campaign

PLACES_KEY = "multinode-places-key"
PARALLEL = 40
BALANCE = 50  # 5 credits a request: 10 of the 40 can be paid


def eq(a, b, what=""):
    assert a == b, "%s: %r != %r" % (what, a, b)


def require_postgres():
    if not lib.on_postgres():
        raise Skip("needs PostgreSQL (the PostgreSQL pass of scripts/test.sh)")


class Serve(Server):
    """lib.Server with arguments after `serve` (e.g. --no-scheduler)."""

    def __init__(self, args=(), **kw):
        super().__init__(**kw)
        self.args = list(args)

    def _spawn(self):
        self.out_path = os.path.join(self.tmp, "stdout.txt")
        self.err_path = os.path.join(self.tmp, "stderr.txt")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([self.bin, "serve"] + self.args,
                                         env=lib.child_env(self.env), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, cwd=self.tmp,
                                         preexec_fn=lib._die_with_parent)


@contextlib.contextmanager
def workers(count, env):
    """`leadgen worker` processes; each must exit 0 on SIGTERM, sanitizer-clean."""
    tmp = tempfile.mkdtemp(prefix="leadgen-workers-")
    procs = []
    try:
        for i in range(count):
            err = open(os.path.join(tmp, "worker%d.txt" % i), "wb")
            procs.append((subprocess.Popen([lib.BIN, "worker"], env=lib.child_env(env),
                                           stdout=subprocess.DEVNULL, stderr=err,
                                           stdin=subprocess.DEVNULL,
                                           preexec_fn=lib._die_with_parent), err))
        yield [p for p, _ in procs]
    finally:
        for p, _ in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for i, (p, err) in enumerate(procs):
            try:
                p.wait(timeout=lib.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            err.close()
            with open(os.path.join(tmp, "worker%d.txt" % i), "rb") as f:
                text = f.read().decode("utf-8", "replace")
            lib.assert_no_sanitizer_report(text, "worker %d stderr" % i)
            assert p.returncode == 0, "worker %d exited %s:\n%s" % (i, p.returncode, text[-2000:])
        shutil.rmtree(tmp, ignore_errors=True)


def test_two_servers_never_overspend_one_balance():
    require_postgres()
    when = "2024-01-15T14:50:00Z"
    with PlacesApi(PLACES_KEY) as api:
        ids = ["ChIJmulti%02d" % i for i in range(PARALLEL)]
        for pid in ids:  # distinct places: nothing is answered from the cache
            api.add_place(place(pid, "Place " + pid, reviews=[review("a", 5, "Good", when)]))
        api.delay = 0.2  # keeps the upstream calls in flight together
        env = {"LEADGEN_PLACES_URL": api.url, "LEADGEN_PLACES_KEY": PLACES_KEY,
               "LEADGEN_USER_INFLIGHT": PARALLEL}
        with Serve(env=env) as a, Serve(env=env, db=a.db_path) as b:
            key = a.add_user("budget@multi.lgtest", credits=BALANCE)
            servers = [a, b]
            results = lib.all_at_once([
                (lambda s, pid: lambda: s.get("places/reviews.php", key=key, place_id=pid))(
                    servers[i % 2], ids[i]) for i in range(PARALLEL)])
            errors = [r for r in results if isinstance(r, Exception)]
            assert not errors, errors
            ok = [r for r in results if r.status == 200]
            for r in results:
                if r.status != 200:
                    assert_error(r, 402, "insufficient_credits")
            spent = sum(assert_success(r) and r.json["credits_used"] for r in ok)
            assert all(r.json["credits_used"] > 0 for r in ok), results
            eq(spent, BALANCE, "credits charged from one balance by two servers")
            eq(b.balance("budget@multi.lgtest"), 0, "balance")
            # every server's access log agrees with what its answers said
            logged = 0
            for i, r in enumerate(results):
                if r.status == 200:
                    entry = servers[i % 2].wait_log(r.headers.get("X-Request-Id"))
                    assert entry, "no access-log line for %s" % r.headers.get("X-Request-Id")
                    logged += entry["credits"]
            eq(logged, spent, "credits in the access logs")
            # and the ledger: grants minus charges is the balance, nothing left reserved
            rows = dict(lib.store_sql(a.db_path,
                                      "SELECT state, SUM(amount) FROM credit_ledger l JOIN users u "
                                      "ON u.id = l.user_id WHERE u.email = ? GROUP BY state",
                                      ("budget@multi.lgtest",)))
            eq(rows.get("grant"), BALANCE, "granted")
            eq(rows.get("charged"), -BALANCE, "charged in the ledger")
            assert "reserved" not in rows, rows


def leads(prefix, n):
    return [{"email": "%s%02d@rcpt.lgtest" % (prefix, i), "firstname": "N%d" % i}
            for i in range(n)]


def test_two_workers_send_every_email_once_within_the_daily_limit():
    require_postgres()
    with MailSink(users={SENDER: PASSWORD}) as sink, \
            Serve(args=["--no-scheduler"], env=BASE_ENV) as s:
        acc = add_smtp(s, sink, extra=("--daily-limit", "100"))
        everyone = campaign(s, [acc], leads=leads("all", 30), steps=(FIRST,), name="All",
                            daily_limit=100)
        capped = campaign(s, [acc], leads=leads("cap", 30), steps=(FIRST,), name="Capped",
                          daily_limit=12)
        time.sleep(2)  # the API process alone sends nothing
        eq(len(sink.messages), 0, "sent with --no-scheduler and no worker")
        env = dict(BASE_ENV, LEADGEN_DB=s.db_path, LEADGEN_SECRET_FILE=lib.pg_key_file(s.db_path))
        with workers(2, env):
            sink.wait_for(30 + 12, timeout=60)
            done = lib.wait_until(lambda: s.get("campaigns/status.php", campaign_id=everyone)
                                  .json["data"]["campaign"]["status"] == "completed", 20)
            assert done, s.get("campaigns/status.php", campaign_id=everyone).json
            time.sleep(3)  # three more cron rounds of both workers: nothing more may go out
        rcpts = collections.Counter(m.rcpt_to[0] for m in sink.messages)
        dupes = {a: n for a, n in rcpts.items() if n > 1}
        eq(dupes, {}, "addresses mailed more than once")
        eq(sum(1 for a in rcpts if a.startswith("all")), 30, "the uncapped campaign's mails")
        eq(sum(1 for a in rcpts if a.startswith("cap")), 12, "the capped campaign's mails")
        eq(len({m.email["Message-ID"] for m in sink.messages}), 42, "distinct Message-IDs")
        st = s.get("campaigns/status.php", campaign_id=capped).json["data"]
        eq((st["campaign"]["sent_today"], st["campaign"]["sent_total"]), (12, 12), "capped")
        eq(st["recipient_stats"]["pending"], 18, "left for tomorrow")
        eq(s.balance(ADMIN), 100 - 42, "credits after 42 sends")


@contextlib.contextmanager
def private_cluster():
    """A PostgreSQL cluster of this test's own (stopping the suite's would
    break the modules running beside it); Skip when none can be started."""
    tmp = tempfile.mkdtemp(prefix="leadgen-pg-outage-")
    script = os.path.join(lib.REPO, "scripts", "pg-cluster.sh")
    shutil.rmtree(tmp)
    proc = subprocess.run([script, "start", tmp], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise Skip("cannot start a private PostgreSQL cluster: %s" % proc.stderr[-500:])
    try:
        yield proc.stdout.strip(), lambda what: subprocess.run(
            [script, what, tmp], check=True, capture_output=True, timeout=60)
    finally:
        subprocess.run([script, "stop", tmp], capture_output=True, timeout=60)


def test_database_outage_is_db_error_at_once_and_servers_recover():
    require_postgres()
    with private_cluster() as (url, cluster):
        db = url + "?options=-csearch_path%3Doutage"
        with Serve(db=db) as a, Serve(db=db, env={"LEADGEN_DB_POOL": "2"}) as b:
            b.key = a.key
            for s in (a, b):
                assert_success(s.get("campaigns.php"))
            cluster("down")
            for s in (a, b):
                for _ in range(3):
                    started = time.monotonic()
                    r = s.get("campaigns.php")
                    took = time.monotonic() - started
                    assert_error(r, 500, "db_error")
                    # never a hang: connect_timeout is 2 s and the back-off answers at once
                    assert took < 10, "a request during the outage took %.1f s" % took
            cluster("up")
            for s in (a, b):
                back = lib.wait_until(lambda: s.get("campaigns.php").status == 200, 30)
                assert back, "server did not recover: %r" % s.get("campaigns.php")
            pid = a.create_project("after the outage")
            # b's hot answer cache sees another process's write within a second
            assert lib.wait_until(lambda: "after the outage" in b.project_names(), 10), \
                "b never saw a's new project %d" % pid
