/* Unit tests for the crawler's pure parts: robots.txt rules and URL
 * normalisation. */
#include "test.h"

#include "crawl/crawl.h"
#include "crawl/robots.h"

static struct robots parse(const char *text, struct arena *a)
{
    struct robots r;
    robots_parse(text, strlen(text), "leadgen", a, &r);
    return r;
}

TEST(robots_star_group_longest_match_and_wildcards)
{
    struct arena a;
    arena_init(&a);
    struct robots r = parse("User-agent: *\nDisallow: /private/\nAllow: /private/open\n"
                            "Disallow: /*.pdf$\nDisallow: /tmp*/x\n# comment\nSitemap: /s.xml\n",
                            &a);
    CHECK(robots_allowed(&r, "/"));
    CHECK(!robots_allowed(&r, "/private/secret.html"));
    CHECK(robots_allowed(&r, "/private/open/page"));
    CHECK(!robots_allowed(&r, "/docs/file.pdf"));
    CHECK(robots_allowed(&r, "/docs/file.pdf?x=1"));
    CHECK(!robots_allowed(&r, "/tmp123/x/y"));
    arena_cleanup(&a);
}

TEST(robots_our_group_replaces_the_star_group)
{
    struct arena a;
    arena_init(&a);
    struct robots r = parse("User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\n"
                            "User-agent: LeadGen\nDisallow: /admin\n",
                            &a);
    CHECK(robots_allowed(&r, "/contact"));
    CHECK(!robots_allowed(&r, "/admin/x"));
    struct robots all = parse("User-agent: *\nDisallow: /\n", &a);
    CHECK(!robots_allowed(&all, "/contact"));
    struct robots none = parse("User-agent: *\nDisallow:\n", &a);
    CHECK(robots_allowed(&none, "/anything"));
    struct robots junk = parse("\xff\xfe garbage\n:::\nDisallow /x\n", &a);
    CHECK(robots_allowed(&junk, "/x"));
    arena_cleanup(&a);
}

TEST(robots_hostile_patterns_stay_fast)
{
    struct arena a;
    arena_init(&a);
    struct robots r = parse("User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*a*a*b$\n", &a);
    char path[2100] = "/";
    memset(path + 1, 'a', 2000);
    CHECK(robots_allowed(&r, path)); /* finishes, and the pattern does not match */
    arena_cleanup(&a);
}

TEST(crawl_normalize_takes_internationalised_hosts_in_their_idna_form)
{
    struct arena a;
    arena_init(&a);
    const char *url;
    bool implied;
    CHECK_INT(crawl_normalize("http://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.com",
                              &a, &url, &implied, NULL),
              RC_OK); /* пример.com */
    CHECK_STR(url, "http://xn--e1afmkfd.com/");
    CHECK_INT(crawl_normalize("M\xc3\xbcnchen.de/kontakt", &a, &url, &implied, NULL), RC_OK);
    CHECK_STR(url, "https://xn--mnchen-3ya.de/kontakt");
    CHECK_INT(crawl_normalize("http://xn--e1afmkfd.com", &a, &url, &implied, NULL), RC_OK);
    CHECK_STR(url, "http://xn--e1afmkfd.com/");
    arena_cleanup(&a);
}

TEST(crawl_domain_echo_keeps_the_inputs_trailing_slash_or_its_absence)
{
    struct arena a;
    arena_init(&a);
    /* the reference: domain=example.com answers "domain": "https://example.com" */
    CHECK_STR(crawl_domain_echo("example.com", "https://example.com/", &a), "https://example.com");
    CHECK_STR(crawl_domain_echo("https://example.com", "https://example.com/", &a),
              "https://example.com");
    CHECK_STR(crawl_domain_echo("example.com:8080", "http://example.com:8080/", &a),
              "http://example.com:8080");
    CHECK_STR(crawl_domain_echo("https://example.com/", "https://example.com/", &a),
              "https://example.com/");
    /* a cached answer stored without the slash, asked for with it */
    CHECK_STR(crawl_domain_echo("example.com/", "https://example.com", &a), "https://example.com/");
    CHECK_STR(crawl_domain_echo("example.com?a=1", "https://example.com/?a=1", &a),
              "https://example.com/?a=1");
    CHECK_STR(crawl_domain_echo("example.com/kontakt", "https://example.com/kontakt", &a),
              "https://example.com/kontakt");
    arena_cleanup(&a);
}

TEST(crawl_normalize_adds_scheme_and_slash_and_lowercases_host)
{
    struct arena a;
    arena_init(&a);
    const char *url;
    bool implied;
    CHECK_INT(crawl_normalize("Example.COM", &a, &url, &implied, NULL), RC_OK);
    CHECK_STR(url, "https://example.com/");
    CHECK(implied);
    CHECK_INT(crawl_normalize("https://example.com", &a, &url, &implied, NULL), RC_OK);
    CHECK_STR(url, "https://example.com/");
    CHECK(!implied);
    CHECK_INT(crawl_normalize("http://user:pw@shop.example.de:8080/kontakt?x=1#top", &a, &url,
                              &implied, NULL),
              RC_OK);
    CHECK_STR(url, "http://shop.example.de:8080/kontakt?x=1");
    struct err err = {0};
    CHECK_INT(crawl_normalize("ftp://example.com", &a, &url, &implied, &err), RC_INVALID);
    CHECK(strstr(err.msg, "ftp") != NULL);
    CHECK_INT(crawl_normalize("exa mple.com", &a, &url, &implied, NULL), RC_INVALID);
    CHECK_INT(crawl_normalize("https://", &a, &url, &implied, NULL), RC_INVALID);
    arena_cleanup(&a);
}
