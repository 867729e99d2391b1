/* The crawl answer's JSON shape and cost, shared by the crawl endpoint and
 * the CLI so the two print the same bytes. */
#include "crawl/result.h"

static json_t *strings_json(const char *const *items, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, json_string(items[i]));
    return list;
}

json_t *crawl_result_json(const struct crawl_result *r)
{
    const struct extract_result *m = &r->merged;
    return json_pack("{s:s, s:i, s:{s:s, s:s, s:s, s:s}, s:o, s:o, s:o, s:o}", "domain",
                     r->domain ? r->domain : r->url,
                     "pages_crawled", r->pages_crawled, "metadata", "title", m->title,
                     "description", m->description, "keywords", m->keywords, "image", m->image,
                     "emails", strings_json(r->site_emails, r->site_emails_count), "all_emails",
                     strings_json(m->emails, m->emails_count), "phones",
                     strings_json(m->phones, m->phones_count), "social_links",
                     strings_json(m->social, m->social_count));
}

int64_t crawl_result_cost(const struct crawl_result *r)
{
    const struct extract_result *m = &r->merged;
    int64_t cost = (int64_t)r->site_emails_count;
    if (cost > CRAWL_MAX_CREDITS) cost = CRAWL_MAX_CREDITS;
    if (cost == 0 && (m->emails_count || m->phones_count || m->social_count)) cost = 1;
    return cost;
}
