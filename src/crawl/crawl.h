/* The website crawler: one site in, up to 15 fetched and parsed pages out,
 * merged by the extraction engine. The main page (after up to 5 redirects,
 * whose final host becomes the site) comes first, then internal pages on the
 * same registrable domain, contact-like pages first, HTML only, at most 4 in
 * flight, robots.txt obeyed (LEADGEN_OBEY_ROBOTS), every fetch behind the
 * private-address guard, the whole crawl under a deadline. Results live in
 * the caller's arena. */
#ifndef LEADGEN_CRAWL_H
#define LEADGEN_CRAWL_H

#include "base/mem.h"
#include "base/rc.h"
#include "extract/extract.h"

#include <stdbool.h>

enum { CRAWL_MAX_PAGES = 15, CRAWL_MAX_SOURCES = 5 };

/* Where one email or phone (as in merged) was found: the first pages' URLs. */
struct crawl_source {
    const char *item;
    const char *urls[CRAWL_MAX_SOURCES];
    size_t count;
};

/* A name a page wrote next to one of merged's emails (extract_person), with
 * that page: the first page that paired the address. */
struct crawl_person {
    const char *name, *email, *url;
};

/* Told after each page is parsed (the CLI's progress line). */
struct crawl_progress {
    void (*page)(void *cls, int pages_crawled, size_t emails_so_far);
    void *cls;
};

struct crawl_result {
    const struct crawl_progress *progress; /* NULL: nobody is told */
    const char *url;         /* the normalised URL that was crawled */
    const char *domain;      /* what the answer echoes (crawl_domain_echo), or NULL: url */
    const char *final_url;   /* where the main page's redirects ended */
    int pages_crawled;       /* pages fetched and parsed */
    struct extract_result merged;
    const char **site_emails; /* emails on the site's registrable domain */
    size_t site_emails_count;
    struct crawl_source *sources; /* provenance of merged's emails and phones */
    size_t sources_count, sources_cap;
    struct crawl_person *people; /* for the email finder, not part of the answer */
    size_t people_count, people_cap;
};

struct crawl_options {
    bool obey_robots; /* LEADGEN_OBEY_ROBOTS */
};
/* Set once at start-up, before any crawl (until then robots.txt is obeyed). */
void crawl_configure(const struct crawl_options *o);

/* Normalises user input into an absolute http(s) URL: https:// is prepended
 * when there is no scheme (*implied is then true), the host is lower-cased and
 * an empty path becomes "/". RC_INVALID for anything that is not such a URL. */
enum rc crawl_normalize(const char *input, struct arena *a, const char **url, bool *implied,
                        struct err *err);

/* The `domain` an answer echoes for the user's input when url (input normalised, or
 * its http:// fallback) was crawled: without the "/" normalisation added when the
 * input names no path ("example.com" -> "https://example.com"), with it when the
 * input does ("https://example.com/"), url itself for any longer path. */
const char *crawl_domain_echo(const char *input, const char *url, struct arena *a);

/* Crawls url (already normalised). RC_FORBIDDEN when the site resolves to a
 * private address; RC_UPSTREAM when the main page cannot be fetched (DNS,
 * connect, TLS, timeout, non-2xx), with the reason in err. With implied_scheme,
 * an https site that cannot be reached is tried once over http. */
enum rc crawl_site(const char *url, bool implied_scheme, struct arena *a,
                   struct crawl_result *out, struct err *err);
/* The same with a caller's time budget in milliseconds (Ad Spy crawls many
 * landing sites at once under one deadline). */
/* crawl_site, telling progress (may be NULL) after each page. */
enum rc crawl_site_reporting(const char *url, bool implied_scheme,
                             const struct crawl_progress *progress, struct arena *a,
                             struct crawl_result *out, struct err *err);
enum rc crawl_site_within(const char *url, bool implied_scheme, double budget_ms,
                          struct arena *a, struct crawl_result *out, struct err *err);

#endif
