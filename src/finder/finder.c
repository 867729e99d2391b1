/* The email finder's search: gather the addresses seen at the domain in
 * public data (or crawl it), rank the patterns, render the candidates, and
 * verify them in order until one is accepted. */
#include "finder/finder.h"

#include "base/clock.h"
#include "core/privacy.h"
#include "crawl/crawl.h"
#include "crawl/result.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Addresses at the domain seen in public data, each with the first page that
 * showed it and the page that paired it with a name (which tells its pattern). */
struct evidence {
    struct finder_sample *samples;
    const char **sources, **pair_sources;
    size_t n, cap;
};

static void evidence_add(struct evidence *ev, const char *email, const char *source,
                         const char *person, const char *domain, struct arena *a) {
    const char *at = strrchr(email, '@');
    if (!at || strcasecmp(at + 1, domain) != 0 || at == email) return;
    char *local = arena_strndup(a, email, (size_t)(at - email));
    for (char *c = local; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    int paired = person && *person && source ? finder_pair_pattern(person, local, a) : -1;
    for (size_t i = 0; i < ev->n; i++) {
        if (strcmp(ev->samples[i].local, local) != 0) continue;
        if (paired >= 0 && ev->samples[i].paired < 0) {
            ev->samples[i].paired = paired;
            ev->pair_sources[i] = arena_strdup(a, source);
        }
        return;
    }
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 16;
        struct finder_sample *samples = arena_alloc(a, cap * sizeof *samples);
        const char **sources = arena_alloc(a, cap * sizeof *sources);
        const char **pair_sources = arena_alloc(a, cap * sizeof *pair_sources);
        if (ev->n) {
            memcpy(samples, ev->samples, ev->n * sizeof *samples);
            memcpy(sources, ev->sources, ev->n * sizeof *sources);
            memcpy(pair_sources, ev->pair_sources, ev->n * sizeof *pair_sources);
        }
        ev->samples = samples, ev->sources = sources, ev->pair_sources = pair_sources;
        ev->cap = cap;
    }
    ev->samples[ev->n] = (struct finder_sample){local, paired};
    ev->pair_sources[ev->n] = paired >= 0 ? arena_strdup(a, source) : NULL;
    ev->sources[ev->n++] = source ? arena_strdup(a, source) : NULL;
}

struct evidence_ctx {
    struct evidence *ev;
    const char *domain;
    struct arena *a;
};

static void add_email(void *ctx, const char *email, const char *source)
{
    struct evidence_ctx *c = ctx;
    evidence_add(c->ev, email, source, NULL, c->domain, c->a);
}

static enum rc gather(struct store *st, const struct finder_query *q, struct arena *a,
                      struct evidence *ev, struct err *err) {
    struct public_mention *m;
    size_t n;
    enum rc rc =
        st->ops->public_mentions(st, q->domain, clock_now(), FINDER_MENTIONS_MAX, a, &m, &n, err);
    if (rc != RC_OK) return rc;
    struct evidence_ctx ctx = {ev, q->domain, a};
    for (size_t i = 0; i < n; i++) {
        json_t *root = json_loads(m[i].json, 0, NULL);
        finder_answer_emails(m[i].kind, root, m[i].url, add_email, &ctx);
        json_decref(root);
    }
    /* addresses seen in answers that have since expired from the cache */
    struct email_sighting *seen;
    rc = st->ops->sightings_of_domain(st, q->domain, FINDER_SIGHTINGS_MAX, a, &seen, &n, err);
    if (rc != RC_OK) return rc;
    for (size_t i = 0; i < n; i++)
        evidence_add(ev, seen[i].email, seen[i].source, seen[i].person, q->domain, a);
    if (ev->n > 0 || !q->crawl) return RC_OK;
    /* nothing known yet: what the site itself shows (a failed crawl is no evidence) */
    const char *url;
    bool implied;
    struct crawl_result r;
    struct err ignored = {0};
    if (crawl_normalize(q->domain, a, &url, &implied, &ignored) != RC_OK ||
        crawl_site(url, implied, a, &r, &ignored) != RC_OK)
        return RC_OK;
    json_t *data = crawl_result_json(&r);
    /* erased addresses are no evidence and are not remembered */
    rc = privacy_scrub_answer(st, data, err);
    if (rc == RC_OK) {
        finder_record_sightings(st, "crawl", data, NULL);
        finder_record_people(st, &r, data);
        finder_answer_emails("crawl", data, NULL, add_email, &ctx);
        json_t *all = json_object_get(data, "all_emails");
        size_t k;
        json_t *e;
        for (size_t i = 0; i < r.people_count; i++)
            json_array_foreach(all, k, e) if (strcmp(json_string_value(e), r.people[i].email) == 0)
                evidence_add(ev, r.people[i].email, r.people[i].url, r.people[i].name, q->domain,
                             a);
    }
    json_decref(data);
    return rc;
}

/* ---- candidates and verification ------------------------------------------ */

struct candidate {
    const char *email;
    int rank; /* index into the ranking */
};

/* The ranked patterns rendered for the name, then the compound-name variants
 * of the top pattern (last name joined, then its first part), without
 * duplicates, at most max. */
static size_t candidates(const struct finder_query *q, const struct finder_rank *ranks,
                         size_t npatterns, struct arena *a, struct candidate *out, size_t max) {
    size_t n = 0;
    const struct finder_pattern *table = finder_patterns(&(size_t){0});
    struct finder_name names[3] = {q->name, q->name, q->name};
    size_t nnames = 1;
    if (strchr(q->name.last, '-')) {
        char *joined = arena_strdup(a, q->name.last), *w = joined;
        for (const char *r = q->name.last; *r; r++)
            if (*r != '-') *w++ = *r;
        *w = '\0';
        names[nnames++].last = joined;
        names[nnames++].last = arena_strndup(a, q->name.last, strcspn(q->name.last, "-"));
    }
    for (size_t v = 0; v < nnames; v++)
        for (size_t r = 0; r < npatterns && n < max; r++) {
            if (v > 0 && r > 0) break; /* variants only for the most likely pattern */
            const char *local = finder_render(table[ranks[r].pattern].name, &names[v], a);
            if (!local) continue;
            const char *email = arena_sprintf(a, "%s@%s", local, q->domain);
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = strcmp(out[k].email, email) == 0;
            if (!seen) out[n++] = (struct candidate){email, (int)r};
        }
    return n;
}

static bool catch_all_of(json_t *result) {
    return json_is_true(json_object_get(json_object_get(result, "checks"), "catch_all"));
}

/* Verifies emails[0..n) together (one SMTP session); the index of the first
 * valid one, or -1. results[i] are new references. */
static int verify_batch(const char *const *emails, size_t n, const struct verify_options *vopt,
                        json_t **results, enum verify_status *status) {
    struct verify_outcome out[FINDER_PROBES_MAX];
    verify_run(emails, n, vopt, out);
    int first = -1;
    for (size_t i = 0; i < n; i++) {
        results[i] = out[i].result;
        status[i] = out[i].status;
        if (first < 0 && out[i].status == VERIFY_VALID) first = (int)i;
    }
    return first;
}

/* The pages behind pattern: those that paired a name with an address first,
 * then the first page of each address written with it. */
static json_t *sources_json(const struct evidence *ev, int pattern) {
    json_t *list = json_array();
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ev->n && json_array_size(list) < FINDER_SOURCES_MAX; i++) {
            const struct finder_sample *s = &ev->samples[i];
            int p = s->paired >= 0 ? s->paired : finder_classify(s->local);
            const char *url = pass == 0 ? ev->pair_sources[i] : ev->sources[i];
            if (p != pattern || !url) continue;
            bool dup = false;
            size_t k;
            json_t *v;
            json_array_foreach(list, k, v) dup = dup || strcmp(json_string_value(v), url) == 0;
            if (!dup) json_array_append_new(list, json_string(url));
        }
    return list;
}

enum rc finder_find(struct store *st, const struct finder_query *q,
                    const struct verify_options *vopt, struct arena *a, json_t **data, bool *found,
                    struct err *err) {
    struct evidence ev = {0};
    enum rc rc = gather(st, q, a, &ev, err);
    if (rc != RC_OK) return rc;
    size_t npatterns;
    finder_patterns(&npatterns);
    struct finder_rank *ranks = arena_alloc(a, npatterns * sizeof *ranks);
    size_t classified = (size_t)finder_rank_samples(ev.samples, ev.n, ranks);
    struct candidate cands[FINDER_PROBES_MAX];
    size_t n = candidates(q, ranks, npatterns, a, cands, FINDER_PROBES_MAX);

    const char *emails[FINDER_PROBES_MAX];
    json_t *results[FINDER_PROBES_MAX] = {0};
    enum verify_status status[FINDER_PROBES_MAX];
    for (size_t i = 0; i < n; i++)
        emails[i] = cands[i].email;
    /* the most likely one alone first: most answers stop there */
    int chosen = n ? verify_batch(emails, 1, vopt, results, status) : -1;
    bool catch_all = n && catch_all_of(results[0]);
    bool unknown = n && status[0] == VERIFY_UNKNOWN;
    if (chosen < 0 && n > 1 && !catch_all && !unknown) {
        int k = verify_batch(emails + 1, n - 1, vopt, results + 1, status + 1);
        if (k >= 0) chosen = k + 1;
    }
    enum finder_check check = FINDER_VERIFIED;
    if (chosen < 0 && n && (catch_all || (unknown && classified > 0))) {
        chosen = 0; /* returned unverified: the evidence is all there is */
        check = catch_all ? FINDER_CATCH_ALL : FINDER_UNVERIFIED;
    }
    const struct finder_pattern *table = finder_patterns(&npatterns);
    int rank = chosen >= 0 ? cands[chosen].rank : 0;
    int pattern = ranks[rank].pattern;
    *found = chosen >= 0;
    *data = json_pack("{s:s, s:o, s:o, s:i, s:o, s:o, s:o}", "domain", q->domain, "email",
                      *found ? json_string(cands[chosen].email) : json_null(), "pattern",
                      *found ? json_string(table[pattern].name) : json_null(), "confidence",
                      *found ? finder_confidence(ranks[rank].weight, classified, check) : 0,
                      "sources", *found ? sources_json(&ev, pattern) : json_array(), "verification",
                      *found && results[chosen] ? json_incref(results[chosen]) : json_null(),
                      "catch_all", n ? json_boolean(catch_all) : json_null());
    for (size_t i = 0; i < n; i++)
        json_decref(results[i]);
    return RC_OK;
}
