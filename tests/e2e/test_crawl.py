"""crawl.php and `leadgen crawl` against local fixture sites
(tests/e2e/fakes/sites.py): the 15-page cap and contact-first order,
redirects, non-HTML links, a Latin-1 page, robots.txt, dead and failing
pages, credits, the 14-day cache, errors, and the SSRF guard."""
import json

from fakes.sites import Sites, page, raw, redirect
from lib import Server, assert_error, assert_success

ADMIN = "admin@localhost.localdomain"
SITE = "acme-plumbing.com"


def big_site():
    """A home page linking to 24 ordinary pages and the contact-like ones."""
    links = "".join('<a href="/page%d.html">Page %d</a>' % (i, i) for i in range(24))
    home = page(links + '<a href="/contact">Contact</a> <a href="/about-us">About</a>'
                        '<a href="/impressum">Impressum</a> <a href="/brochure.pdf">PDF</a>'
                        '<a href="/logo.png">Logo</a> <a href="https://elsewhere.org/x">Out</a>'
                        '<a href="/private/secret.html">Private</a> <a href="/dead">Dead</a>'
                        '<a href="/broken">Broken</a> <a href="/old-team">Team</a>'
                        '<a href="https://www.facebook.com/acmeplumbing">Facebook</a>'
                        '<a href="https://twitter.com/intent/tweet?url=x">Share</a>'
                        '<meta property="og:image" content="/og.png">',
                title="Acme Plumbing - Home")
    pages = {"/": home,
             "/robots.txt": raw(200, "text/plain", b"User-agent: *\nDisallow: /private/\n"),
             "/contact": page('Write to <a href="mailto:office@acme-plumbing.com">us</a> or '
                              'sales.team@acme-plumbing.com. Tel: +49 89 21803456'),
             "/about-us": page("Founded 1999. Partner: jobs@partner-firm.de"),
             "/impressum": page("Gesch\u00e4ftsf\u00fchrer: M\u00fcller, "
                                "kontakt@acme-plumbing.com", charset="latin-1"),
             "/old-team": redirect("http://acme-plumbing.com:{port}/team"),
             "/team": page("Team lead: maria.rossi@acme-plumbing.com"),
             "/private/secret.html": page("secret@acme-plumbing.com"),
             "/broken": raw(500, "text/html", b"<html>oops</html>"),
             "/brochure.pdf": raw(200, "application/pdf", b"%PDF-1.4 pdf@acme-plumbing.com"),
             "/logo.png": raw(200, "image/png", b"\x89PNG"),
             }
    for i in range(24):
        pages["/page%d.html" % i] = page("Ordinary page %d" % i)
    return pages


def crawl(s, domain, key=None):
    kw = {} if key is None else {"key": key}
    return s.get("crawl.php", domain=domain, **kw)


def test_crawl_caps_at_fifteen_pages_contact_first():
    with Sites() as sites:
        sites.add(SITE, big_site())
        with Server(env=sites.env()) as s:
            r = crawl(s, sites.url(SITE))
            data = assert_success(r)
            assert data["pages_crawled"] == 15, data
            assert data["domain"] == sites.url(SITE)
            asked = sites.paths(SITE)
            for contact_like in ("/contact", "/about-us", "/impressum", "/old-team", "/team"):
                assert contact_like in asked, (contact_like, asked)
            assert "/private/secret.html" not in asked        # robots.txt
            assert "/brochure.pdf" not in asked and "/logo.png" not in asked
            assert not any(h == "elsewhere.org" for h, _ in sites.requests)
            ordinary = [p for p in asked if p.startswith("/page")]
            assert len(ordinary) < 24                          # the cap cut ordinary pages
            assert set(data["emails"]) == {"office@acme-plumbing.com",
                                           "sales.team@acme-plumbing.com",
                                           "kontakt@acme-plumbing.com",
                                           "maria.rossi@acme-plumbing.com"}, data["emails"]
            assert set(data["all_emails"]) == set(data["emails"]) | {"jobs@partner-firm.de"}
            assert "secret@acme-plumbing.com" not in data["all_emails"]
            assert data["social_links"] == ["https://www.facebook.com/acmeplumbing"]
            assert len(data["phones"]) == 1 and "21803456" in data["phones"][0].replace(" ", "")
            assert data["metadata"]["title"] == "Acme Plumbing - Home"
            assert data["metadata"]["image"] == sites.url(SITE, "/og.png")
            assert r.json["credits_used"] == 4
            assert s.balance(ADMIN) == 96


def test_second_crawl_is_a_free_cache_hit_for_every_spelling():
    with Sites() as sites:
        sites.add(SITE, {"/": page("hello@acme-plumbing.com")})
        with Server(env=sites.env()) as s:
            first = crawl(s, "http://acme-plumbing.com:%d" % sites.port)
            assert first.json["credits_used"] == 1
            sites.clear()
            for spelling in ("http://acme-plumbing.com:%d/" % sites.port,
                             "http://ACME-plumbing.com:%d" % sites.port):
                again = crawl(s, spelling)
                assert again.json["credits_used"] == 0, spelling
                # the domain echoes each spelling's trailing slash (or its absence)
                assert dict(again.json["data"], domain=None) == dict(first.json["data"],
                                                                     domain=None)
            assert sites.requests == []
            assert s.balance(ADMIN) == 99


def test_domain_is_echoed_with_or_without_the_trailing_slash_as_given():
    # the reference: domain=example.com answers "domain": "https://example.com"
    with Sites() as sites:
        sites.add(SITE, {"/": page("hello@acme-plumbing.com")})
        with Server(env=sites.env()) as s:
            bare = "http://acme-plumbing.com:%d" % sites.port
            first = assert_success(crawl(s, bare))
            assert first["domain"] == bare, first["domain"]
            slashed = assert_success(crawl(s, bare + "/"))          # the same cache entry
            assert slashed["domain"] == bare + "/", slashed["domain"]
            assert assert_success(crawl(s, bare))["domain"] == bare
            implied = assert_success(crawl(s, "acme-plumbing.com:%d" % sites.port))
            assert implied["domain"] == bare, implied["domain"]   # the http:// fallback
            assert s.balance(ADMIN) == 98


def test_social_links_in_the_references_form():
    # the reference's example answer: https, the host as the site wrote it, no tracking query
    links = ('<a href="https://twitter.com/example?ref_src=twsrc%5Etfw">Twitter</a>'
             '<a href="http://www.linkedin.com/company/example/">LinkedIn</a>'
             '<a href="https://www.facebook.com/example?utm_source=site&fbclid=x">Facebook</a>'
             '<a href="https://x.com/Example">X again</a>'
             '<a href="https://twitter.com/intent/tweet?url=x">Share</a>')
    with Sites() as sites:
        sites.add(SITE, {"/": page(links)})
        with Server(env=sites.env()) as s:
            data = assert_success(crawl(s, sites.url(SITE)))
            assert data["social_links"] == ["https://twitter.com/example",
                                            "https://www.linkedin.com/company/example",
                                            "https://www.facebook.com/example"], data


def test_credits_minimum_one_for_phones_only_and_zero_for_nothing():
    with Sites() as sites:
        sites.add("phones-only.com", {"/": page("Telefon: +49 30 9876543")})
        sites.add("empty-site.com", {"/": page("Nothing here at all.")})
        with Server(env=sites.env()) as s:
            r = crawl(s, sites.url("phones-only.com"))
            assert assert_success(r)["emails"] == [] and r.json["credits_used"] == 1
            r = crawl(s, sites.url("empty-site.com"))
            data = assert_success(r)
            assert r.json["credits_used"] == 0 and data["pages_crawled"] == 1
            assert data["all_emails"] == [] and data["phones"] == [] and data["social_links"] == []


def test_redirect_adopts_the_final_host():
    with Sites() as sites:
        sites.add("old-brand.com", {"/": redirect("http://new-brand.com:{port}/")})
        sites.add("new-brand.com", {"/": page('<a href="/contact">c</a>'),
                                    "/contact": page("team@new-brand.com")})
        with Server(env=sites.env()) as s:
            data = assert_success(crawl(s, sites.url("old-brand.com")))
            assert data["emails"] == ["team@new-brand.com"] and data["pages_crawled"] == 2


def test_implied_scheme_falls_back_to_http():
    with Sites() as sites:
        sites.add(SITE, {"/": page("hi@acme-plumbing.com")})
        with Server(env=sites.env()) as s:
            data = assert_success(crawl(s, "acme-plumbing.com:%d" % sites.port))
            assert data["domain"].startswith("http://acme-plumbing.com:")
            assert data["emails"] == ["hi@acme-plumbing.com"]


def test_main_page_failures_are_crawl_errors_and_free():
    with Sites() as sites:
        sites.add("gone.com", {"/": raw(404, "text/html", b"<html>no</html>")})
        sites.add("down.com", {"/": raw(503, "text/html", b"<html>down</html>")})
        with Server(env=sites.env("no-such-host-here.com")) as s:
            assert_error(crawl(s, sites.url("gone.com")), 502, "crawl_error", "404")
            assert_error(crawl(s, sites.url("down.com")), 502, "crawl_error", "503")
            assert_error(crawl(s, "http://closed-port.com:1/"), 502, "crawl_error")
            assert s.balance(ADMIN) == 100


def test_parameter_errors():
    with Server() as s:
        assert_error(crawl(s, ""), 400, "missing_param", "domain")
        assert_error(s.get("crawl.php"), 400, "missing_param", "domain")
        assert_error(crawl(s, "ftp://example.com/"), 400, "invalid_param", "domain")
        assert_error(crawl(s, "http://exa mple.com/"), 400, "invalid_param", "domain")
        assert_error(crawl(s, "javascript:alert(1)"), 400, "invalid_param", "domain")
        assert s.balance(ADMIN) == 100


def test_ssrf_guard_refuses_private_targets_by_default():
    with Sites() as sites:
        sites.add(SITE, {"/": page("x@acme-plumbing.com")})
        pins = sites.env()["LEADGEN_RESOLVE"]
        with Server(env={"LEADGEN_RESOLVE": pins}) as s:  # LEADGEN_ALLOW_PRIVATE_TARGETS unset
            for target in (sites.url(SITE), "http://127.0.0.1:%d/" % sites.port,
                           "http://[::1]:%d/" % sites.port, "http://169.254.169.254/",
                           "http://10.0.0.1/", "http://localhost:%d/" % sites.port):
                assert_error(crawl(s, target), 400, "invalid_param", "private")
            assert sites.requests == []


def test_cli_crawl_prints_the_data_object():
    with Sites() as sites:
        sites.add(SITE, {"/": page("hello@acme-plumbing.com", title="CLI")})
        with Server(env=sites.env()) as s:
            proc = s.cli("crawl", sites.url(SITE))
            assert proc.returncode == 0, proc.stderr
            data = json.loads(proc.stdout)
            assert data["emails"] == ["hello@acme-plumbing.com"]
            assert data["metadata"]["title"] == "CLI" and data["pages_crawled"] == 1
            bad = s.cli("crawl", "ftp://x.com")
            assert bad.returncode == 2 and "http" in bad.stderr
