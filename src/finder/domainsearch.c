/* Domain search: the addresses known at a domain with their pages and first
 * sighting, the pattern they follow, what cached verifications say, and the
 * domain's mail set-up read from DNS. */
#include "finder/domainsearch.h"

#include "base/clock.h"
#include "core/cache.h"
#include "crawl/crawl.h"
#include "crawl/result.h"
#include "finder/finder.h"
#include "verify/domain.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The mail hosts of the providers told apart: a host matches a suffix at a
 * label boundary (aspmx.l.google.com, acme-com.mail.protection.outlook.com). */
static const struct {
    const char *suffix, *provider;
} mail_providers[] = {
    {"google.com", "Google Workspace"},
    {"googlemail.com", "Google Workspace"},
    {"mail.protection.outlook.com", "Microsoft 365"},
    {"mail.protection.office365.us", "Microsoft 365"},
};

static bool host_under(const char *host, const char *suffix)
{
    size_t h = strlen(host), s = strlen(suffix);
    if (h < s || strcasecmp(host + h - s, suffix) != 0) return false;
    return h == s || host[h - s - 1] == '.';
}

const char *domainsearch_mail_provider(const struct dns_mx *mx, size_t n)
{
    if (n == 0 || !mx[0].host[0]) return NULL;
    for (size_t i = 0; i < sizeof mail_providers / sizeof mail_providers[0]; i++)
        if (host_under(mx[0].host, mail_providers[i].suffix)) return mail_providers[i].provider;
    return "other";
}

int64_t domainsearch_cost(size_t emails)
{
    return (int64_t)((emails + DOMAINSEARCH_PER_CREDIT - 1) / DOMAINSEARCH_PER_CREDIT);
}

/* ---- the addresses known ---------------------------------------------------- */

struct address {
    const char *email; /* lowercase */
    const char *sources[DOMAINSEARCH_SOURCES_MAX];
    size_t nsources;
    int64_t first_seen; /* 0: only in answers cached before sightings were kept */
};

struct book {
    struct address *list;
    size_t n, cap;
    const char *domain;
    int64_t seen_at; /* first_seen of addresses added from an answer just produced */
    struct arena *a;
};

static struct address *book_entry(struct book *b, const char *email)
{
    const char *at = strrchr(email, '@');
    if (!at || at == email || strcasecmp(at + 1, b->domain) != 0) return NULL;
    for (size_t i = 0; i < b->n; i++)
        if (strcasecmp(b->list[i].email, email) == 0) return &b->list[i];
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        struct address *list = arena_alloc(b->a, cap * sizeof *list);
        if (b->n) memcpy(list, b->list, b->n * sizeof *list);
        b->list = list, b->cap = cap;
    }
    char *lower = arena_strdup(b->a, email);
    for (char *c = lower; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    b->list[b->n] = (struct address){.email = lower};
    return &b->list[b->n++];
}

static void book_add(struct book *b, const char *email, const char *source, int64_t first_seen)
{
    struct address *e = book_entry(b, email);
    if (!e) return;
    if (first_seen && (!e->first_seen || first_seen < e->first_seen)) e->first_seen = first_seen;
    if (!source || e->nsources == DOMAINSEARCH_SOURCES_MAX) return;
    for (size_t i = 0; i < e->nsources; i++)
        if (strcmp(e->sources[i], source) == 0) return;
    e->sources[e->nsources++] = arena_strdup(b->a, source);
}

static void add_from_answer(void *ctx, const char *email, const char *source)
{
    struct book *b = ctx;
    book_add(b, email, source, b->seen_at);
}

/* Sightings first (they carry first_seen), then the cached public answers,
 * which may hold addresses seen before sightings were kept. */
static enum rc gather(struct store *st, struct book *b, struct err *err)
{
    struct email_sighting *seen;
    size_t n;
    enum rc rc =
        st->ops->sightings_of_domain(st, b->domain, FINDER_SIGHTINGS_MAX, b->a, &seen, &n, err);
    if (rc != RC_OK) return rc;
    for (size_t i = 0; i < n; i++)
        book_add(b, seen[i].email, seen[i].source, seen[i].first_seen);
    struct public_mention *m;
    rc = st->ops->public_mentions(st, b->domain, clock_now(), FINDER_MENTIONS_MAX, b->a, &m, &n,
                                  err);
    if (rc != RC_OK) return rc;
    b->seen_at = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *root = json_loads(m[i].json, 0, NULL);
        finder_answer_emails(m[i].kind, root, m[i].url, add_from_answer, b);
        json_decref(root);
    }
    return RC_OK;
}

/* Nothing known: the site's own addresses, recorded as sightings. True when
 * the crawl succeeded; *cost is then crawl.php's. */
static bool crawl_domain(struct store *st, struct book *b, int64_t *cost)
{
    const char *url;
    bool implied;
    struct crawl_result r;
    struct err ignored = {0};
    if (crawl_normalize(b->domain, b->a, &url, &implied, &ignored) != RC_OK ||
        crawl_site(url, implied, b->a, &r, &ignored) != RC_OK)
        return false;
    json_t *data = crawl_result_json(&r);
    finder_record_sightings(st, "crawl", data, NULL);
    finder_record_people(st, &r, data);
    b->seen_at = clock_now();
    finder_answer_emails("crawl", data, NULL, add_from_answer, b);
    json_decref(data);
    *cost = crawl_result_cost(&r);
    return true;
}

/* Most pages first, then the earliest seen, then by address. */
static int by_evidence(const void *pa, const void *pb)
{
    const struct address *x = pa, *y = pb;
    if (x->nsources != y->nsources) return x->nsources > y->nsources ? -1 : 1;
    if (x->first_seen != y->first_seen) {
        if (!x->first_seen || !y->first_seen) return x->first_seen ? -1 : 1;
        return x->first_seen < y->first_seen ? -1 : 1;
    }
    return strcmp(x->email, y->email);
}

/* ---- what else is known -------------------------------------------------------- */

/* The pattern most addresses follow and its percentage of those whose shape
 * shows one; NULL pattern when none does. */
static json_t *pattern_json(const struct book *b, json_t *data)
{
    size_t npatterns;
    const struct finder_pattern *table = finder_patterns(&npatterns);
    const char **locals = arena_alloc(b->a, (b->n ? b->n : 1) * sizeof *locals);
    for (size_t i = 0; i < b->n; i++)
        locals[i] = arena_strndup(b->a, b->list[i].email, strcspn(b->list[i].email, "@"));
    struct finder_rank *ranks = arena_alloc(b->a, npatterns * sizeof *ranks);
    size_t classified = finder_rank_patterns(locals, b->n, ranks);
    bool any = classified > 0 && ranks[0].count > 0;
    json_object_set_new(data, "pattern",
                        any ? json_string(table[ranks[0].pattern].name) : json_null());
    json_object_set_new(data, "pattern_share",
                        any ? json_integer((json_int_t)((size_t)ranks[0].count * 100 / classified))
                            : json_null());
    return data;
}

/* An address's cached verification status (NULL when none), noting what its
 * result says of catch-all. */
static const char *cached_status(struct store *st, const char *email, struct arena *a,
                                 enum check_state *catch_all)
{
    json_t *hit = NULL;
    struct err err = {0};
    if (cache_get(st, verify_cache_key(email, a), &hit, &err) != RC_OK) return NULL;
    json_t *c = json_object_get(json_object_get(hit, "checks"), "catch_all");
    if (json_is_true(c))
        *catch_all = CHECK_YES;
    else if (json_is_false(c) && *catch_all == CHECK_UNKNOWN)
        *catch_all = CHECK_NO;
    const char *status = json_string_value(json_object_get(hit, "status"));
    status = status ? arena_strdup(a, status) : NULL;
    json_decref(hit);
    return status;
}

static json_t *datetime_or_null(int64_t t)
{
    if (!t) return json_null();
    char text[20];
    clock_format(t, text);
    return json_string(text);
}

static json_t *check_json(enum check_state s)
{
    return s == CHECK_UNKNOWN ? json_null() : json_boolean(s == CHECK_YES);
}

static json_t *emails_json(struct store *st, const struct book *b, size_t n,
                           enum check_state *catch_all)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct address *e = &b->list[i];
        json_t *sources = json_array();
        for (size_t k = 0; k < e->nsources; k++)
            json_array_append_new(sources, json_string(e->sources[k]));
        const char *status = cached_status(st, e->email, b->a, catch_all);
        json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:o}", "email", e->email, "sources",
                                              sources, "first_seen",
                                              datetime_or_null(e->first_seen), "verification",
                                              status ? json_string(status) : json_null()));
    }
    return list;
}

static void dns_json(const char *domain, const struct verify_options *vopt, struct arena *a,
                     json_t *data)
{
    struct domain_report rep;
    verify_domain_lookup(domain, &vopt->dns, clock_mono_ms() + vopt->deadline_ms, a, &rep);
    bool known = rep.mx_status != DNS_FAIL;
    json_t *mx = json_array();
    for (size_t i = 0; i < rep.nmx; i++)
        if (rep.mx[i].host[0]) json_array_append_new(mx, json_string(rep.mx[i].host));
    const char *provider = domainsearch_mail_provider(rep.mx, rep.nmx);
    if (!provider && known && rep.implicit_mx && rep.nhosts) provider = "other";
    json_object_set_new(data, "mail_provider", provider ? json_string(provider) : json_null());
    json_object_set_new(data, "mx", mx);
    json_object_set_new(data, "spf", check_json(rep.spf));
    json_object_set_new(data, "dmarc", check_json(rep.dmarc));
}

enum rc domainsearch_run(struct store *st, const struct domainsearch_query *q,
                         const struct verify_options *vopt, struct arena *a, json_t **data,
                         int64_t *cost, struct err *err)
{
    struct book b = {.domain = q->domain, .a = a};
    enum rc rc = gather(st, &b, err);
    if (rc != RC_OK) return rc;
    bool crawled = b.n == 0 && q->crawl && crawl_domain(st, &b, cost);
    if (b.n > 1) qsort(b.list, b.n, sizeof *b.list, by_evidence);
    size_t shown = b.n < DOMAINSEARCH_EMAILS_MAX ? b.n : DOMAINSEARCH_EMAILS_MAX;
    if (!crawled) *cost = domainsearch_cost(shown);
    enum check_state catch_all = CHECK_UNKNOWN;
    json_t *emails = emails_json(st, &b, shown, &catch_all);
    *data = json_pack("{s:s, s:o, s:I, s:b}", "domain", q->domain, "emails", emails, "total",
                      (json_int_t)b.n, "crawled", crawled);
    pattern_json(&b, *data);
    json_object_set_new(*data, "catch_all", check_json(catch_all));
    dns_json(q->domain, vopt, a, *data);
    return RC_OK;
}
