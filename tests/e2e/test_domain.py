"""domain.php against fixture sites (reached on port 80 of a loopback address,
so that a bare domain's crawl finds them) and the fake DNS and mail servers of
the verification tests: the addresses known with their pages, first sighting
and cached verification status, the pattern and its share, catch-all, the mail
provider from MX, SPF and DMARC; a domain nobody knows crawled and billed as
crawl.php; 1 credit per 10 addresses otherwise; the cache; and that one
user's leads are never evidence for anyone."""
import os

from fakes.dns import FakeDns
from fakes.engines import Engines, result
from fakes.sites import Sites, page
from fakes.smtp import Rule, SmtpFarm
import lib
from lib import Server, assert_error, assert_success, eq, store_sql

MAIL = "127.0.0.2"
TEAM = ["mary.smith", "tom.jones"]
BIG = ["anna.berg", "ben.carter", "carl.dunn", "dana.evans", "eric.fox", "fiona.gale",
       "greg.hill", "helen.irwin", "ivan.jones", "julia.king", "kevin.lane", "laura.moss"]
FRESH = ["sam.lee", "kim.park"]
HOSTS = ("acme-widgets.com", "big-co.com", "fresh-co.com", "phones-only.com", "empty-co.com",
         "pair-co.com")


def sites_on_port_80():
    """Fixture sites on port 80 of a loopback address of their own (a bare
    domain is crawled as https://, then http://), skipping addresses in use."""
    base = os.getpid() % 200
    for n in range(1, 250):
        s = Sites(bind=("127.88.%d.%d" % (base, n), 80))
        try:
            return s.__enter__()
        except OSError:
            continue
    raise RuntimeError("no loopback address with port 80 free")


def add_sites(s):
    s.add("acme-widgets.com", {"/": page('<a href="/team">Team</a> <p>info@acme-widgets.com</p>'),
                               "/team": page("".join("<p>Staff: %s@acme-widgets.com</p>" % x
                                                     for x in TEAM))})
    s.add("big-co.com", {"/": page(" ".join("%s@big-co.com" % x for x in BIG))})
    s.add("fresh-co.com", {"/": page(" ".join("%s@fresh-co.com" % x for x in FRESH))})
    s.add("phones-only.com", {"/": page("Telefon: +49 30 9876543")})
    s.add("empty-co.com", {"/": page("Nothing here at all.")})
    # names beside addresses: {first}{l}, which the shape alone reads as {f}{last}
    s.add("pair-co.com", {"/": page('<a href="/team">Team</a> <p>Sales: sales@pair-co.com</p>'),
                          "/team": page("<table><tr><td>Xiomara Quist</td><td>Design</td>"
                                        "<td>xiomaraq@pair-co.com</td></tr>"
                                        '<tr><td><a href="mailto:olab@pair-co.com">Ola Berg</a>'
                                        "</td></tr></table>"
                                        "<p>Press: tkranz@pair-co.com, pmeyer@pair-co.com</p>")})


class World:
    def __init__(self, extra_env=None):
        self.extra_env = extra_env or {}

    def __enter__(self):
        self.sites = sites_on_port_80()
        add_sites(self.sites)
        addr = self.sites.bind[0]
        self.dns = FakeDns().__enter__()
        self.dns.add("acme-widgets.com", "MX", (1, "aspmx.l.google.com"))
        self.dns.add("acme-widgets.com", "MX", (5, "alt1.aspmx.l.google.com"))
        self.dns.add("acme-widgets.com", "TXT", "v=spf1 include:_spf.google.com ~all")
        self.dns.add("_dmarc.acme-widgets.com", "TXT", "v=DMARC1; p=none")
        self.dns.add("aspmx.l.google.com", "A", MAIL)
        self.dns.add("alt1.aspmx.l.google.com", "A", MAIL)
        self.dns.add("big-co.com", "MX", (0, "big-co-com.mail.protection.outlook.com"))
        self.dns.add("big-co-com.mail.protection.outlook.com", "A", MAIL)
        self.dns.add("fresh-co.com", "MX", (10, "mx.fresh-co.com"))
        self.dns.add("mx.fresh-co.com", "A", MAIL)
        self.dns.add("pair-co.com", "MX", (10, "mx.pair-co.com"))
        self.dns.add("mx.pair-co.com", "A", MAIL)
        self.smtp = SmtpFarm({MAIL: Rule(mailboxes={"mary.smith@acme-widgets.com",
                                                    "secret.person@acme-widgets.com",
                                                    "kim.park@fresh-co.com",
                                                    "rosal@pair-co.com"})}).__enter__()
        pins = ",".join("%s:%d:%s" % (h, p, addr) for h in HOSTS for p in (80, 443))
        env = dict(lib.probe_env(self.dns, self.smtp), LEADGEN_RESOLVE=pins,
                   LEADGEN_ALLOW_PRIVATE_TARGETS="1", LEADGEN_UPSTREAM_TIMEOUT="5")
        env.update(self.extra_env)
        self.server = Server(env=env).__enter__()
        return self

    def __exit__(self, *exc):
        try:
            self.server.__exit__(*exc)
        finally:
            self.smtp.__exit__(*exc)
            self.dns.__exit__(*exc)
            self.sites.__exit__(*exc)
        return False

    def crawl(self, host):
        assert_success(self.server.get("crawl.php", domain=self.sites.url(host)))

    def domain(self, domain, **extra):
        return self.server.get("domain.php", domain=domain, **extra)


KEYS = {"domain", "emails", "total", "crawled", "pattern", "pattern_share", "catch_all",
        "mail_provider", "mx", "spf", "dmarc"}


def test_known_domain_addresses_pattern_verification_and_mail_setup():
    with World() as w:
        w.crawl("acme-widgets.com")  # the public evidence
        r = w.server.post("verify.php", {"emails": ["mary.smith@acme-widgets.com"]})
        eq(assert_success(r)["results"][0]["status"], "valid")
        requests = len(w.sites.requests)
        r = w.domain("https://www.Acme-Widgets.com/about")
        data = assert_success(r)
        eq(set(data), KEYS)
        eq(data["domain"], "acme-widgets.com")
        by = {e["email"]: e for e in data["emails"]}
        eq(set(by), {"info@acme-widgets.com", "mary.smith@acme-widgets.com",
                     "tom.jones@acme-widgets.com"})
        eq(data["total"], 3)
        eq(by["mary.smith@acme-widgets.com"]["sources"], [w.sites.url("acme-widgets.com")])
        eq(by["mary.smith@acme-widgets.com"]["verification"], "valid")
        eq(by["tom.jones@acme-widgets.com"]["verification"], None)
        for e in data["emails"]:
            eq(set(e), {"email", "sources", "first_seen", "verification"})
            assert e["first_seen"] and len(e["first_seen"]) == 19, e
        eq(data["pattern"], "{first}.{last}")
        eq(data["pattern_share"], 100)  # info@ shows no pattern
        eq(data["catch_all"], False)
        eq(data["crawled"], False)
        eq(data["mail_provider"], "Google Workspace")
        eq(data["mx"], ["aspmx.l.google.com", "alt1.aspmx.l.google.com"])
        eq(data["spf"], True)
        eq(data["dmarc"], True)
        eq(r.json["credits_used"], 1)  # 3 addresses: one credit per 10
        eq(len(w.sites.requests), requests)  # known: no crawl

        again = w.domain("acme-widgets.com")  # cached a day: free
        eq(assert_success(again), data)
        eq(again.json["credits_used"], 0)


def test_ten_addresses_a_credit_and_microsoft_mx():
    with World() as w:
        w.crawl("big-co.com")
        r = w.domain("big-co.com")
        data = assert_success(r)
        eq(len(data["emails"]), 12)
        eq(r.json["credits_used"], 2)
        eq(data["mail_provider"], "Microsoft 365")
        eq(data["spf"], False)
        eq(data["dmarc"], False)
        eq(data["catch_all"], None)  # nothing verified there


def test_domain_nobody_knows_is_crawled_and_billed_as_crawl():
    with World() as w:
        r = w.domain("fresh-co.com")
        data = assert_success(r)
        eq(data["crawled"], True)
        eq(sorted(e["email"] for e in data["emails"]),
           sorted("%s@fresh-co.com" % x for x in FRESH))
        assert all(e["first_seen"] for e in data["emails"]), data
        eq(data["pattern"], "{first}.{last}")
        eq(data["mail_provider"], "other")
        eq(r.json["credits_used"], 2)  # crawl.php: one per site address
        assert w.sites.paths("fresh-co.com"), "the site was not crawled"

        # what the crawl found is now known: no second crawl, 1 credit per 10
        w.sites.clear()
        r = w.domain("fresh-co.com", crawl="0")
        data = assert_success(r)
        eq(data["crawled"], False)
        eq(len(data["emails"]), 2)
        eq(r.json["credits_used"], 1)
        eq(w.sites.paths("fresh-co.com"), [])
        # and the finder reads it too
        found = assert_success(w.server.get("find.php", domain="fresh-co.com", first_name="Kim",
                                            last_name="Park", crawl="0"))
        eq((found["email"], found["pattern"]), ("kim.park@fresh-co.com", "{first}.{last}"))
        eq(found["sources"], ["http://fresh-co.com/"])  # the bare domain crawled


def test_crawl_minimum_and_nothing_found():
    with World() as w:
        r = w.domain("phones-only.com")
        data = assert_success(r)
        eq((data["crawled"], data["emails"]), (True, []))
        eq(r.json["credits_used"], 1)  # crawl.php: at least 1 when anything is found
        r = w.domain("empty-co.com")
        eq(assert_success(r)["emails"], [])
        eq(r.json["credits_used"], 0)
        r = w.domain("nowhere-at-all.com", crawl="0")
        data = assert_success(r)
        eq((data["crawled"], data["emails"], data["pattern"]), (False, [], None))
        eq(data["mail_provider"], None)
        eq(r.json["credits_used"], 0)
        r = w.domain("unreachable-co.com")  # a crawl that fails: nothing charged
        eq((assert_success(r)["crawled"], r.json["credits_used"]), (False, 0))


def test_search_results_are_evidence_with_their_page():
    with Engines() as e:
        e.set_results("widgets", [result(1, email="Pat.Quinn@Acme-Widgets.com"), result(2)], [])
        env = {"LEADGEN_SEARCH_PROVIDER": "direct", "LEADGEN_GOOGLE_SEARCH_URL": e.google_url,
               "LEADGEN_BING_SEARCH_URL": e.bing_url}
        with World(env) as w:
            assert_success(w.server.get("search.php", query="widgets"))
            data = assert_success(w.domain("acme-widgets.com", crawl="0"))
            eq([(x["email"], x["sources"]) for x in data["emails"]],
               [("pat.quinn@acme-widgets.com", ["https://site-1.example.com/page-1"])])
            assert data["emails"][0]["first_seen"], data


def test_a_users_leads_are_never_evidence():
    with World() as w:
        w.crawl("acme-widgets.com")
        owner = w.server.add_user("owner@example.com", 100)
        other = w.server.add_user("other@example.com", 100)
        project = assert_success(w.server.post("projects.php", {"name": "Private"},
                                               key=owner))["id"]
        assert_success(w.server.add_leads(project, [{"email": "secret.person@acme-widgets.com"}],
                                          key=owner))
        r = w.server.post("verify.php", {"emails": ["secret.person@acme-widgets.com"]}, key=owner)
        eq(assert_success(r)["results"][0]["status"], "valid")
        for key in (other, owner):
            data = assert_success(w.domain("acme-widgets.com", key=key))
            emails = [e["email"] for e in data["emails"]]
            assert "secret.person@acme-widgets.com" not in emails, emails
            eq(len(emails), 3)
            eq(data["catch_all"], None)  # the private address's verification says nothing


def test_parameters():
    with World() as w:
        assert_error(w.server.get("domain.php"), 400, "missing_param")
        assert_error(w.domain("not a domain"), 400, "invalid_param")
        assert_error(w.domain("acme-widgets.com", crawl="2"), 400, "invalid_param")
        assert_error(w.server.post("domain.php", {"domain": "acme-widgets.com"}), 405,
                     "method_not_allowed")
        broke = w.server.add_user("broke@example.com", 0)
        assert_error(w.domain("acme-widgets.com", key=broke), 402, "insufficient_credits")


def test_find_crawls_a_domain_nobody_knows_billed_as_find_only():
    """find.php's own crawl: the site's name pairings decide the pattern, the
    pairing page is a source, only find.php is billed, and the evidence stays."""
    with World() as w:
        r = w.server.get("find.php", domain="pair-co.com", first_name="Rosa", last_name="Lind")
        data = assert_success(r)
        eq((data["email"], data["pattern"]), ("rosal@pair-co.com", "{first}{l}"))
        eq(data["verification"]["status"], "valid")
        eq(data["sources"][0], "http://pair-co.com/team")  # the page pairing names and addresses
        assert 90 <= data["confidence"] <= 99, data
        eq(r.json["credits_used"], 1)
        assert "/team" in w.sites.paths("pair-co.com"), "the site was not crawled"
        charges = store_sql(w.server.db_path,
                            "SELECT endpoint, amount FROM credit_ledger WHERE amount < 0 ORDER BY id")
        eq([tuple(x) for x in charges], [("find", -1)])  # the crawl is not billed as crawl.php

        # the crawl's evidence is kept: names with their page, read without crawling again
        w.sites.clear()
        people = store_sql(w.server.db_path,
                           "SELECT email, source, person FROM email_sightings "
                           "WHERE domain = 'pair-co.com' AND person IS NOT NULL ORDER BY email")
        eq([tuple(x) for x in people],
           [("olab@pair-co.com", "http://pair-co.com/team", "Ola Berg"),
            ("xiomaraq@pair-co.com", "http://pair-co.com/team", "Xiomara Quist")])
        r = w.server.get("find.php", domain="pair-co.com", first_name="Kevin",
                         last_name="Nomail")
        data = assert_success(r)
        eq(data["email"], None)  # no mailbox: nothing returned, nothing charged
        eq(r.json["credits_used"], 0)
        eq(w.sites.paths("pair-co.com"), [])  # known now: no second crawl
        data = assert_success(w.domain("pair-co.com", crawl="0"))
        eq(data["crawled"], False)
        eq(sorted(e["email"] for e in data["emails"]),
           ["olab@pair-co.com", "pmeyer@pair-co.com", "sales@pair-co.com",
            "tkranz@pair-co.com", "xiomaraq@pair-co.com"])


def test_find_without_a_crawl_knows_nothing_and_charges_nothing():
    with World() as w:
        r = w.server.get("find.php", domain="pair-co.com", first_name="Rosa", last_name="Lind",
                         crawl="0")
        data = assert_success(r)
        eq(w.sites.paths("pair-co.com"), [])
        # the prior's five candidates miss rosal@: nothing found, nothing charged
        eq((data["email"], data["sources"], r.json["credits_used"]), (None, [], 0))
