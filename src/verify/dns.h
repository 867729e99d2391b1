/* Asynchronous DNS for verification through c-ares: the queries of a batch
 * run concurrently on one channel until each is answered or the caller's
 * deadline passes. Servers come from dns_options.servers (LEADGEN_DNS_SERVERS,
 * "host:port[,host:port]"), else from the system resolver configuration.
 * Names are asked as given (no search list); a truncated UDP answer is
 * retried over TCP by c-ares. Answers are parsed into the batch's arena.
 * A batch belongs to the thread that created it. */
#ifndef LEADGEN_VERIFY_DNS_H
#define LEADGEN_VERIFY_DNS_H

#include "base/mem.h"
#include "base/rc.h"

#include <stdbool.h>
#include <stddef.h>

enum { DNS_BATCH_MAX = 48 };

enum dns_status { DNS_PENDING, DNS_OK, DNS_NXDOMAIN, DNS_NODATA, DNS_FAIL };
enum dns_type { DNS_A = 1, DNS_MX = 15, DNS_TXT = 16, DNS_AAAA = 28 };

struct dns_options {
    const char *servers; /* NULL or "": the system resolver */
    int timeout_ms;      /* per try */
    int tries;
};

struct dns_addr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char bytes[16];
};

struct dns_mx {
    const char *host; /* lowercase, without the final dot; "" for the null MX "." */
    int preference;
};

struct dns_batch;

struct dns_query {
    const char *name;
    enum dns_type type;
    enum dns_status status;
    const char *error; /* DNS_FAIL: why, in words */
    struct dns_mx *mx; /* DNS_MX answers, in answer order */
    size_t nmx;
    const char **txt; /* DNS_TXT answers, each record's strings joined */
    size_t ntxt;
    struct dns_addr *addrs; /* DNS_A / DNS_AAAA answers */
    size_t naddrs;
    struct dns_batch *batch; /* internal */
};

enum rc dns_batch_new(const struct dns_options *opt, struct arena *a, struct dns_batch **out,
                      struct err *err);
/* Queues a query; NULL when the batch already holds DNS_BATCH_MAX. */
struct dns_query *dns_batch_add(struct dns_batch *b, const char *name, enum dns_type type);
/* Runs the queued queries until each has a status or deadline_ms
 * (clock_mono_ms) passes; those still pending then fail as timed out. */
void dns_batch_run(struct dns_batch *b, double deadline_ms);
void dns_batch_free(struct dns_batch *b);

#endif
