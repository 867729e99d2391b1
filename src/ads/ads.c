/* Ad Spy: search, record, merge with history, enrich, shape. */
#include "ads/ads.h"

#include "base/clock.h"
#include "base/str.h"
#include "core/privacy.h"
#include "crawl/crawl.h"

#include <ctype.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { ENRICH_BUDGET_MS = 45000 };

const char *ads_query_key(const char *query, struct arena *a)
{
    const char *folded = str_casefold(a, query);
    char *out = arena_alloc(a, strlen(folded) + 1), *o = out;
    bool space = false;
    for (const char *p = folded; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = o != out;
            continue;
        }
        if (space) *o++ = ' ';
        space = false;
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

int64_t ads_cost(size_t fresh, size_t fresh_with_email)
{
    return fresh > 7 ? 10 : (int64_t)fresh_with_email;
}

/* ---- identity ----------------------------------------------------------------- */

/* The registrable domain of an ad's landing host: one advertiser's ads share it
 * whatever subdomain or tracking parameters the link carries. */
static const char *ad_domain(const char *host, struct arena *a)
{
    const char *lower = str_casefold(a, host);
    const char *reg = psl_registrable_domain(psl_builtin(), lower);
    return arena_strdup(a, reg ? reg : lower);
}

/* Fresh ads with a landing URL, one per identity (the first, by position). */
static size_t fresh_ads(const struct serp_page *page, struct arena *a, struct ad **out)
{
    struct ad *ads = arena_alloc(a, (page->ads_count + 1) * sizeof *ads);
    size_t n = 0;
    for (size_t i = 0; i < page->ads_count; i++) {
        const struct serp_ad *s = &page->ads[i];
        if (!*s->url || !*s->domain || !*s->title) continue;
        struct ad ad = {.domain = ad_domain(s->domain, a),
                        .title_key = ads_query_key(s->title, a),
                        .title = s->title,
                        .url = s->url,
                        .display_url = s->display_url,
                        .ad_text = s->text,
                        .position = s->position};
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = !strcmp(ads[k].domain, ad.domain) && !strcmp(ads[k].title_key, ad.title_key);
        if (!dup) ads[n++] = ad;
    }
    *out = ads;
    return n;
}

/* ---- enrichment ---------------------------------------------------------------- */

static json_t *strings(const char *const *items, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, json_string(items[i]));
    return list;
}

static json_t *empty_contact(void)
{
    return json_pack("{s:[], s:[], s:[], s:{s:s, s:s, s:s, s:s}}", "emails", "phones",
                     "social_links", "metadata", "title", "", "description", "", "keywords", "",
                     "image", "");
}

struct enrich_job {
    const char *url;
    double budget_ms;
    json_t *contact; /* set on success */
};

static void *enrich_one(void *arg)
{
    struct enrich_job *job = arg;
    struct arena a;
    arena_init(&a);
    const char *url;
    bool implied;
    struct crawl_result r;
    if (crawl_normalize(job->url, &a, &url, &implied, NULL) == RC_OK &&
        crawl_site_within(url, implied, job->budget_ms, &a, &r, NULL) == RC_OK) {
        const struct extract_result *m = &r.merged;
        job->contact = json_pack("{s:o, s:o, s:o, s:{s:s, s:s, s:s, s:s}}", "emails",
                                 strings(r.site_emails, r.site_emails_count), "phones",
                                 strings(m->phones, m->phones_count), "social_links",
                                 strings(m->social, m->social_count), "metadata", "title",
                                 m->title, "description", m->description, "keywords",
                                 m->keywords, "image", m->image);
    }
    arena_cleanup(&a);
    return NULL;
}

/* Crawls, concurrently and under one deadline, the landing sites of fresh ads
 * whose contact data is missing or older than 7 days; stores what is found.
 * contacts[i] (for ads[i]) is set for the ads crawled successfully. */
static void enrich(struct store *st, const struct ad *ads, size_t n, const struct ad *history,
                   size_t history_n, int64_t now, json_t **contacts)
{
    struct enrich_job jobs[ADS_MAX_ENRICHED];
    size_t slot_of[ADS_MAX_ENRICHED];
    pthread_t threads[ADS_MAX_ENRICHED];
    size_t count = 0;
    for (size_t i = 0; i < n && count < ADS_MAX_ENRICHED; i++) {
        const struct ad *known = NULL;
        for (size_t k = 0; k < history_n && !known; k++)
            if (history[k].id == ads[i].id) known = &history[k];
        if (known && known->contact_data && now - known->contact_checked_at < ADS_CONTACT_TTL)
            continue; /* fresh enough */
        jobs[count] = (struct enrich_job){ads[i].url, ENRICH_BUDGET_MS, NULL};
        slot_of[count] = i;
        if (pthread_create(&threads[count], NULL, enrich_one, &jobs[count]) == 0) count++;
    }
    for (size_t j = 0; j < count; j++) {
        pthread_join(threads[j], NULL);
        if (!jobs[j].contact) continue; /* a failed landing page: empty, retried next time */
        struct err err = {0};
        /* the history is kept for good: an erased address must not come back into it */
        if (privacy_scrub_answer(st, jobs[j].contact, &err) != RC_OK) {
            json_decref(jobs[j].contact);
            jobs[j].contact = NULL;
            continue;
        }
        char *text = json_dumps(jobs[j].contact, JSON_COMPACT);
        if (text) st->ops->ads_set_contact(st, ads[slot_of[j]].id, text, now, &err);
        free(text);
        contacts[slot_of[j]] = jobs[j].contact;
    }
}

/* ---- shaping -------------------------------------------------------------------- */

static json_t *datetime(int64_t t)
{
    char text[20];
    clock_format(t, text);
    return json_string(text);
}

static json_t *contact_of(const struct ad *h, const struct ad *fresh, size_t n, json_t **contacts)
{
    for (size_t i = 0; i < n; i++)
        if (fresh[i].id == h->id && contacts[i]) return json_incref(contacts[i]);
    json_t *stored = h->contact_data ? json_loads(h->contact_data, 0, NULL) : NULL;
    if (json_is_object(stored)) return stored;
    json_decref(stored);
    return empty_contact();
}

static bool has_email(json_t *contact)
{
    return json_array_size(json_object_get(contact, "emails")) > 0;
}

enum rc ads_run(struct store *st, const struct serp_chain *providers, const struct ads_query *q,
                struct arena *a, json_t **data, int64_t *cost, const char **served,
                struct err *err)
{
    /* one page of the first provider's size; a fallback with smaller pages fetches more */
    struct serp_query sq = {.opt = q->serp, .engine = q->engine, .query = q->query, .page = q->page,
                            .per_page = providers->providers[0]->page_size(q->engine)};
    struct serp_page page;
    const struct serp_provider *by;
    enum rc rc = serp_search_chain(providers, &sq, a, &page, &by, err);
    if (rc != RC_OK) return rc;
    *served = by->name;
    const char *key = ads_query_key(q->query, a), *engine = serp_engine_name(q->engine);
    int64_t now = clock_now();
    struct ad *fresh, *history;
    size_t n = fresh_ads(&page, a, &fresh), history_n = 0;
    if ((rc = st->ops->ads_record(st, key, engine, fresh, n, now, err)) != RC_OK ||
        (rc = st->ops->ads_history(st, key, engine, a, &history, &history_n, err)) != RC_OK)
        return rc;
    json_t **contacts = arena_alloc(a, (n + 1) * sizeof *contacts);
    enrich(st, fresh, n, history, history_n, now, contacts);
    json_t *results = json_array();
    size_t with_email = 0;
    for (size_t k = 0; k < history_n; k++) {
        const struct ad *h = &history[k];
        bool active = false;
        for (size_t i = 0; i < n && !active; i++) active = fresh[i].id == h->id;
        if (!active && !q->include_history) continue;
        json_t *contact = contact_of(h, fresh, n, contacts);
        with_email += active && has_email(contact);
        json_array_append_new(results,
                              json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:o}", "position",
                                        (json_int_t)h->position, "title", h->title, "url", h->url,
                                        "ad_text", h->ad_text, "search_engine", engine,
                                        "first_seen", datetime(h->first_seen), "last_seen",
                                        datetime(h->last_seen), "is_active", active,
                                        "contact_data", contact));
    }
    for (size_t i = 0; i < n; i++) json_decref(contacts[i]);
    size_t total = json_array_size(results);
    *cost = ads_cost(n, with_email);
    *data = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:s}", "query", q->query,
                      "search_engine", engine, "page", (json_int_t)q->page, "fresh_count",
                      (json_int_t)n, "historical_count", (json_int_t)(total - n),
                      "results_count", (json_int_t)total, "results", results, "provider",
                      by->name);
    return RC_OK;
}
