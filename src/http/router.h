/* The route table and the request pipeline. The router, not the handlers,
 * does auth -> parse -> cache lookup -> credit reservation -> run -> settle ->
 * cache store, so no handler can forget a step or charge on an error. The
 * pipeline is split where it may block: router_begin never waits on the
 * network; router_finish may (it runs on the job pool when asked to). */
#ifndef LEADGEN_HTTP_ROUTER_H
#define LEADGEN_HTTP_ROUTER_H

#include "core/jobs.h"
#include "http/request.h"

#include <stddef.h>

/* One parameter a route reads, besides the generic dry_run, no_cache, async and
 * webhook_url that follow from the row's flags. The MCP inputSchema is made
 * from these rows, and a unit test holds each parse function to them (it reads
 * exactly these names, with these types, requirements, bounds and choices), so
 * the description and the validation cannot drift apart. */
enum param_type { PT_STRING, PT_INTEGER, PT_BOOLEAN, PT_ARRAY };

struct route_param {
    const char *name; /* NULL ends a route's list */
    enum param_type type;
    bool required;
    int64_t min, max;    /* PT_INTEGER: the accepted range, when min < max */
    const char *choices; /* PT_STRING: the accepted values as "a|b|c", or NULL */
    const char *description;
    const char *example; /* a valid value as JSON text (the unit test's); NULL: from the type */
    const char *excludes; /* a parameter that may not be given with this one, or NULL */
};

struct route {
    /* path under /api/v1/ and /v2/api/v1/; or a page's absolute path ("/u/": anything
     * one level below it, "/app*": anything starting with "/app", for the handler to
     * read from req->url) */
    const char *file;
    enum http_method method;
    const char *endpoint; /* name in the credit ledger and cache keys */
    bool public;          /* answers without an API key */
    bool upstream;        /* waits on outside services: runs on the job pool */
    enum job_class job;   /* the job pool's queue an upstream route waits in */
    int64_t max_credits;  /* reserved before run; 0 means free */
    int64_t cache_ttl;    /* seconds in the response cache; 0: never stored there */
    bool marks_cached;    /* data has a "cached" field, set true when served from cache */
    /* adjusts an answer served from the cache (req->data) to this request's spelling */
    void (*from_cache)(struct request *req);
    /* the rendered answer is kept in process per user and cache key while the store is
     * unchanged, at most 1 s (core/hotcache.h): for hot reads that only touch the store */
    bool hot_cache;
    /* a body of this Content-Type (e.g. "text/csv") is not decoded as JSON: parse
     * reads req->body, which may then be up to raw_max_body bytes */
    const char *raw_type;
    size_t raw_max_body;
    bool (*parse)(struct request *req);            /* validate into req->params */
    const char *(*cache_key)(struct request *req); /* from the parsed params (both caches) */
    bool (*run)(struct request *req);              /* set req->data and req->cost */
    bool async_ok; /* async=1 queues it as a stored job (202 with a job_id) */
    const struct route_param *params; /* what parse reads; NULL when it reads nothing */
};

/* The routes a server answers; the caller owns the rows (api/routes.c for `leadgen serve`). */
struct route_table {
    const struct route *rows;
    size_t count;
};

enum router_step { ROUTER_DONE, ROUTER_ASYNC };

/* Matches req against table, then goes as far as it can without waiting: on
 * a thread whose store lock waits are bounded (store_lock_bound), a store-only
 * request cut short by another process's lock is ROUTER_ASYNC too. */
enum router_step router_begin(const struct route_table *table, struct request *req);
void router_finish(struct request *req);
/* The response for a finished request: a malloc'd body the caller frees. */
char *router_response(struct request *req, int *status, size_t *len);
/* Called after a request stored an async job, to wake whoever runs them; may be NULL. */
void router_on_job_queued(void (*wake)(void));
/* Whether the answer bills (an X-Credits-Used header): the route reserves credits. */
bool router_billable(const struct request *req);
/* The largest body the route for (url, method, content_type) accepts beyond the
 * server's default cap; 0: the default. Called when a request's headers are in. */
size_t router_body_limit(const struct route_table *table, const char *url,
                         enum http_method method, const char *content_type);
/* Methods table allows on req->file, for the Allow header of a 405 ("GET, POST"). */
const char *router_allowed(const struct route_table *table, struct request *req);

#endif
