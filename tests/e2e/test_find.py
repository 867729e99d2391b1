"""find.php against fixture sites showing staff addresses in different
patterns (tests/e2e/fakes/sites.py), the fake DNS and mail servers of the
verification tests: the right address and pattern per domain, the evidence
URLs, a catch-all domain, a person without a mailbox (null, no charge),
accents and compound names, the cache, probing off."""
from fakes.dns import FakeDns
from fakes.sites import Sites, page
from fakes.smtp import Rule, SmtpFarm
import lib
from lib import Server, assert_error, assert_success, eq

ACME, BETA, CATCHY = "127.0.0.2", "127.0.0.3", "127.0.0.4"
ACME_BOXES = {"jane.doe@acme-widgets.com", "tom.jones@acme-widgets.com", "mary.smith@acme-widgets.com",
              "jose.muller-ludenscheid@acme-widgets.com", "info@acme-widgets.com"}
BETA_BOXES = {"msmith@beta-tools.com", "pjones@beta-tools.com", "jdoe@beta-tools.com"}


def sites():
    s = Sites()
    s.add("acme-widgets.com", {"/": page('<a href="/team">Team</a> <p>info@acme-widgets.com</p>'),
                          "/team": page("<p>Jane Doe jane.doe@acme-widgets.com</p>"
                                        "<p>Tom Jones tom.jones@acme-widgets.com</p>")})
    s.add("beta-tools.com", {"/": page("<p>msmith@beta-tools.com, pjones@beta-tools.com</p>")})
    s.add("catchy-mail.com", {"/": page("<p>john_smith@catchy-mail.com</p>")})
    return s


class World:
    def __init__(self, extra_env=None):
        self.extra_env = extra_env or {}

    def __enter__(self):
        self.sites = sites().__enter__()
        self.dns = FakeDns().__enter__()
        for domain, ip in (("acme-widgets.com", ACME), ("beta-tools.com", BETA),
                           ("catchy-mail.com", CATCHY)):
            self.dns.add(domain, "MX", (10, "mx." + domain))
            self.dns.add("mx." + domain, "A", ip)
        self.smtp = SmtpFarm({ACME: Rule(mailboxes=ACME_BOXES), BETA: Rule(mailboxes=BETA_BOXES),
                              CATCHY: Rule(catch_all=True)}).__enter__()
        env = dict(self.sites.env(), **lib.probe_env(self.dns, self.smtp))
        env.update(self.extra_env)
        self.server = Server(env=env).__enter__()
        for host in ("acme-widgets.com", "beta-tools.com", "catchy-mail.com"):  # the public evidence
            assert_success(self.server.get("crawl.php", domain=self.sites.url(host)))
        return self

    def __exit__(self, *exc):
        try:
            self.server.__exit__(*exc)
        finally:
            self.smtp.__exit__(*exc)
            self.dns.__exit__(*exc)
            self.sites.__exit__(*exc)
        return False

    def find(self, domain, first, last, **extra):
        return self.server.get("find.php", domain=domain, first_name=first, last_name=last,
                               crawl="0", **extra)


KEYS = {"domain", "email", "pattern", "confidence", "sources", "verification", "catch_all"}


def test_finds_the_address_in_each_domain_pattern():
    with World() as w:
        r = w.find("acme-widgets.com", "Mary", "Smith")
        data = assert_success(r)
        eq(set(data), KEYS)
        eq(data["email"], "mary.smith@acme-widgets.com")
        eq(data["pattern"], "{first}.{last}")
        # the page that pairs "Tom Jones" with tom.jones@ first, then the crawl's
        eq(data["sources"], [w.sites.url("acme-widgets.com", "/team"),
                             w.sites.url("acme-widgets.com")])
        eq(data["verification"]["status"], "valid")
        eq(data["catch_all"], False)
        assert 90 <= data["confidence"] <= 99, data
        eq(r.json["credits_used"], 1)

        data = assert_success(w.find("beta-tools.com", "John", "Doe"))
        eq(data["email"], "jdoe@beta-tools.com")
        eq(data["pattern"], "{f}{last}")
        eq(data["sources"], [w.sites.url("beta-tools.com")])
        # the most likely candidate alone was asked: one RCPT besides the catch-all probe
        rcpts = [c for c in w.smtp.commands(BETA, "RCPT") if "jdoe" in c]
        eq(len(rcpts), 1)


def test_accents_and_compound_names():
    with World() as w:
        data = assert_success(w.find("acme-widgets.com", "José", "Müller-Lüdenscheid"))
        eq(data["email"], "jose.muller-ludenscheid@acme-widgets.com")
        eq(data["pattern"], "{first}.{last}")


def test_no_mailbox_is_null_and_free():
    with World() as w:
        r = w.find("acme-widgets.com", "Kevin", "Nomail")
        data = assert_success(r)
        eq(data["email"], None)
        eq(data["pattern"], None)
        eq(data["confidence"], 0)
        eq(data["sources"], [])
        eq(r.json["credits_used"], 0)
        asked = w.smtp.commands(ACME, "RCPT")
        assert any("kevin.nomail@" in c for c in asked), asked
        assert len([c for c in asked if "kevin" in c or "knomail" in c]) <= 5, asked


def test_catch_all_domain_returns_the_top_pattern_unverified():
    with World() as w:
        r = w.find("catchy-mail.com", "Peter", "Pan")
        data = assert_success(r)
        eq(data["email"], "peter_pan@catchy-mail.com")
        eq(data["pattern"], "{first}_{last}")
        eq(data["catch_all"], True)
        eq(data["verification"]["status"], "risky")
        assert 0 < data["confidence"] < 100, data
        eq(r.json["credits_used"], 1)


def test_answers_are_cached_per_domain_and_name():
    with World() as w:
        first = assert_success(w.find("acme-widgets.com", "Mary", "Smith"))
        sessions = len(w.smtp.sessions())
        again = assert_success(w.find("acme-widgets.com", "mary", "SMITH"))
        eq(again, first)
        eq(len(w.smtp.sessions()), sessions)


def test_probing_off_returns_the_evidence_guess_without_connecting():
    with World({"LEADGEN_SMTP_PROBE": "off"}) as w:
        data = assert_success(w.find("acme-widgets.com", "Mary", "Smith"))
        eq(data["email"], "mary.smith@acme-widgets.com")
        eq(data["verification"]["status"], "unknown")
        assert data["confidence"] < 90, data
        eq(w.smtp.sessions(), [])


def test_parameters():
    with World() as w:
        assert_error(w.server.get("find.php", domain="acme-widgets.com", first_name="A"), 400,
                     "missing_param")
        assert_error(w.find("not a domain", "A", "B"), 400, "invalid_param")
        assert_error(w.find("acme-widgets.com", "李", "B"), 400, "invalid_param")
