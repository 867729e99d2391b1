/* find.php: a person's most likely address at a company domain (finder/).
 * 1 credit when an address is returned, 0 otherwise; cached 30 days per
 * domain and name. */
#include "api/api.h"

#include "finder/finder.h"
#include "net/url.h"

#include <string.h>

const char *api_domain_param(struct request *req, const char *text) {
    if (strncmp(text, "http://", 7) == 0)
        text += 7;
    else if (strncmp(text, "https://", 8) == 0)
        text += 8;
    if (strncmp(text, "www.", 4) == 0) text += 4;
    char *d = url_host_idna(arena_strndup(&req->arena, text, strcspn(text, "/")), &req->arena);
    if (!d) return NULL;
    size_t n = strlen(d);
    for (char *c = d; *c; c++) {
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-.", *c)) return NULL;
    }
    return n >= 3 && n <= 253 && strchr(d, '.') && d[0] != '.' && d[n - 1] != '.' ? d : NULL;
}

static bool name_param(struct request *req, const char *param, bool required, const char **out) {
    const char *text;
    if (!param_string(req, param, required, 100, &text)) return false;
    *out = NULL;
    if (!text) return true;
    *out = finder_name_ascii(text, &req->arena);
    if (!*out) return req_fail(req, E_INVALID_PARAM, "Parameter '%s' must contain letters.", param);
    return true;
}

bool api_find_parse(struct request *req) {
    struct finder_query *q = req->params = arena_alloc(&req->arena, sizeof *q);
    const char *domain;
    int64_t crawl;
    if (!param_string(req, "domain", true, 253, &domain)) return false;
    if (!(q->domain = api_domain_param(req, domain)))
        return req_fail(req, E_INVALID_PARAM, "Parameter 'domain' must be a domain name.");
    if (!name_param(req, "first_name", true, &q->name.first) ||
        !name_param(req, "last_name", true, &q->name.last) ||
        !name_param(req, "middle_name", false, &q->name.middle) ||
        !param_int(req, "crawl", false, 1, 0, 1, &crawl))
        return false;
    q->crawl = crawl == 1;
    return true;
}

const char *api_find_cache_key(struct request *req) {
    const struct finder_query *q = req->params;
    return arena_sprintf(&req->arena, "find\x1f%s\x1f%s\x1f%s\x1f%s\x1f%d", q->domain,
                         q->name.first, q->name.middle ? q->name.middle : "", q->name.last,
                         q->crawl);
}

bool api_find_run(struct request *req) {
    const struct finder_query *q = req->params;
    bool found;
    struct err err = {0};
    if (finder_find(req->store, q, &api_options()->verify, &req->arena, &req->data, &found, &err) !=
        RC_OK)
        return req_fail_rc(req, &err);
    req->cost = found ? 1 : 0;
    return true;
}
