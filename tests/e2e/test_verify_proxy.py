"""verify.php where port 25 is blocked: SMTP probes through a SOCKS5 relay on
loopback (tests/e2e/fakes/socks5.py) that connects from its own source
address, several relays in turn, a dead relay (unknown, never a direct
connection), and LEADGEN_SMTP_PROBE=off (no connection at all)."""
import os
import tempfile

import lib
from fakes.socks5 import Socks5Relay
from lib import eq
from test_verify import NORMAL, World

RELAY_SOURCE = "127.0.0.99"
PROBE_OFF = "SMTP probing is off (LEADGEN_SMTP_PROBE=off): the mailbox was not checked"


def _relayed_sessions(world):
    sessions = world.smtp.sessions()
    assert sessions, "the mail server saw no connection"
    for s in sessions:
        eq(s["peer"], RELAY_SOURCE, "every SMTP session must come through the relay")
    return sessions


def test_probe_goes_through_the_relay():
    with Socks5Relay(source=RELAY_SOURCE) as relay:
        with World({"LEADGEN_SMTP_PROXY": relay.url}) as w:
            r = w.results(["john@normal.lgtest", "nobody@normal.lgtest"])
            eq(r["john@normal.lgtest"]["status"], "valid", r)
            eq(r["nobody@normal.lgtest"]["status"], "invalid", r)
            assert r["john@normal.lgtest"]["checks"]["smtp"]["tls"] in (True, False)
            _relayed_sessions(w)
            # CONNECT by the address leadgen resolved, to the probe port
            eq(set(relay.requests), {(NORMAL, int(w.smtp.port))})


def test_relay_with_username_and_password():
    with Socks5Relay(source=RELAY_SOURCE, user="probe", password="s3cr%t") as relay:
        url = relay.url.replace("s3cr%t", "s3cr%25t")  # percent-encoded in the URL
        with World({"LEADGEN_SMTP_PROXY": url}) as w:
            r = w.results(["jane.doe@normal.lgtest"])
            eq(r["jane.doe@normal.lgtest"]["status"], "valid", r)
            _relayed_sessions(w)
            eq(relay.refused_auth, 0)


def test_wrong_password_is_unknown_without_direct_connection():
    with Socks5Relay(source=RELAY_SOURCE, user="probe", password="right") as relay:
        url = relay.url.replace("right", "wrong")
        with World({"LEADGEN_SMTP_PROXY": url}) as w:
            r = w.results(["john@normal.lgtest"])["john@normal.lgtest"]
            eq(r["status"], "unknown", r)
            assert "SOCKS5 proxy 127.0.0.1:%d: user name or password refused" % relay.port \
                in r["reason"], r["reason"]
            assert "wrong" not in r["reason"]
            eq(w.smtp.sessions(), [])


def test_several_relays_are_used_in_turn():
    with Socks5Relay(source=RELAY_SOURCE) as one, Socks5Relay(source=RELAY_SOURCE) as two:
        with World({"LEADGEN_SMTP_PROXY": "%s, %s" % (one.url, two.url)}) as w:
            for address in ("user1@normal.lgtest", "user2@normal.lgtest",
                            "user3@normal.lgtest", "user4@normal.lgtest"):
                eq(w.results([address])[address]["status"], "valid")
            eq(len(one.requests), 2)
            eq(len(two.requests), 2)
            eq(len(_relayed_sessions(w)), 4)


def test_dead_relay_is_unknown_and_never_a_direct_connection():
    port = lib.free_port()  # nothing listens there
    with World({"LEADGEN_SMTP_PROXY": "socks5://127.0.0.1:%d" % port}) as w:
        r = w.results(["john@normal.lgtest"])["john@normal.lgtest"]
        eq(r["status"], "unknown", r)
        eq(r["reason"], "no mail server could be reached: mx.normal.lgtest: SOCKS5 proxy "
                        "127.0.0.1:%d: connect to the proxy: Connection refused" % port)
        eq(r["checks"]["smtp"]["reachable"], False)
        eq(w.smtp.sessions(), [])


def test_probing_off_answers_at_once_without_connecting():
    with World({"LEADGEN_SMTP_PROBE": "off"}) as w:
        r = w.results(["john@normal.lgtest", "info@normal.lgtest", "x@nullmx.lgtest"])
        john = r["john@normal.lgtest"]
        eq(john["status"], "unknown", john)
        eq(john["reason"], PROBE_OFF)
        eq(john["checks"]["mx"]["found"], True)  # every other check still runs
        eq(john["checks"]["smtp"]["error"], PROBE_OFF)
        eq(john["checks"]["catch_all"], None)
        eq(r["info@normal.lgtest"]["status"], "risky")  # a role account stays risky
        eq(r["x@nullmx.lgtest"]["status"], "invalid")
        eq(w.smtp.sessions(), [])


def _serve_fails(env):
    db = os.path.join(tempfile.mkdtemp(prefix="leadgen-proxy-"), "t.db")
    env = dict(env, LEADGEN_DB=db, LEADGEN_LISTEN="127.0.0.1:%d" % lib.free_port())
    proc = lib.cli(lib.BIN, "serve", env=env, timeout=20)
    assert proc.returncode != 0, proc.stdout
    return proc.stderr.strip()


def test_a_bad_proxy_list_stops_start_up():
    eq(_serve_fails({"LEADGEN_SMTP_PROXY": "http://127.0.0.1:1080"}),
       "leadgen: LEADGEN_SMTP_PROXY: http://127.0.0.1:1080: expected socks5://; expected "
       "socks5://[user:pass@]host:port[,...]")
    eq(_serve_fails({"LEADGEN_SMTP_PROXY": "socks5://u:secret@relay.example"}),
       "leadgen: LEADGEN_SMTP_PROXY: relay.example: expected host:port; expected "
       "socks5://[user:pass@]host:port[,...]")
    eq(_serve_fails({"LEADGEN_SMTP_PROBE": "maybe"}),
       "leadgen: LEADGEN_SMTP_PROBE=maybe: expected one of on, off")
