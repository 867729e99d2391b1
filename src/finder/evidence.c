/* The addresses in public answers (crawl.php, search.php, Ad Spy contacts),
 * read for the finder and domain search and recorded as sightings when such
 * an answer is produced, so they outlive the cached answer. */
#include "finder/finder.h"

#include "base/clock.h"
#include "base/log.h"

#include <string.h>

static void each_string(json_t *emails, const char *source, finder_email_fn *fn, void *ctx)
{
    size_t i;
    json_t *e;
    json_array_foreach(emails, i, e) if (json_is_string(e)) fn(ctx, json_string_value(e), source);
}

void finder_answer_emails(const char *kind, json_t *data, const char *url, finder_email_fn *fn,
                          void *ctx)
{
    if (!json_is_object(data)) return;
    if (strcmp(kind, "search") == 0) {
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(data, "results"), i, r)
        {
            const char *page = json_string_value(json_object_get(r, "url"));
            each_string(json_object_get(r, "emails"), page, fn, ctx);
        }
    } else if (strcmp(kind, "crawl") == 0) {
        each_string(json_object_get(data, "emails"),
                    json_string_value(json_object_get(data, "domain")), fn, ctx);
    } else {
        each_string(json_object_get(data, "emails"), url, fn, ctx);
    }
}

struct sightings {
    struct email_sighting rows[FINDER_SIGHTINGS_MAX];
    size_t n;
    struct arena *a;
};

static void add_sighting(void *ctx, const char *email, const char *source)
{
    struct sightings *s = ctx;
    const char *at = strrchr(email, '@');
    if (!source || !*source || !at || at == email || !at[1] || strlen(email) > 254 ||
        s->n == FINDER_SIGHTINGS_MAX)
        return;
    char *lower = arena_strdup(s->a, email);
    for (char *c = lower; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].email, lower) == 0 && strcmp(s->rows[i].source, source) == 0) return;
    s->rows[s->n++] = (struct email_sighting){
        .email = lower, .domain = lower + (at - email) + 1, .source = arena_strdup(s->a, source)};
}

void finder_record_sightings(struct store *st, const char *kind, json_t *data, const char *url)
{
    struct arena a;
    arena_init(&a);
    struct sightings *s = arena_alloc(&a, sizeof *s);
    s->a = &a;
    finder_answer_emails(kind, data, url, add_sighting, s);
    struct err err = {0};
    if (s->n && st->ops->sightings_record(st, s->rows, s->n, clock_now(), &err) != RC_OK)
        log_warn("recording the addresses of a %s answer: %s", kind, err.msg);
    arena_cleanup(&a);
}

static bool listed(json_t *emails, const char *email)
{
    size_t i;
    json_t *e;
    json_array_foreach(emails, i, e) if (json_is_string(e) &&
                                         strcmp(json_string_value(e), email) == 0) return true;
    return false;
}

void finder_record_people(struct store *st, const struct crawl_result *r, json_t *data)
{
    struct arena a;
    arena_init(&a);
    size_t max = r->people_count < FINDER_SIGHTINGS_MAX ? r->people_count : FINDER_SIGHTINGS_MAX;
    struct email_sighting *rows = arena_alloc(&a, (max + 1) * sizeof *rows);
    size_t n = 0;
    json_t *all = json_object_get(data, "all_emails");
    for (size_t i = 0; i < r->people_count && n < max; i++) {
        const struct crawl_person *p = &r->people[i];
        const char *at = strrchr(p->email, '@');
        if (!at || !p->url || !listed(all, p->email)) continue;
        rows[n++] = (struct email_sighting){
            .email = p->email, .domain = at + 1, .source = p->url, .person = p->name};
    }
    struct err err = {0};
    if (n && st->ops->sightings_record(st, rows, n, clock_now(), &err) != RC_OK)
        log_warn("recording the name pairings of a crawl: %s", err.msg);
    arena_cleanup(&a);
}
