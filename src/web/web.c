/* The dashboard's page table and dispatch: which handler answers a path and method,
 * and the guards every signed-in page gets before it runs (a session, else a redirect
 * to /login; on a POST, the CSRF token, else 403). */
#include "web/web_int.h"

#include <string.h>

static struct web_options options;

void web_configure(const struct web_options *o)
{
    options = *o;
}

const struct web_options *web_options(void)
{
    return &options;
}

/* A pattern's '*' takes one path segment (an id, a file name). */
static const struct page_row {
    enum http_method method;
    const char *pattern;
    bool signed_in;
    bool (*run)(struct web *w);
} pages[] = {
    {M_GET, "/login", false, page_login_get},
    {M_POST, "/login", false, page_login_post},
    {M_POST, "/logout", false, page_logout_post}, /* without a session: to /login */
    {M_GET, "/app/static/*", false, page_static},
    {M_GET, "/app", true, page_home},
    {M_GET, "/app/", true, page_home},
    {M_GET, "/app/key", true, page_key_get},
    {M_POST, "/app/key", true, page_key_post},
    {M_GET, "/app/projects", true, page_projects},
    {M_POST, "/app/projects", true, page_projects_post},
    {M_GET, "/app/projects/*", true, page_project},
    {M_POST, "/app/projects/*", true, page_project_post},
    {M_GET, "/app/projects/*/leads.csv", true, page_project_export},
    {M_GET, "/app/accounts", true, page_accounts},
    {M_POST, "/app/accounts", true, page_accounts_post},
    {M_GET, "/app/accounts/gmail/connect", true, page_gmail_connect},
    /* signed in, but checked by the page: the cookie may first need a same-site reload */
    {M_GET, "/oauth/google/callback", false, page_gmail_callback},
    {M_GET, "/app/campaigns", true, page_campaigns},
    {M_POST, "/app/campaigns", true, page_campaigns_post},
    {M_GET, "/app/campaigns/*", true, page_campaign},
    {M_POST, "/app/campaigns/*", true, page_campaign_post},
    {M_GET, "/app/ads", true, page_ads},
    {M_POST, "/app/ads", true, page_ads_post},
};

/* The '*' segment may be followed by the rest of the pattern ("/app/projects/ * /leads.csv"). */
static bool path_matches(struct arena *a, const char *pattern, const char *url, const char **arg)
{
    const char *star = strchr(pattern, '*');
    if (!star) return strcmp(pattern, url) == 0;
    size_t n = (size_t)(star - pattern), seg;
    if (strncmp(pattern, url, n) != 0 || !(seg = strcspn(url + n, "/"))) return false;
    if (strcmp(url + n + seg, star + 1) != 0) return false;
    *arg = arena_strndup(a, url + n, seg);
    return true;
}

int64_t web_arg_id(const struct web *w)
{
    int64_t id = 0;
    for (const char *p = w->arg; p && *p; p++) {
        if (*p < '0' || *p > '9' || id > 100000000000000LL) return 0;
        id = id * 10 + (*p - '0');
    }
    return id;
}

static bool dispatch(struct request *req)
{
    struct web w = {.req = req, .a = &req->arena};
    if (req->method == M_POST) form_parse_request(w.a, req, &w.form);
    const struct page_row *row = NULL;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0] && !row; i++)
        if (pages[i].method == req->method && path_matches(w.a, pages[i].pattern, req->url, &w.arg))
            row = &pages[i];
    bool signed_in = web_session_load(&w);
    bool needs_session = row ? row->signed_in : strncmp(req->url, "/app", 4) == 0;
    if (needs_session && !signed_in) return web_redirect(&w, "/login");
    if (!row) return web_not_found(&w);
    if (row->signed_in && req->method == M_POST && !web_csrf_ok(&w))
        return web_forbidden(&w, "The form expired or did not come from this site. Reload the "
                                 "page and try again.");
    return row->run(&w);
}

bool web_get_run(struct request *req)
{
    return dispatch(req);
}

bool web_post_run(struct request *req)
{
    return dispatch(req);
}
