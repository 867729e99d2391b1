/* Domain search (domain.php): what leadgen knows of a company's addresses.
 * The addresses at the domain seen on public pages (email sightings, plus the
 * unexpired crawl.php and search.php answers and Ad Spy contacts that public
 * mentions find; never a user's leads), each with its pages, its first
 * sighting and its cached verification status; the pattern most of them
 * follow and its share; catch-all from those addresses' cached verification
 * results; the mail provider read from the most preferred MX; SPF and DMARC.
 * When nothing is known and crawling is allowed, the site is crawled and its
 * addresses recorded as sightings. Blocks on DNS (and the crawl). */
#ifndef LEADGEN_FINDER_DOMAINSEARCH_H
#define LEADGEN_FINDER_DOMAINSEARCH_H

#include "base/mem.h"
#include "base/rc.h"
#include "store/store.h"
#include "verify/verify.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum {
    DOMAINSEARCH_EMAILS_MAX = 100, /* addresses in an answer: 10 credits at most */
    DOMAINSEARCH_SOURCES_MAX = 10, /* pages per address */
    DOMAINSEARCH_PER_CREDIT = 10   /* addresses returned per credit */
};

struct domainsearch_query {
    const char *domain; /* lowercase ASCII */
    bool crawl;         /* may crawl the domain when nothing is known of it */
};

/* "Google Workspace" or "Microsoft 365" when the most preferred of mx[0..n)
 * (sorted by preference) is theirs, "other" for any other host, NULL for none. */
const char *domainsearch_mail_provider(const struct dns_mx *mx, size_t n);

/* Credits for an answer without a crawl: 1 per DOMAINSEARCH_PER_CREDIT
 * addresses returned, rounded up (0 for none). */
int64_t domainsearch_cost(size_t emails);

/* Fills *data (domain, emails, total, pattern, pattern_share, catch_all,
 * mail_provider, mx, spf, dmarc, crawled) and *cost (crawl.php's rule after a
 * crawl, else domainsearch_cost). */
enum rc domainsearch_run(struct store *st, const struct domainsearch_query *q,
                         const struct verify_options *vopt, struct arena *a, json_t **data,
                         int64_t *cost, struct err *err);

#endif
