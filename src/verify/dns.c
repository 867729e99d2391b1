/* c-ares batches: queue, poll, parse. */
#include "verify/dns.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/str.h"

#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum { EDNS_PAYLOAD = 1232, RR_CLASS_IN = 1, ADDRS_MAX = 8, TXT_MAX = 65536 };

struct dns_batch {
    ares_channel channel;
    struct arena *arena;
    struct dns_query queries[DNS_BATCH_MAX];
    size_t count, pending;
};

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_status;

static void library_init(void)
{
    library_status = ares_library_init(ARES_LIB_INIT_ALL);
}

enum rc dns_batch_new(const struct dns_options *opt, struct arena *a, struct dns_batch **out,
                      struct err *err)
{
    *out = NULL;
    pthread_once(&library_once, library_init);
    if (library_status != ARES_SUCCESS)
        return err_set(err, RC_IO, "DNS resolver: %s", ares_strerror(library_status));
    struct ares_options o = {
        .flags = ARES_FLAG_NOSEARCH | ARES_FLAG_EDNS,
        .timeout = opt->timeout_ms > 0 ? opt->timeout_ms : 3000,
        .tries = opt->tries > 0 ? opt->tries : 2,
        .ednspsz = EDNS_PAYLOAD,
    };
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ;
    ares_channel channel;
    int rc = ares_init_options(&channel, &o, mask);
    if (rc != ARES_SUCCESS) return err_set(err, RC_IO, "DNS resolver: %s", ares_strerror(rc));
    if (opt->servers && *opt->servers &&
        (rc = ares_set_servers_ports_csv(channel, opt->servers)) != ARES_SUCCESS) {
        ares_destroy(channel);
        return err_set(err, RC_INVALID, "LEADGEN_DNS_SERVERS '%s': %s", opt->servers,
                       ares_strerror(rc));
    }
    struct dns_batch *b = xcalloc(1, sizeof *b); /* last: nothing after it can fail */
    b->channel = channel;
    b->arena = a;
    *out = b;
    return RC_OK;
}

/* "mx1.Example.COM." -> "mx1.example.com" in the arena. */
static const char *host_name(struct arena *a, const char *name)
{
    char *s = arena_strdup(a, name);
    size_t n = strlen(s);
    if (n && s[n - 1] == '.') s[n - 1] = '\0';
    str_ascii_lower(s);
    return s;
}

static int parse_mx(struct dns_query *q, const unsigned char *abuf, int alen)
{
    struct ares_mx_reply *list = NULL;
    int rc = ares_parse_mx_reply(abuf, alen, &list);
    if (rc != ARES_SUCCESS) return rc;
    size_t n = 0;
    for (struct ares_mx_reply *m = list; m; m = m->next) n++;
    q->mx = arena_alloc(q->batch->arena, (n + 1) * sizeof *q->mx);
    for (struct ares_mx_reply *m = list; m; m = m->next)
        q->mx[q->nmx++] = (struct dns_mx){host_name(q->batch->arena, m->host), m->priority};
    ares_free_data(list);
    return n ? ARES_SUCCESS : ARES_ENODATA;
}

static int parse_txt(struct dns_query *q, const unsigned char *abuf, int alen)
{
    struct ares_txt_ext *list = NULL;
    int rc = ares_parse_txt_reply_ext(abuf, alen, &list);
    if (rc != ARES_SUCCESS) return rc;
    size_t records = 0;
    for (struct ares_txt_ext *t = list; t; t = t->next) records += t->record_start;
    q->txt = arena_alloc(q->batch->arena, (records + 1) * sizeof *q->txt);
    struct buf joined;
    buf_init(&joined, TXT_MAX);
    for (struct ares_txt_ext *t = list; t; t = t->next) {
        buf_append(&joined, t->txt, t->length);
        if (t->next && !t->next->record_start) continue;
        /* RFC 7208 §3.3: a record's strings are joined without spaces */
        char *text = arena_strndup(q->batch->arena, joined.data ? joined.data : "", joined.len);
        str_utf8_scrub(text);
        q->txt[q->ntxt++] = text;
        buf_reset(&joined);
    }
    buf_free(&joined);
    ares_free_data(list);
    return q->ntxt ? ARES_SUCCESS : ARES_ENODATA;
}

static int parse_addrs(struct dns_query *q, const unsigned char *abuf, int alen)
{
    int n = ADDRS_MAX, rc;
    q->addrs = arena_alloc(q->batch->arena, ADDRS_MAX * sizeof *q->addrs);
    if (q->type == DNS_A) {
        struct ares_addrttl v4[ADDRS_MAX];
        rc = ares_parse_a_reply(abuf, alen, NULL, v4, &n);
        for (int i = 0; rc == ARES_SUCCESS && i < n; i++) {
            q->addrs[q->naddrs].family = AF_INET;
            memcpy(q->addrs[q->naddrs++].bytes, &v4[i].ipaddr, 4);
        }
    } else {
        struct ares_addr6ttl v6[ADDRS_MAX];
        rc = ares_parse_aaaa_reply(abuf, alen, NULL, v6, &n);
        for (int i = 0; rc == ARES_SUCCESS && i < n; i++) {
            q->addrs[q->naddrs].family = AF_INET6;
            memcpy(q->addrs[q->naddrs++].bytes, &v6[i].ip6addr, 16);
        }
    }
    if (rc != ARES_SUCCESS) return rc;
    return q->naddrs ? ARES_SUCCESS : ARES_ENODATA;
}

static const char *failure_words(int status)
{
    switch (status) {
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED: return "timed out";
    case ARES_ESERVFAIL: return "server failure (SERVFAIL)";
    case ARES_EREFUSED: return "query refused";
    /* c-ares reports a server that answered SERVFAIL or REFUSED, once every
     * server was tried, like one that could not be reached */
    case ARES_ECONNREFUSED: return "no DNS server gave an answer (server failure, refusal or "
                                   "no connection)";
    default: return ares_strerror(status);
    }
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    struct dns_query *q = arg;
    q->batch->pending--;
    if (status == ARES_SUCCESS) {
        status = q->type == DNS_MX    ? parse_mx(q, abuf, alen)
                 : q->type == DNS_TXT ? parse_txt(q, abuf, alen)
                                      : parse_addrs(q, abuf, alen);
        if (status != ARES_SUCCESS && status != ARES_ENODATA) status = ARES_EBADRESP;
    }
    switch (status) {
    case ARES_SUCCESS: q->status = DNS_OK; break;
    case ARES_ENOTFOUND: q->status = DNS_NXDOMAIN; break;
    case ARES_ENODATA: q->status = DNS_NODATA; break;
    default:
        q->status = DNS_FAIL;
        q->error = failure_words(status);
    }
}

struct dns_query *dns_batch_add(struct dns_batch *b, const char *name, enum dns_type type)
{
    if (b->count == DNS_BATCH_MAX) return NULL;
    struct dns_query *q = &b->queries[b->count++];
    *q = (struct dns_query){.name = arena_strdup(b->arena, name), .type = type, .batch = b};
    b->pending++; /* before ares_query: it may answer at once */
    ares_query(b->channel, q->name, RR_CLASS_IN, (int)type, on_answer, q);
    return q;
}

/* Waits for socket activity or c-ares' next timeout (at most left_ms), then
 * lets c-ares process it. */
static void run_once(struct dns_batch *b, double left_ms)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    /* c-ares' ARES_GETSOCK_WRITABLE shifts a signed 1 into the sign bit for
     * socket 15 (undefined behaviour): test the bits unsigned */
    unsigned bits = (unsigned)ares_getsock(b->channel, socks, ARES_GETSOCK_MAXNUM);
    struct pollfd fds[ARES_GETSOCK_MAXNUM];
    nfds_t nfds = 0;
    for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
        short events = (short)((bits & (1u << i) ? POLLIN : 0) |
                               (bits & (1u << (i + ARES_GETSOCK_MAXNUM)) ? POLLOUT : 0));
        if (events) fds[nfds++] = (struct pollfd){.fd = socks[i], .events = events};
    }
    struct timeval max = {.tv_sec = (time_t)(left_ms / 1000),
                          .tv_usec = (suseconds_t)((long)left_ms % 1000 * 1000)};
    struct timeval tv, *t = ares_timeout(b->channel, &max, &tv);
    int wait_ms = (int)(t->tv_sec * 1000 + t->tv_usec / 1000) + 1;
    if (poll(fds, nfds, wait_ms) <= 0) {
        ares_process_fd(b->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        return;
    }
    for (nfds_t i = 0; i < nfds; i++) {
        short re = fds[i].revents;
        ares_process_fd(b->channel, re & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd : ARES_SOCKET_BAD,
                        re & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD);
    }
}

void dns_batch_run(struct dns_batch *b, double deadline_ms)
{
    while (b->pending > 0) {
        double left = deadline_ms - clock_mono_ms();
        if (left <= 0) {
            ares_cancel(b->channel); /* answers every pending query with ARES_ECANCELLED */
            break;
        }
        run_once(b, left);
    }
}

void dns_batch_free(struct dns_batch *b)
{
    if (!b) return;
    ares_destroy(b->channel);
    free(b);
}
