/* The HTTP server: libmicrohttpd on epoll with a small pool of event
 * threads for requests that only touch the store, and a growable pool of job
 * threads for requests that wait on outside services (their connection is
 * suspended meanwhile, so a two-minute crawl holds up nothing else). */
#ifndef LEADGEN_HTTP_SERVER_H
#define LEADGEN_HTTP_SERVER_H

#include "base/rc.h"
#include "http/router.h"
#include "core/jobs.h"
#include "store/store.h"

#include <stdint.h>

struct server_options {
    const char *listen;       /* "host:port"; port 0 picks a free one */
    unsigned threads;         /* event threads; 0: one per core */
    unsigned workers;         /* most job threads at once */
    unsigned user_inflight;   /* most job-pool requests of one user, queued or running */
    unsigned queued[JOB_CLASS_COUNT]; /* most requests of a class waiting for a job thread */
    unsigned max_connections;
    unsigned max_connections_per_ip; /* 0: no per-address limit */
    unsigned client_timeout;  /* seconds */
    bool access_log;
    const char *cors_origins; /* LEADGEN_CORS_ORIGINS; NULL: CORS off */
    struct route_table routes; /* what the server answers */
};

struct server;

struct server *server_start(struct store *st, const struct server_options *opt, struct err *err);
uint16_t server_port(const struct server *srv);
void server_stop(struct server *srv);

#endif
