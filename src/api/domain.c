/* domain.php: what leadgen knows of a company's addresses (finder/domainsearch.h).
 * Billed as crawl.php when nothing was known and the site was crawled, else
 * 1 credit per 10 addresses returned (0 for none); cached a day per domain. */
#include "api/api.h"

#include "finder/domainsearch.h"

bool api_domain_parse(struct request *req)
{
    struct domainsearch_query *q = req->params = arena_alloc(&req->arena, sizeof *q);
    const char *domain;
    int64_t crawl;
    if (!param_string(req, "domain", true, 253, &domain)) return false;
    if (!(q->domain = api_domain_param(req, domain)))
        return req_fail(req, E_INVALID_PARAM, "Parameter 'domain' must be a domain name.");
    if (!param_int(req, "crawl", false, 1, 0, 1, &crawl)) return false;
    q->crawl = crawl == 1;
    return true;
}

const char *api_domain_cache_key(struct request *req)
{
    const struct domainsearch_query *q = req->params;
    return arena_sprintf(&req->arena, "domain\x1f%s\x1f%d", q->domain, q->crawl);
}

bool api_domain_run(struct request *req)
{
    const struct domainsearch_query *q = req->params;
    struct err err = {0};
    if (domainsearch_run(req->store, q, &api_options()->verify, &req->arena, &req->data, &req->cost,
                         &err) != RC_OK)
        return req_fail_rc(req, &err);
    return true;
}
