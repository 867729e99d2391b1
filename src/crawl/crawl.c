/* Crawler: main page, robots.txt, then rounds of internal pages fetched
 * concurrently through net/http.h and parsed by the extraction engine. */
#include "crawl/crawl.h"

#include "base/clock.h"
#include "base/str.h"
#include "crawl/robots.h"
#include "net/http.h"
#include "net/url.h"

#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    PAGE_MAX_BYTES = 2 << 20,
    ROBOTS_MAX_BYTES = 512 << 10,
    PAGE_TIMEOUT_MS = 15000,
    CRAWL_DEADLINE_MS = 90000,
    PER_SITE_PARALLEL = 4,
    URL_MAX = 2048,
    MAX_CANDIDATES = 2000,
};

static const char user_agent[] =
    "Mozilla/5.0 (compatible; leadgen/1.0; +https://github.com/leadgen-tools/leadgen)";
static const char robots_agent[] = "leadgen";

/* ---- URLs ------------------------------------------------------------------- */

enum rc crawl_normalize(const char *input, struct arena *a, const char **url, bool *implied,
                        struct err *err)
{
    size_t n = strlen(input);
    if (n == 0 || n > URL_MAX || strpbrk(input, " \t\r\n\"<>\\^`{|}"))
        return err_set(err, RC_INVALID, "Parameter 'domain' is not a URL.");
    *implied = strstr(input, "://") == NULL;
    struct url_parts u;
    if (url_parse(*implied ? arena_sprintf(a, "https://%s", input) : input, a, &u)) {
        *url = u.normal;
        return RC_OK;
    }
    if (u.scheme && strcmp(u.scheme, "http") && strcmp(u.scheme, "https"))
        return err_set(err, RC_INVALID, "Parameter 'domain' must be an http or https URL, not %s.",
                       u.scheme);
    return err_set(err, RC_INVALID, "Parameter 'domain' is not a URL with a host name.");
}

/* The input names no path when nothing follows its host (and port). */
static bool input_names_path(const char *input)
{
    const char *host = strstr(input, "://");
    host = host ? host + 3 : input;
    return strpbrk(host, "/?#") != NULL;
}

const char *crawl_domain_echo(const char *input, const char *url, struct arena *a)
{
    const char *host = strstr(url, "://");
    if (!host) return url;
    const char *path = strchr(host + 3, '/');
    bool bare = path == NULL || strcmp(path, "/") == 0;
    if (!bare) return url;
    if (!input_names_path(input))
        return path ? arena_strndup(a, url, (size_t)(path - url)) : url;
    return path ? url : arena_sprintf(a, "%s/", url);
}

static const char *registrable(const char *host, struct arena *a)
{
    const char *reg = psl_registrable_domain(psl_builtin(), host);
    if (!reg) reg = host; /* an IP address or a bare suffix: the host is the site */
    if (!strncmp(reg, "www.", 4)) reg += 4;
    return arena_strdup(a, reg);
}

static bool same_site(const char *host, const char *site, struct arena *a)
{
    return strcasecmp(registrable(host, a), site) == 0;
}

/* ---- choosing pages --------------------------------------------------------- */

static const char *const skipped_extensions[] = {
    "pdf", "jpg", "jpeg", "png", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "avif",
    "zip", "rar", "7z", "gz", "tgz", "tar", "bz2", "mp4", "mp3", "m4a", "wav", "avi", "mov",
    "webm", "ogg", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "css", "js",
    "json", "xml", "rss", "atom", "txt", "csv", "woff", "woff2", "ttf", "eot", "exe", "dmg",
    "apk", "iso", "ics", "vcf"};

static bool looks_like_html(const char *path)
{
    size_t n = strcspn(path, "?");
    const char *dot = NULL; /* the last dot of the last path segment */
    for (const char *p = path; p < path + n; p++) {
        if (*p == '/') dot = NULL;
        else if (*p == '.') dot = p;
    }
    if (!dot) return true;
    size_t en = (size_t)(path + n - dot - 1);
    for (size_t i = 0; i < sizeof skipped_extensions / sizeof *skipped_extensions; i++)
        if (strlen(skipped_extensions[i]) == en && !strncasecmp(dot + 1, skipped_extensions[i], en))
            return false;
    return true;
}

static const char *const contact_words[] = {
    "contact", "kontakt", "impressum", "imprint", "about", "team", "legal", "ueber-uns",
    "uber-uns", "about-us", "staff", "people", "management", "leadership", "mentions-legales",
    "contacto", "contatti", "contato", "chi-siamo", "equipe", "nosotros", "company"};
static const char *const helpful_words[] = {"privacy", "datenschutz", "career", "jobs", "support",
                                            "help", "service", "location", "office", "store"};

static int priority(const char *path)
{
    for (size_t i = 0; i < sizeof contact_words / sizeof *contact_words; i++)
        if (strcasestr(path, contact_words[i])) return 2;
    for (size_t i = 0; i < sizeof helpful_words / sizeof *helpful_words; i++)
        if (strcasestr(path, helpful_words[i])) return 1;
    return 0;
}

struct candidate {
    const char *url;
    int priority;
    size_t order;
};

struct frontier {
    struct candidate *items;
    size_t count, cap, next_order;
    const char **seen;
    size_t seen_count, seen_cap;
};

static bool seen_before(struct frontier *f, const char *url, struct arena *a)
{
    for (size_t i = 0; i < f->seen_count; i++)
        if (!strcmp(f->seen[i], url)) return true;
    if (f->seen_count == f->seen_cap) {
        size_t next = f->seen_cap ? f->seen_cap * 2 : 64;
        const char **bigger = arena_alloc(a, next * sizeof *bigger);
        if (f->seen_count) memcpy(bigger, f->seen, f->seen_count * sizeof *bigger);
        f->seen = bigger;
        f->seen_cap = next;
    }
    f->seen[f->seen_count++] = url;
    return false;
}

static void frontier_add(struct frontier *f, const char *url, int prio, struct arena *a)
{
    if (f->count == f->cap) {
        size_t next = f->cap ? f->cap * 2 : 32;
        struct candidate *bigger = arena_alloc(a, next * sizeof *bigger);
        if (f->count) memcpy(bigger, f->items, f->count * sizeof *bigger);
        f->items = bigger;
        f->cap = next;
    }
    f->items[f->count++] = (struct candidate){url, prio, f->next_order++};
}

struct site {
    const char *host, *reg;
    struct robots robots;
    bool obey_robots;
};

/* Queues the page's internal HTML links the robots rules allow. */
static void queue_links(struct frontier *f, const struct extract_result *page,
                        const struct site *site, struct arena *a)
{
    for (size_t i = 0; i < page->links_count && f->seen_count < MAX_CANDIDATES; i++) {
        struct url_parts u;
        if (!url_parse(page->links[i], a, &u)) continue;
        if (!same_site(u.host, site->reg, a) || !looks_like_html(u.path)) continue;
        if (seen_before(f, page->links[i], a)) continue;
        if (site->obey_robots && !robots_allowed(&site->robots, u.path)) continue;
        frontier_add(f, page->links[i], priority(u.path), a);
    }
}

static int by_priority(const void *x, const void *y)
{
    const struct candidate *a = x, *b = y;
    if (a->priority != b->priority) return b->priority - a->priority;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* ---- fetching --------------------------------------------------------------- */

static struct http_request page_request(const char *url, long timeout_ms)
{
    return (struct http_request){.url = url, .timeout_ms = timeout_ms, .max_bytes = PAGE_MAX_BYTES,
                                 .truncate = true, .max_redirects = 5, .user_agent = user_agent,
                                 .guard_private = true};
}

static bool is_html(const struct http_response *r)
{
    const char *t = r->content_type;
    return !*t || !strncasecmp(t, "text/html", 9) || !strncasecmp(t, "application/xhtml", 17);
}

/* Parses one fetched page into the merged result; false when it is not an HTML page. */
/* Notes that item was found on url (the first CRAWL_MAX_SOURCES pages each). */
static void add_source(struct crawl_result *out, const char *item, const char *url,
                       struct arena *a)
{
    struct crawl_source *s = NULL;
    for (size_t i = 0; i < out->sources_count && !s; i++)
        if (strcmp(out->sources[i].item, item) == 0) s = &out->sources[i];
    if (!s) {
        if (out->sources_count == out->sources_cap) {
            size_t cap = out->sources_cap ? out->sources_cap * 2 : 16;
            struct crawl_source *grown = arena_alloc(a, cap * sizeof *grown);
            if (out->sources_count) memcpy(grown, out->sources, out->sources_count * sizeof *grown);
            out->sources = grown;
            out->sources_cap = cap;
        }
        s = &out->sources[out->sources_count++];
        s->item = item;
    }
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->urls[i], url) == 0) return;
    if (s->count < CRAWL_MAX_SOURCES) s->urls[s->count++] = url;
}

/* A page's emails and phones, under the form merged keeps (phones match by number). */
static void note_sources(struct crawl_result *out, const struct extract_result *page,
                         const char *url, struct arena *a)
{
    const struct extract_result *m = &out->merged;
    for (size_t i = 0; i < page->emails_count; i++) add_source(out, page->emails[i], url, a);
    for (size_t i = 0; i < page->phones_count; i++)
        for (size_t j = 0; j < m->phones_count; j++)
            if (strcmp(m->phones_normalized[j], page->phones_normalized[i]) == 0) {
                add_source(out, m->phones[j], url, a);
                break;
            }
}

/* The page's name pairings whose address no earlier page paired. */
static void note_people(struct crawl_result *out, const struct extract_result *page,
                        const char *url, struct arena *a)
{
    for (size_t i = 0; i < page->people_count; i++) {
        bool seen = false;
        for (size_t k = 0; k < out->people_count && !seen; k++)
            seen = strcmp(out->people[k].email, page->people[i].email) == 0;
        if (seen) continue;
        if (out->people_count == out->people_cap) {
            size_t cap = out->people_cap ? out->people_cap * 2 : 8;
            struct crawl_person *grown = arena_alloc(a, cap * sizeof *grown);
            if (out->people_count) memcpy(grown, out->people, out->people_count * sizeof *grown);
            out->people = grown;
            out->people_cap = cap;
        }
        out->people[out->people_count++] =
            (struct crawl_person){page->people[i].name, page->people[i].email, url};
    }
}

static bool take_page(const struct http_response *r, struct arena *a, struct crawl_result *out,
                      struct extract_result *page)
{
    if (r->status < 200 || r->status > 299 || !is_html(r)) return false;
    const char *text;
    size_t len;
    extract_to_utf8(r->body.data ? r->body.data : "", r->body.len, r->content_type, a, &text, &len);
    extract_result_init(page);
    if (extract_page(text, len, r->final_url, a, page) != RC_OK) return false;
    extract_merge(&out->merged, page, a);
    const char *url = arena_strdup(a, r->final_url);
    note_sources(out, page, url, a);
    note_people(out, page, url, a);
    out->pages_crawled++;
    if (out->progress)
        out->progress->page(out->progress->cls, out->pages_crawled, out->merged.emails_count);
    return true;
}

static struct http_request robots_request(const char *origin, struct arena *a)
{
    return (struct http_request){.url = arena_sprintf(a, "%s/robots.txt", origin),
                                 .timeout_ms = 10000, .max_bytes = ROBOTS_MAX_BYTES,
                                 .truncate = true, .max_redirects = 3, .user_agent = user_agent,
                                 .guard_private = true};
}

/* A 4xx or a failed fetch means no rules. */
static void take_robots(struct site *site, enum rc rc, const struct http_response *resp,
                        struct arena *a)
{
    if (rc == RC_OK && resp->status >= 200 && resp->status < 300)
        robots_parse(resp->body.data ? resp->body.data : "", resp->body.len, robots_agent, a,
                     &site->robots);
}

static void load_robots(struct site *site, const char *origin, struct arena *a)
{
    struct http_request req = robots_request(origin, a);
    struct http_response resp;
    struct err err = {0};
    take_robots(site, http_fetch(&req, &resp, &err), &resp, a);
    http_response_free(&resp);
}

/* One round: fetches up to `room` queued pages concurrently and parses them. */
static void crawl_round(struct frontier *f, const struct site *site, size_t room, double deadline,
                        struct arena *a, struct crawl_result *out)
{
    qsort(f->items, f->count, sizeof *f->items, by_priority);
    size_t n = f->count < room ? f->count : room;
    double left = deadline - clock_mono_ms();
    long timeout = left < PAGE_TIMEOUT_MS ? (long)left : PAGE_TIMEOUT_MS;
    struct http_request *reqs = arena_alloc(a, (n + 1) * sizeof *reqs);
    struct http_response *resps = arena_alloc(a, (n + 1) * sizeof *resps);
    struct err *errs = arena_alloc(a, (n + 1) * sizeof *errs);
    enum rc *rcs = arena_alloc(a, (n + 1) * sizeof *rcs);
    for (size_t i = 0; i < n; i++) reqs[i] = page_request(f->items[i].url, timeout);
    memmove(f->items, f->items + n, (f->count - n) * sizeof *f->items);
    f->count -= n;
    http_fetch_all(reqs, n, PER_SITE_PARALLEL, resps, errs, rcs);
    for (size_t i = 0; i < n; i++) {
        struct extract_result page;
        if (rcs[i] == RC_OK && take_page(&resps[i], a, out, &page)) queue_links(f, &page, site, a);
        http_response_free(&resps[i]);
    }
}

/* Fetches the main page and, at the same time, robots.txt of its origin
 * (robots_origin NULL: not wanted), whose rules go into site. */
static enum rc fetch_main(const char *url, long timeout_ms, const char *robots_origin,
                          struct arena *a, struct http_response *resp, struct site *site,
                          struct err *err)
{
    struct http_request reqs[2] = {page_request(url, timeout_ms)};
    size_t n = 1;
    if (robots_origin) reqs[n++] = robots_request(robots_origin, a);
    struct http_response resps[2];
    struct err errs[2] = {{0}, {0}};
    enum rc rcs[2];
    http_fetch_all(reqs, n, 2, resps, errs, rcs);
    if (n == 2) {
        take_robots(site, rcs[1], &resps[1], a);
        http_response_free(&resps[1]);
    }
    *resp = resps[0];
    enum rc rc = err_copy(err, &errs[0]) == RC_OK ? rcs[0] : errs[0].rc;
    if (rc == RC_OK && (resp->status < 200 || resp->status > 299))
        rc = err_set(err, RC_UPSTREAM, "%s answered HTTP %ld", url, resp->status);
    return rc;
}

enum rc crawl_site(const char *url, bool implied_scheme, struct arena *a,
                   struct crawl_result *out, struct err *err)
{
    return crawl_site_within(url, implied_scheme, CRAWL_DEADLINE_MS, a, out, err);
}

/* The origin of url for robots.txt, or NULL when robots are not obeyed. */
static const char *robots_origin_of(const char *url, const struct site *site, struct arena *a)
{
    struct url_parts u;
    return site->obey_robots && url_parse(url, a, &u) ? u.origin : NULL;
}

static struct crawl_options options = {.obey_robots = true};

void crawl_configure(const struct crawl_options *o)
{
    options = *o;
}

/* The main page (over plain http when an implied https:// finds no server):
 * the site it settles on, its extraction, and the first links to follow. */
static enum rc crawl_main_page(const char *url, bool implied_scheme, double budget_ms,
                               struct arena *a, struct crawl_result *out, struct site *site,
                               struct frontier *f, struct err *err)
{
    struct http_response main_page;
    struct err main_err = {0};
    long main_timeout = budget_ms < PAGE_TIMEOUT_MS ? (long)budget_ms : PAGE_TIMEOUT_MS;
    const char *robots_from = robots_origin_of(url, site, a);
    enum rc rc = fetch_main(url, main_timeout, robots_from, a, &main_page, site, &main_err);
    if (rc == RC_UPSTREAM && implied_scheme && !strncmp(url, "https://", 8) && main_page.status == 0) {
        http_response_free(&main_page);
        const char *plain = arena_sprintf(a, "http://%s", url + 8);
        struct err plain_err = {0};
        site->robots = (struct robots){0};
        robots_from = robots_origin_of(plain, site, a);
        if (fetch_main(plain, main_timeout, robots_from, a, &main_page, site, &plain_err) ==
            RC_OK) {
            rc = RC_OK;
            out->url = plain;
        }
    }
    struct url_parts final;
    if (rc != RC_OK) {
        rc = err_copy(err, &main_err);
        goto out;
    }
    if (!url_parse(main_page.final_url, a, &final)) {
        rc = err_set(err, RC_UPSTREAM, "%s redirected to an unusable URL", url);
        goto out;
    }
    site->host = final.host;
    out->final_url = final.normal;
    site->reg = registrable(site->host, a);
    if (site->obey_robots && (!robots_from || strcmp(robots_from, final.origin) != 0)) {
        site->robots = (struct robots){0}; /* redirected elsewhere: that site's rules apply */
        load_robots(site, final.origin, a);
    }
    seen_before(f, main_page.final_url, a);
    seen_before(f, out->url, a);
    struct extract_result page;
    if (take_page(&main_page, a, out, &page)) queue_links(f, &page, site, a);
out:
    http_response_free(&main_page);
    return rc;
}

static enum rc crawl_with(const char *url, bool implied_scheme, double budget_ms,
                          const struct crawl_progress *progress, struct arena *a,
                          struct crawl_result *out, struct err *err)
{
    memset(out, 0, sizeof *out);
    out->progress = progress;
    out->url = url;
    extract_result_init(&out->merged);
    double deadline = clock_mono_ms() + budget_ms;
    struct site site = {.obey_robots = options.obey_robots};
    struct frontier f = {0};
    enum rc rc = crawl_main_page(url, implied_scheme, budget_ms, a, out, &site, &f, err);
    if (rc != RC_OK) return rc;
    while (out->pages_crawled < CRAWL_MAX_PAGES && f.count > 0 && clock_mono_ms() < deadline - 1000)
        crawl_round(&f, &site, (size_t)(CRAWL_MAX_PAGES - out->pages_crawled), deadline, a, out);
    out->site_emails = arena_alloc(a, (out->merged.emails_count + 1) * sizeof *out->site_emails);
    for (size_t i = 0; i < out->merged.emails_count; i++)
        if (extract_email_on_site(out->merged.emails[i], site.host))
            out->site_emails[out->site_emails_count++] = out->merged.emails[i];
    return RC_OK;
}

enum rc crawl_site_within(const char *url, bool implied_scheme, double budget_ms,
                          struct arena *a, struct crawl_result *out, struct err *err)
{
    return crawl_with(url, implied_scheme, budget_ms, NULL, a, out, err);
}

enum rc crawl_site_reporting(const char *url, bool implied_scheme,
                             const struct crawl_progress *progress, struct arena *a,
                             struct crawl_result *out, struct err *err)
{
    return crawl_with(url, implied_scheme, CRAWL_DEADLINE_MS, progress, a, out, err);
}
