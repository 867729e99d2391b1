"""verify.php against real local servers: a DNS server speaking the wire
protocol (tests/e2e/fakes/dns.py) and SMTP servers with per-domain rules
(tests/e2e/fakes/smtp.py), all on loopback. Every field of every case, the
lead updates, the shared DNS/connection/catch-all work per domain, the day
cache, the errors, and the private-address guard."""
from fakes.dns import FakeDns
from fakes.smtp import Rule, SmtpFarm, openssl_available
import lib
from lib import Server, Skip, assert_error, assert_success

HELO = "probe.leadgen.lgtest"
FROM = "bounces@leadgen.lgtest"

# One loopback address per mail server behaviour; all share the probe port.
NORMAL, CATCHALL, GREYLIST, FULL, POLICY = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"
ONERCPT, SLOW, DROP, CLOSED, SILENT = "127.0.0.7", "127.0.0.8", "127.0.0.9", "127.0.0.10", "127.0.0.11"
IMPLICIT, BACKUP, BADTLS, NOPIPE = "127.0.0.12", "127.0.0.13", "127.0.0.14", "127.0.0.15"

MAILBOXES = {"john@normal.lgtest", "jane.doe@normal.lgtest", "info@normal.lgtest",
             "用户@normal.lgtest", "joerg@xn--bcher-kva.lgtest", "someone@gmail.com",
             "x@multispf.lgtest", "x@bigtxt.lgtest", "x@sub.orgdmarc.lgtest",
             "x@dkimempty.lgtest"} | {"user%d@normal.lgtest" % i for i in range(20)}

DKIM_KEY = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC5" + "A" * 150


def smtp_rules():
    return {
        NORMAL: Rule(mailboxes=MAILBOXES, starttls=True),
        CATCHALL: Rule(catch_all=True),
        GREYLIST: Rule(rcpt_reply="451 4.7.1 <x>: Recipient address rejected: Greylisted, "
                                  "try again in 300 seconds"),
        FULL: Rule(mailboxes={"ok@full.lgtest"}, full={"full@full.lgtest"}),
        POLICY: Rule(rcpt_reply="550 5.7.1 Service unavailable; client [127.0.0.1] blocked "
                                "using zen.spamhaus.org"),
        ONERCPT: Rule(mailboxes={"a@onercpt.lgtest", "b@onercpt.lgtest", "c@onercpt.lgtest"},
                      one_rcpt=True),
        SLOW: Rule(mailboxes={"slow@slow.lgtest"}, delay=1.0),
        DROP: Rule(mailboxes={"x@drop.lgtest"}, drop_at="MAIL"),
        CLOSED: None,
        SILENT: Rule(silent=True),
        IMPLICIT: Rule(mailboxes={"bob@amx.lgtest"}),
        BACKUP: Rule(mailboxes={"x@twomx.lgtest"}),
        BADTLS: Rule(mailboxes={"x@badtls.lgtest"}, starttls=True, broken_tls=True),
        NOPIPE: Rule(mailboxes={"a@nopipe.lgtest", "b@nopipe.lgtest", "c@nopipe.lgtest"},
                     one_rcpt=True, pipelining=False),
    }


def mx(dns, domain, ip, host=None, preference=10):
    host = host or "mx." + domain
    dns.add(domain, "MX", (preference, host))
    dns.add(host, "A", ip)


def build_zones(dns):
    mx(dns, "normal.lgtest", NORMAL)
    dns.add("normal.lgtest", "TXT", "v=spf1 ip4:127.0.0.2 -all")
    dns.add("normal.lgtest", "TXT", "google-site-verification=abc123")
    dns.add("_dmarc.normal.lgtest", "TXT", "v=DMARC1; p=reject; rua=mailto:d@normal.lgtest")
    dns.add("google._domainkey.normal.lgtest", "TXT", DKIM_KEY)
    dns.add("s1._domainkey.normal.lgtest", "TXT", ["k=rsa; ", "p=MIGfMA0GCSqGSIb3"])
    dns.add("selector1._domainkey.normal.lgtest", "TXT", "not a key record")
    mx(dns, "catchall.lgtest", CATCHALL)
    mx(dns, "greylist.lgtest", GREYLIST)
    mx(dns, "full.lgtest", FULL)
    mx(dns, "policy.lgtest", POLICY)
    mx(dns, "onercpt.lgtest", ONERCPT)
    mx(dns, "nopipe.lgtest", NOPIPE)
    mx(dns, "slow.lgtest", SLOW)
    mx(dns, "drop.lgtest", DROP)
    mx(dns, "closed.lgtest", CLOSED)
    mx(dns, "silent.lgtest", SILENT)
    mx(dns, "twomx.lgtest", CLOSED, host="mx1.twomx.lgtest", preference=10)
    mx(dns, "twomx.lgtest", BACKUP, host="mx2.twomx.lgtest", preference=20)
    dns.add("amx.lgtest", "A", IMPLICIT)                 # no MX: the implicit MX
    mx(dns, "badtls.lgtest", BADTLS)
    dns.add("nullmx.lgtest", "MX", (0, "."))             # RFC 7505
    dns.add("nullmx.lgtest", "TXT", "v=spf1 -all")
    dns.add("nodata.lgtest", "TXT", "just text")         # exists, no MX, no address
    mx(dns, "multispf.lgtest", NORMAL, host="mx.normal.lgtest")
    dns.add("multispf.lgtest", "TXT", "v=spf1 include:a.lgtest -all")
    dns.add("multispf.lgtest", "TXT", "v=spf1 include:b.lgtest ~all")
    dns.add("multispf.lgtest", "TXT", "v=spf10 not-spf")
    dns.add("_dmarc.multispf.lgtest", "TXT", "v=DMARC1; p=none")
    dns.add("_dmarc.multispf.lgtest", "TXT", "v=DMARC1; p=reject")
    # _domainkey exists (a selector below it) but no common selector has a key
    mx(dns, "dkimempty.lgtest", NORMAL, host="mx.normal.lgtest")
    dns.add("custom2024._domainkey.dkimempty.lgtest", "TXT", DKIM_KEY)
    # DMARC only at the organisational domain: p for itself, sp for subdomains
    mx(dns, "sub.orgdmarc.lgtest", NORMAL, host="mx.normal.lgtest")
    dns.add("_dmarc.orgdmarc.lgtest", "TXT", "v=DMARC1; p=quarantine; sp=reject; pct=50")
    # TXT answer bigger than any UDP payload: the client must retry over TCP
    mx(dns, "bigtxt.lgtest", NORMAL, host="mx.normal.lgtest")
    dns.add("bigtxt.lgtest", "TXT", ["v=spf1 ", "ip4:192.0.2.0/24 ", "-all"])
    for i in range(6):
        dns.add("bigtxt.lgtest", "TXT", "verification-%d=" % i + "x" * 240)
    mx(dns, "gmail.com", NORMAL, host="gmail-smtp-in.l.google.com", preference=5)
    mx(dns, "mailinator.com", CATCHALL, host="mail.mailinator.com")
    mx(dns, "xn--bcher-kva.lgtest", NORMAL, host="mx.normal.lgtest")
    dns.servfail("servfail.lgtest")


class World:
    """The fake DNS and SMTP servers, and a leadgen server pointed at them."""

    def __init__(self, extra_env=None, db=None):
        self.extra_env = extra_env or {}
        self.db = db

    def __enter__(self):
        self.dns = FakeDns().__enter__()
        build_zones(self.dns)
        self.smtp = SmtpFarm(smtp_rules()).__enter__()
        env = dict(lib.probe_env(self.dns, self.smtp, HELO, FROM),
                   LEADGEN_ALLOW_PRIVATE_TARGETS="1")
        env.update(self.extra_env)
        self.server = Server(env=env, db=self.db).__enter__()
        return self

    def __exit__(self, *exc):
        try:
            self.server.__exit__(*exc)
        finally:
            self.smtp.__exit__(*exc)
            self.dns.__exit__(*exc)
        return False

    def verify(self, emails, **extra):
        body = {"emails": emails}
        body.update(extra)
        return self.server.post("verify.php", body)

    def results(self, emails, **extra):
        r = self.verify(emails, **extra)
        data = assert_success(r)
        assert r.json["credits_used"] == 0, r.json
        assert set(data) == {"results"}, data
        assert [x["email"] for x in data["results"]] == emails
        return {x["email"]: x for x in data["results"]}


RESULT_KEYS = {"email", "valid", "status", "reason", "checks"}
CHECK_KEYS = {"syntax", "domain", "mx", "spf", "dkim", "dmarc", "disposable", "role_account",
              "free_provider", "catch_all", "smtp"}


def shape(result):
    assert set(result) == RESULT_KEYS, result
    assert set(result["checks"]) == CHECK_KEYS, result["checks"]
    assert result["valid"] == (result["status"] == "valid"), result
    assert isinstance(result["reason"], str) and result["reason"], result
    return result["checks"]


def smtp_of(result, reachable=True, host=None, tls=False, deliverable=None, full=False,
            code=None, enhanced=None, message=None, error=None):
    smtp = result["checks"]["smtp"]
    assert set(smtp) == {"reachable", "host", "tls", "deliverable", "full_inbox", "code",
                         "enhanced_code", "message", "error"}, smtp
    assert smtp["reachable"] is reachable, smtp
    assert smtp["host"] == host, smtp
    assert smtp["tls"] is tls, smtp
    assert smtp["deliverable"] is deliverable, smtp
    assert smtp["full_inbox"] is full, smtp
    assert smtp["code"] == code, smtp
    assert smtp["enhanced_code"] == enhanced, smtp
    if message is None:
        assert smtp["message"] is None, smtp
    else:
        assert message in smtp["message"], smtp
    if error is None:
        assert smtp["error"] is None, smtp
    else:
        assert smtp["error"] and error in smtp["error"], smtp


def no_auth_records(checks):
    assert checks["spf"] == {"found": False, "valid": False, "count": 0, "record": None,
                             "error": None}, checks["spf"]
    assert checks["dkim"] == {"found": False, "selectors": []}, checks["dkim"]
    assert checks["dmarc"] == {"found": False, "policy": None, "pct": None, "record": None,
                               "domain": None, "error": None}, checks["dmarc"]


def plain_flags(checks, disposable=False, role=False, free=False):
    assert checks["disposable"] is disposable, checks
    assert checks["role_account"] is role, checks
    assert checks["free_provider"] is free, checks


def mx_of(checks, hosts, implicit=False):
    assert checks["mx"] == {"found": bool(hosts) and not implicit, "accepts_mail": True,
                            "null_mx": False, "implicit": implicit,
                            "hosts": [{"host": h, "preference": p} for h, p in hosts]}, checks["mx"]


TLS = openssl_available()


def test_valid_mailbox_every_field():
    with World() as w:
        (r,) = w.results(["john@normal.lgtest"]).values()
        checks = shape(r)
        assert r["status"] == "valid" and r["valid"] is True
        assert "accepts this mailbox" in r["reason"]
        assert checks["syntax"] == {"valid": True, "local_part": "john", "domain": "normal.lgtest",
                                    "ascii_domain": "normal.lgtest", "smtputf8": False,
                                    "reason": None}
        assert checks["domain"] == {"name": "normal.lgtest", "exists": True,
                                    "organisational": "normal.lgtest", "dns_error": None}
        mx_of(checks, [("mx.normal.lgtest", 10)])
        assert checks["spf"] == {"found": True, "valid": True, "count": 1,
                                 "record": "v=spf1 ip4:127.0.0.2 -all", "error": None}
        # google has a key; s1's key is split over two strings; selector1's TXT is no key
        assert checks["dkim"] == {"found": True, "selectors": ["google", "s1"]}
        assert checks["dmarc"] == {"found": True, "policy": "reject", "pct": 100,
                                   "record": "v=DMARC1; p=reject; rua=mailto:d@normal.lgtest",
                                   "domain": "normal.lgtest", "error": None}
        plain_flags(checks)
        assert checks["catch_all"] is False
        smtp_of(r, host="mx.normal.lgtest", tls=TLS, deliverable=True, code=250,
                enhanced="2.1.5", message="Ok")
        (session,) = w.smtp.closed_sessions(NORMAL)
        verbs = [c.split(" ")[0].split(":")[0] for c in session["commands"]]
        tls_steps = ["STARTTLS", "EHLO"] if TLS else []
        assert verbs == ["EHLO"] + tls_steps + ["MAIL", "RCPT", "RCPT", "QUIT"], verbs
        assert session["commands"][0] == "EHLO " + HELO
        assert "MAIL FROM:<%s>" % FROM in session["commands"]
        assert session["commands"][-3] == "RCPT TO:<john@normal.lgtest>"
        random_rcpt = session["commands"][-2]
        assert random_rcpt.endswith("@normal.lgtest>") and "john" not in random_rcpt
        assert session["tls"] is TLS


def test_every_mail_server_behaviour_in_one_request():
    with World() as w:
        emails = ["ghost@normal.lgtest", "anyone@catchall.lgtest", "x@greylist.lgtest",
                  "full@full.lgtest", "x@policy.lgtest", "slow@slow.lgtest", "x@drop.lgtest",
                  "x@closed.lgtest", "x@silent.lgtest", "x@twomx.lgtest", "bob@amx.lgtest"]
        res = w.results(emails)
        for r in res.values():
            shape(r)
            plain_flags(r["checks"])

        r = res["ghost@normal.lgtest"]
        assert r["status"] == "invalid" and r["valid"] is False
        assert r["reason"].startswith("the mailbox does not exist: 550 5.1.1")
        assert r["checks"]["catch_all"] is False
        smtp_of(r, host="mx.normal.lgtest", tls=TLS, deliverable=False, code=550,
                enhanced="5.1.1", message="User unknown")
        # a server that rejected the address is no catch-all: no random probe needed
        assert len(w.smtp.commands(NORMAL, "RCPT")) == 1

        r = res["anyone@catchall.lgtest"]
        assert r["status"] == "risky"
        assert "catch-all" in r["reason"]
        assert r["checks"]["catch_all"] is True
        no_auth_records(r["checks"])
        smtp_of(r, host="mx.catchall.lgtest", deliverable=True, code=250, enhanced="2.1.5",
                message="Ok")

        r = res["x@greylist.lgtest"]
        assert r["status"] == "unknown"
        assert "deferred" in r["reason"] and "451 4.7.1" in r["reason"]
        assert "Greylisted" in r["reason"]
        assert r["checks"]["catch_all"] is None
        smtp_of(r, host="mx.greylist.lgtest", code=451, enhanced="4.7.1", message="Greylisted")

        r = res["full@full.lgtest"]
        assert r["status"] == "risky"
        assert r["reason"].startswith("the mailbox is full: 452 4.2.2")
        smtp_of(r, host="mx.full.lgtest", full=True, code=452, enhanced="4.2.2",
                message="Mailbox full")

        r = res["x@policy.lgtest"]
        assert r["status"] == "unknown"
        assert "refused the probe's sender" in r["reason"] and "spamhaus" in r["reason"]
        smtp_of(r, host="mx.policy.lgtest", code=550, enhanced="5.7.1", message="blocked")

        r = res["slow@slow.lgtest"]
        assert r["status"] == "valid", r
        smtp_of(r, host="mx.slow.lgtest", deliverable=True, code=250, enhanced="2.1.5",
                message="Ok")

        r = res["x@drop.lgtest"]
        assert r["status"] == "unknown"
        assert "gave no answer" in r["reason"] and "closed by the server" in r["reason"]
        smtp_of(r, host="mx.drop.lgtest", error="closed by the server")
        # the only MX host dropped us: no other host to try
        assert len(w.smtp.sessions(DROP)) == 1

        r = res["x@closed.lgtest"]
        assert r["status"] == "unknown"
        assert r["reason"].startswith("no mail server could be reached")
        assert "refused" in r["reason"].lower()
        smtp_of(r, reachable=False, host="mx.closed.lgtest", error="onnection refused")

        r = res["x@silent.lgtest"]
        assert r["status"] == "unknown"
        assert r["reason"].startswith("no mail server could be reached")
        smtp_of(r, reachable=False, host="mx.silent.lgtest", error="timed out after 3 s "
                                                                    "waiting for the greeting")

        r = res["x@twomx.lgtest"]
        assert r["status"] == "valid", r
        mx_of(r["checks"], [("mx1.twomx.lgtest", 10), ("mx2.twomx.lgtest", 20)])
        smtp_of(r, host="mx2.twomx.lgtest", deliverable=True, code=250, enhanced="2.1.5",
                message="Ok")

        r = res["bob@amx.lgtest"]
        assert r["status"] == "valid", r
        mx_of(r["checks"], [], implicit=True)
        smtp_of(r, host="amx.lgtest", deliverable=True, code=250, enhanced="2.1.5", message="Ok")


def test_dns_outcomes():
    with World() as w:
        emails = ["x@nosuchdomain.lgtest", "x@nullmx.lgtest", "x@nodata.lgtest",
                  "x@servfail.lgtest", "x@multispf.lgtest", "x@dkimempty.lgtest",
                  "x@sub.orgdmarc.lgtest", "x@bigtxt.lgtest"]
        res = w.results(emails)
        for r in res.values():
            shape(r)

        r = res["x@nosuchdomain.lgtest"]
        assert r["status"] == "invalid"
        assert r["reason"] == "the domain nosuchdomain.lgtest does not exist"
        c = r["checks"]
        assert c["domain"]["exists"] is False
        assert c["mx"] == {"found": False, "accepts_mail": False, "null_mx": False,
                           "implicit": False, "hosts": []}
        no_auth_records(c)
        assert c["smtp"] is None and c["catch_all"] is None

        r = res["x@nullmx.lgtest"]
        assert r["status"] == "invalid"
        assert "accepts no mail (null MX" in r["reason"]
        c = r["checks"]
        assert c["domain"]["exists"] is True
        assert c["mx"] == {"found": False, "accepts_mail": False, "null_mx": True,
                           "implicit": False, "hosts": []}
        assert c["spf"]["record"] == "v=spf1 -all"
        assert c["smtp"] is None

        r = res["x@nodata.lgtest"]
        assert r["status"] == "invalid"
        assert "no MX record and no address" in r["reason"]
        assert r["checks"]["mx"]["accepts_mail"] is False
        assert r["checks"]["spf"]["found"] is False   # a TXT record, but not SPF
        assert r["checks"]["smtp"] is None

        r = res["x@servfail.lgtest"]
        assert r["status"] == "unknown"
        assert "DNS look-up of servfail.lgtest failed" in r["reason"]
        c = r["checks"]
        assert c["domain"]["exists"] is None and "no DNS server gave an answer" in \
            c["domain"]["dns_error"]
        assert c["mx"] is None and c["spf"] is None and c["dmarc"] is None
        assert c["dkim"] is None and c["smtp"] is None

        r = res["x@multispf.lgtest"]
        assert r["status"] == "valid"   # SPF and DMARC describe the domain only
        c = r["checks"]
        assert c["spf"]["found"] is True and c["spf"]["valid"] is False
        assert c["spf"]["count"] == 2 and c["spf"]["record"] is None
        assert "more than one v=spf1" in c["spf"]["error"]
        assert c["dmarc"]["found"] is True and c["dmarc"]["policy"] is None
        assert "more than one DMARC" in c["dmarc"]["error"]

        c = res["x@dkimempty.lgtest"]["checks"]
        assert c["dkim"] == {"found": True, "selectors": []}

        c = res["x@sub.orgdmarc.lgtest"]["checks"]
        assert c["domain"]["organisational"] == "orgdmarc.lgtest"
        assert c["dmarc"] == {"found": True, "policy": "reject", "pct": 50,
                              "record": "v=DMARC1; p=quarantine; sp=reject; pct=50",
                              "domain": "orgdmarc.lgtest", "error": None}
        assert w.dns.count("_dmarc.sub.orgdmarc.lgtest", "TXT") == 1
        assert w.dns.count("_dmarc.orgdmarc.lgtest", "TXT") == 1

        c = res["x@bigtxt.lgtest"]["checks"]
        assert c["spf"]["record"] == "v=spf1 ip4:192.0.2.0/24 -all"
        assert w.dns.count("bigtxt.lgtest", "TXT", "tcp") >= 1

        # NXDOMAIN for _domainkey: no selector is asked
        assert w.dns.count("_domainkey.nosuchdomain.lgtest", "TXT") == 1
        assert w.dns.count("google._domainkey.multispf.lgtest") == 0
        assert w.dns.count("google._domainkey.dkimempty.lgtest", "TXT") == 1


def test_syntax_lists_and_idn():
    with World() as w:
        emails = ['"john doe"@normal.lgtest', "john@[127.0.0.1]", "john..doe@normal.lgtest",
                  "not-an-email", "info@normal.lgtest", "someone@gmail.com",
                  "anyone@mailinator.com", "joerg@bücher.lgtest", "用户@normal.lgtest",
                  "x@example.test"]
        res = w.results(emails)
        for r in res.values():
            shape(r)

        for email, words in [('"john doe"@normal.lgtest', "quoted local parts"),
                             ("john@[127.0.0.1]", "IP-address literals"),
                             ("john..doe@normal.lgtest", "two dots in a row"),
                             ("not-an-email", "no @-sign"),
                             ("x@example.test", "special-use domain")]:
            r = res[email]
            assert r["status"] == "invalid", r
            assert r["reason"].startswith("invalid syntax: ") and words in r["reason"], r
            c = r["checks"]
            assert c["syntax"]["valid"] is False and words in c["syntax"]["reason"]
            assert all(c[k] is None for k in CHECK_KEYS - {"syntax"}), c
        assert w.dns.count("normal.lgtest", "MX") == 1   # the valid ones only, once

        r = res["info@normal.lgtest"]
        assert r["status"] == "risky" and r["reason"].startswith("role account")
        plain_flags(r["checks"], role=True)
        assert r["checks"]["smtp"]["deliverable"] is True

        r = res["someone@gmail.com"]
        assert r["status"] == "valid"   # a free provider is a property, not a risk
        plain_flags(r["checks"], free=True)
        smtp_of(r, host="gmail-smtp-in.l.google.com", tls=TLS, deliverable=True, code=250,
                enhanced="2.1.5", message="Ok")

        r = res["anyone@mailinator.com"]
        assert r["status"] == "risky"
        assert "disposable email domain" in r["reason"] and "catch-all" in r["reason"]
        plain_flags(r["checks"], disposable=True)
        assert r["checks"]["catch_all"] is True

        r = res["joerg@bücher.lgtest"]
        assert r["status"] == "valid", r
        syn = r["checks"]["syntax"]
        assert syn["domain"] == "bücher.lgtest" and syn["ascii_domain"] == "xn--bcher-kva.lgtest"
        assert "RCPT TO:<joerg@xn--bcher-kva.lgtest>" in w.smtp.commands(NORMAL, "RCPT")

        r = res["用户@normal.lgtest"]
        assert r["status"] == "valid", r
        assert r["checks"]["syntax"]["smtputf8"] is True
        mails = w.smtp.commands(NORMAL, "MAIL")
        assert "MAIL FROM:<%s> SMTPUTF8" % FROM in mails, mails


def test_failed_tls_handshake_falls_back_to_plain_text():
    if not TLS:
        raise Skip("the openssl command is needed to make the fake server's certificate")
    with World() as w:
        (r,) = w.results(["x@badtls.lgtest"]).values()
        assert r["status"] == "valid", r
        smtp_of(r, host="mx.badtls.lgtest", tls=False, deliverable=True, code=250,
                enhanced="2.1.5", message="Ok")
        first, second = w.smtp.sessions(BADTLS)
        assert first["commands"] == ["EHLO " + HELO, "STARTTLS"]
        assert "STARTTLS" not in second["commands"]
        assert "RCPT TO:<x@badtls.lgtest>" in second["commands"]


def test_smtputf8_needed_but_not_offered():
    rules = {NORMAL: Rule(mailboxes={"用户@plain.lgtest"}, smtputf8=False)}
    with FakeDns() as dns, SmtpFarm(rules) as farm:
        mx(dns, "plain.lgtest", NORMAL)
        env = {"LEADGEN_DNS_SERVERS": dns.address, "LEADGEN_SMTP_PROBE_PORT": farm.port,
               "LEADGEN_ALLOW_PRIVATE_TARGETS": "1", "LEADGEN_SMTP_HELO": HELO}
        with Server(env=env) as s:
            (r,) = assert_success(s.post("verify.php", {"emails": ["用户@plain.lgtest"]}))["results"]
            assert r["status"] == "unknown"
            assert "SMTPUTF8" in r["reason"]
            assert r["checks"]["smtp"]["reachable"] is True
            assert "SMTPUTF8" in r["checks"]["smtp"]["error"]
            assert farm.commands(NORMAL, "RCPT") == []   # never sent a UTF-8 address


def test_one_domain_shares_dns_connection_and_catch_all_probe():
    with World() as w:
        emails = ["user%d@normal.lgtest" % i for i in range(20)]
        res = w.results(emails)
        assert all(res[e]["status"] == "valid" for e in emails), res
        assert w.dns.count("normal.lgtest", "MX") == 1
        assert w.dns.count("mx.normal.lgtest", "A") == 1
        sessions = w.smtp.sessions(NORMAL)
        assert len(sessions) == 1, sessions
        assert sessions[0]["pipelined"] is True
        rcpts = w.smtp.commands(NORMAL, "RCPT")
        assert len(rcpts) == 21   # 20 addresses and one random address
        assert sum(1 for c in rcpts if "user" not in c) == 1


def test_second_rcpt_refused_with_452_is_retried_in_a_new_transaction():
    with World() as w:
        # the same server with and without PIPELINING (RFC 2920)
        for domain, ip, pipelined in [("onercpt.lgtest", ONERCPT, True),
                                      ("nopipe.lgtest", NOPIPE, False)]:
            emails = ["a@" + domain, "b@" + domain, "nobody-here@" + domain]
            res = w.results(emails)
            assert [res[e]["status"] for e in emails] == ["valid", "valid", "invalid"], res
            assert res[emails[2]]["checks"]["smtp"]["enhanced_code"] == "5.1.1"
            assert all(x["checks"]["catch_all"] is False for x in res.values())
            (session,) = w.smtp.sessions(ip)
            assert session["pipelined"] is pipelined
            verbs = [c.split(" ")[0].split(":")[0] for c in session["commands"]]
            # a; b refused (452); RSET+MAIL, b; nobody refused; RSET+MAIL, nobody
            assert verbs.count("RSET") == 2, verbs
            assert verbs.count("MAIL") == 3, verbs
            a, b, nobody = emails
            asked = [a, b, nobody, b, nobody, nobody] if pipelined else [a, b, b, nobody, nobody]
            rcpts = [c for c in session["commands"] if c.startswith("RCPT")]
            assert rcpts == ["RCPT TO:<%s>" % e for e in asked], rcpts


def test_lead_updates():
    with World() as w:
        s = w.server
        pid = s.create_project("Verify me")
        added = s.add_leads(pid, [{"email": e} for e in
                                  ["john@normal.lgtest", "ghost@normal.lgtest",
                                   "anyone@catchall.lgtest", "x@greylist.lgtest"]])
        assert added.status == 200, added
        leads = {l["email"]: l for l in s.leads(pid)["leads"]}
        ids = [leads[e]["id"] for e in ["john@normal.lgtest", "ghost@normal.lgtest",
                                        "anyone@catchall.lgtest", "x@greylist.lgtest"]]
        emails = list(leads)
        res = w.results(emails, lead_ids=[str(ids[0])] + ids[1:])
        assert [res[e]["status"] for e in emails] == ["valid", "invalid", "risky", "unknown"]
        after = {l["email"]: l["verified"] for l in s.leads(pid)["leads"]}
        assert after == {"john@normal.lgtest": 1, "ghost@normal.lgtest": -1,
                         "anyone@catchall.lgtest": 0, "x@greylist.lgtest": 0}

        # another user's lead is not the caller's: 400, and nothing is probed or changed
        other = s.add_user("other@lgtest.example", credits=0)
        w.smtp.clear()
        r = s.post("verify.php", {"emails": ["john@normal.lgtest"], "lead_ids": [ids[1]]},
                   key=other)
        assert_error(r, 400, "invalid_param", ["lead_ids", str(ids[1])])
        assert_error(w.verify(["john@normal.lgtest"], lead_ids=[ids[0], ids[1]]), 400,
                     "invalid_param", "lead_ids")
        assert_error(w.verify(["john@normal.lgtest"], lead_ids=[999999]), 400,
                     "invalid_param", "999999")
        assert_error(w.verify(["john@normal.lgtest"], lead_ids=[0]), 400, "invalid_param",
                     "lead_ids[0]")
        assert_error(w.verify(["john@normal.lgtest"], lead_ids="1"), 400, "invalid_param",
                     "lead_ids")
        assert w.smtp.sessions() == []
        assert {l["email"]: l["verified"] for l in s.leads(pid)["leads"]} == after


def test_errors_and_no_credits():
    with World() as w:
        s = w.server
        assert_error(s.post("verify.php", {}), 400, "missing_param", "emails")
        assert_error(w.verify([]), 400, "missing_param", "emails")
        assert_error(w.verify("john@normal.lgtest"), 400, "invalid_param", "emails")
        assert_error(w.verify(["a%d@normal.lgtest" % i for i in range(21)]), 400,
                     "invalid_param", "emails")
        assert_error(w.verify(["john@normal.lgtest", 5]), 400, "invalid_param", "emails[1]")
        assert_error(w.verify(["x" * 1100 + "@normal.lgtest"]), 400, "invalid_param", "emails[0]")
        r = s.get("verify.php", emails="john@normal.lgtest")
        assert_error(r, 405, "method_not_allowed")
        assert_error(s.post("verify.php", {"emails": ["john@normal.lgtest"]}, key=None), 401,
                     "missing_api_key")
        assert w.smtp.sessions() == []
        # 0 credits: a user with none verifies, and the balance does not move
        key = s.add_user("broke@lgtest.example", credits=0)
        r = s.post("verify.php", {"emails": ["  john@normal.lgtest "]}, key=key)
        (res,) = assert_success(r)["results"]
        assert r.json["credits_used"] == 0
        assert res["email"] == "  john@normal.lgtest " and res["status"] == "valid"
        assert s.balance("broke@lgtest.example") == 0


def test_results_are_cached_for_a_day_and_unknown_for_15_minutes():
    with World() as w:
        emails = ["john@normal.lgtest", "x@greylist.lgtest"]
        first = w.results(emails)
        w.smtp.clear()
        w.dns.clear()
        again = w.results(["JOHN@normal.lgtest", "x@greylist.lgtest"])
        assert w.smtp.sessions() == [] and w.dns.queries == []
        assert again["JOHN@normal.lgtest"]["checks"] == first["john@normal.lgtest"]["checks"]
        assert again["x@greylist.lgtest"] == first["x@greylist.lgtest"]
        db = w.server.db_path
        w.server.stop()
        w.server.check_exit = False
        # 16 minutes later the unknown result is checked again, the valid one is not
        with Server(env=dict(w.server.extra_env, LEADGEN_TIME_OFFSET="960"), db=db) as later:
            r = later.post("verify.php", {"emails": emails}, key=w.server.key)
            assert [x["status"] for x in assert_success(r)["results"]] == ["valid", "unknown"]
            assert len(w.smtp.sessions(GREYLIST)) == 1 and w.smtp.sessions(NORMAL) == []
        w.smtp.clear()
        with Server(env=dict(w.server.extra_env, LEADGEN_TIME_OFFSET="86460"), db=db) as day:
            assert_success(day.post("verify.php", {"emails": emails[:1]}, key=w.server.key))
            assert len(w.smtp.sessions(NORMAL)) == 1


def test_private_addresses_are_refused_without_the_test_switch():
    with World(extra_env={"LEADGEN_ALLOW_PRIVATE_TARGETS": "0"}) as w:
        (r,) = w.results(["john@normal.lgtest"]).values()
        assert r["status"] == "unknown"
        smtp_of(r, reachable=False, host="mx.normal.lgtest", error="private or loopback")
        assert w.smtp.sessions() == []


def test_default_sender_is_verify_at_the_helo_name():
    with World(extra_env={"LEADGEN_SMTP_FROM": ""}) as w:
        w.results(["john@normal.lgtest"])
        assert w.smtp.commands(NORMAL, "MAIL") == ["MAIL FROM:<verify@%s>" % HELO]
