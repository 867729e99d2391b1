/* The crawl answer's JSON shape and cost, shared by the crawl endpoint and
 * the CLI so the two print the same bytes. */
#include "crawl/result.h"

#include <string.h>

static json_t *strings_json(const char *const *items, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, json_string(items[i]));
    return list;
}

static const struct crawl_source *source_of(const struct crawl_result *r, const char *item)
{
    for (size_t i = 0; i < r->sources_count; i++)
        if (strcmp(r->sources[i].item, item) == 0) return &r->sources[i];
    return NULL;
}

static void add_sources(json_t *obj, const struct crawl_result *r, const char *const *items,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct crawl_source *s = source_of(r, items[i]);
        if (s) json_object_set_new(obj, items[i], strings_json(s->urls, s->count));
    }
}

/* {item: [page URL, ...]} for every email and phone of the answer. */
static json_t *sources_json(const struct crawl_result *r)
{
    json_t *obj = json_object();
    add_sources(obj, r, r->merged.emails, r->merged.emails_count);
    add_sources(obj, r, r->merged.phones, r->merged.phones_count);
    return obj;
}

json_t *crawl_result_json(const struct crawl_result *r)
{
    const struct extract_result *m = &r->merged;
    return json_pack("{s:s, s:i, s:{s:s, s:s, s:s, s:s}, s:o, s:o, s:o, s:o, s:o}", "domain",
                     r->domain ? r->domain : r->url, "pages_crawled", r->pages_crawled,
                     "metadata", "title", m->title,
                     "description", m->description, "keywords", m->keywords, "image", m->image,
                     "emails", strings_json(r->site_emails, r->site_emails_count), "all_emails",
                     strings_json(m->emails, m->emails_count), "phones",
                     strings_json(m->phones, m->phones_count), "social_links",
                     strings_json(m->social, m->social_count), "sources", sources_json(r));
}

int64_t crawl_result_cost(const struct crawl_result *r)
{
    const struct extract_result *m = &r->merged;
    int64_t cost = (int64_t)r->site_emails_count;
    if (cost > CRAWL_MAX_CREDITS) cost = CRAWL_MAX_CREDITS;
    if (cost == 0 && (m->emails_count || m->phones_count || m->social_count)) cost = 1;
    return cost;
}

int64_t crawl_data_cost(const json_t *data)
{
    int64_t cost = (int64_t)json_array_size(json_object_get(data, "emails"));
    if (cost > CRAWL_MAX_CREDITS) cost = CRAWL_MAX_CREDITS;
    if (cost == 0 && (json_array_size(json_object_get(data, "all_emails")) ||
                      json_array_size(json_object_get(data, "phones")) ||
                      json_array_size(json_object_get(data, "social_links"))))
        cost = 1;
    return cost;
}
