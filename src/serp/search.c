/* One search over a provider: the engine pages a result page needs, fetched
 * at once and merged in order, and the contacts found in their text. */
#include "serp/internal.h"

#include "base/log.h"
#include "extract/extract.h"

#include <stdio.h>
#include <string.h>

const struct serp_provider *serp_provider_named(const char *name)
{
    static const struct serp_provider *const all[] = {&serp_direct, &serp_scraperapi,
                                                      &serp_serpapi, &serp_searxng,
                                                      &serp_browser};
    for (size_t i = 0; name && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i]->name, name) == 0) return all[i];
    return NULL;
}

/* What provider p lacks in o to be used ("LEADGEN_SERPAPI_KEY"), or NULL. */
static const char *missing(const struct serp_options *o, const struct serp_provider *p)
{
    const char *have = "-";
    if (p == &serp_scraperapi) have = o->scraperapi_key;
    if (p == &serp_serpapi) have = o->serpapi_key;
    if (p == &serp_searxng) have = o->searxng_url;
    if (p == &serp_browser && !serp_browser_available(o)) have = NULL;
    return have && *have ? NULL : p->key_var;
}

/* Appends each comma-separated provider name of o->provider to c (unknown and
 * repeated names are skipped: start-up validated the list), listing in
 * lacking what the unconfigured ones need. */
static void parse_chain(const struct serp_options *o, struct serp_chain *c, char *lacking,
                        size_t size)
{
    char name[32];
    size_t used = 0;
    for (const char *p = o->provider ? o->provider : ""; *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, ","), len = n;
        while (len && p[len - 1] == ' ') len--;
        snprintf(name, sizeof name, "%.*s", (int)len, p);
        p += n;
        const struct serp_provider *prov = serp_provider_named(name);
        bool repeated = false;
        for (size_t i = 0; prov && i < c->n; i++) repeated |= c->providers[i] == prov;
        if (!prov || repeated || c->n == SERP_CHAIN_MAX) continue;
        const char *need = missing(o, prov);
        if (!need) c->providers[c->n++] = prov;
        else if (used < size)
            used += (size_t)snprintf(lacking + used, size - used, "%sthe %s provider needs %s",
                                     used ? "; " : "", prov->name, need);
    }
}

const struct serp_chain *serp_provider_choose(const struct serp_options *o, struct arena *a,
                                              struct err *err)
{
    struct serp_chain *c = arena_alloc(a, sizeof *c);
    memset(c, 0, sizeof *c);
    char lacking[200] = "";
    parse_chain(o, c, lacking, sizeof lacking);
    if (c->n) return c;
    if (!*lacking)
        err_set(err, RC_INVALID,
                "Lead Search is not configured: LEADGEN_SEARCH_PROVIDER must list direct, "
                "scraperapi, serpapi, searxng or browser.");
    else
        err_set(err, RC_INVALID, "Lead Search is not configured: %s.", lacking);
    return NULL;
}

/* Emails and phones of one item's text; phones take the country of its host. */
static void contacts(const char *title, const char *body, const char *url, struct arena *a,
                     const char ***emails, size_t *nemails, const char ***phones,
                     const char ***normalized, size_t *nphones)
{
    const char *text = arena_sprintf(a, "%s\n%s", title, body);
    size_t len = strlen(text);
    *nemails = extract_emails_from_text(text, len, a, emails);
    const char *cc = extract_country_code_for_host(serp_host(url, a));
    *nphones = extract_phones_from_text(text, len, cc, a, phones, normalized);
}

void serp_find_contacts(struct serp_page *page, struct arena *a)
{
    for (size_t i = 0; i < page->results_count; i++) {
        struct serp_result *r = &page->results[i];
        contacts(r->title, r->snippet, r->url, a, &r->emails, &r->emails_count, &r->phones,
                 &r->phones_normalized, &r->phones_count);
    }
    for (size_t i = 0; i < page->ads_count; i++) {
        struct serp_ad *ad = &page->ads[i];
        contacts(ad->title, ad->text, ad->url, a, &ad->emails, &ad->emails_count, &ad->phones,
                 &ad->phones_normalized, &ad->phones_count);
    }
}

static bool seen(const struct serp_result *items, size_t n, const char *url)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].url, url) == 0) return true;
    return false;
}

/* The pages' results in order, without repeats, at most per_page of them. */
static void merge(const struct serp_query *q, const struct serp_page *pages, size_t n,
                  struct arena *a, struct serp_page *out)
{
    size_t total_results = 0, total_ads = 0;
    for (size_t i = 0; i < n; i++) {
        total_results += pages[i].results_count;
        total_ads += pages[i].ads_count;
    }
    out->results = arena_alloc(a, (total_results + 1) * sizeof *out->results);
    out->ads = arena_alloc(a, (total_ads + 1) * sizeof *out->ads);
    int64_t first = q->page * q->per_page;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < pages[i].results_count; k++) {
            const struct serp_result *r = &pages[i].results[k];
            if ((int64_t)out->results_count == q->per_page) break;
            if (seen(out->results, out->results_count, r->url)) continue;
            out->results[out->results_count] = *r;
            out->results[out->results_count].position = first + (int64_t)out->results_count + 1;
            out->results_count++;
        }
        for (size_t k = 0; k < pages[i].ads_count; k++) {
            out->ads[out->ads_count] = pages[i].ads[k];
            out->ads[out->ads_count].position = (int64_t)out->ads_count + 1;
            out->ads_count++;
        }
    }
    out->kind = out->results_count || out->ads_count ? SERP_RESULTS : SERP_EMPTY;
}

enum rc serp_search(const struct serp_provider *p, const struct serp_query *q, struct arena *a,
                    struct serp_page *out, struct err *err)
{
    memset(out, 0, sizeof *out);
    int64_t size = p->page_size(q->engine), per_page = q->per_page > 0 ? q->per_page : 1;
    size_t n = (size_t)((per_page + size - 1) / size);
    struct serp_fetch *f = arena_alloc(a, n * sizeof *f);
    for (size_t i = 0; i < n; i++) {
        int64_t skip = (int64_t)i * size, left = per_page - skip;
        f[i] = (struct serp_fetch){.opt = q->opt, .engine = q->engine, .query = q->query,
                                   .offset = q->page * per_page + skip,
                                   .count = (int)(left < size ? left : size)};
    }
    struct serp_page *pages = arena_alloc(a, n * sizeof *pages);
    struct err *errs = arena_alloc(a, n * sizeof *errs);
    enum rc *rcs = arena_alloc(a, n * sizeof *rcs);
    p->fetch(f, n, a, pages, errs, rcs);
    for (size_t i = 0; i < n; i++)
        if (rcs[i] != RC_OK) {
            err_copy(err, &errs[i]);
            return RC_UPSTREAM;
        }
    merge(q, pages, n, a, out);
    serp_find_contacts(out, a);
    return RC_OK;
}

enum rc serp_search_chain(const struct serp_chain *c, const struct serp_query *q,
                          struct arena *a, struct serp_page *out,
                          const struct serp_provider **served, struct err *err)
{
    struct err last = {0};
    *served = NULL;
    for (size_t i = 0; i < c->n; i++) {
        memset(&last, 0, sizeof last);
        if (serp_search(c->providers[i], q, a, out, &last) == RC_OK) {
            *served = c->providers[i];
            return RC_OK;
        }
        if (c->n > 1)
            log_warn("search provider %s failed, %s: %s", c->providers[i]->name,
                     i + 1 < c->n ? "trying the next" : "none left", last.msg);
    }
    /* the last provider's failure is the answer's; the others are in the log */
    if (c->n == 1) return err_copy(err, &last);
    return err_set(err, RC_UPSTREAM, "%s: %s", c->providers[c->n - 1]->name, last.msg);
}
