/* Email verification (verify.php): for each address its syntax, its
 * domain's DNS (MX, SPF, DKIM, DMARC), the disposable, free-provider and
 * role lists, and an SMTP mailbox probe with catch-all detection, summed up
 * by verify/report.h. Addresses are grouped by domain: one domain's DNS
 * look-ups, connection and catch-all probe serve all its addresses, and the
 * domains are checked at the same time, one thread each, so a request takes
 * about as long as its slowest domain. Blocking: run it on the job pool. */
#ifndef LEADGEN_VERIFY_VERIFY_H
#define LEADGEN_VERIFY_VERIFY_H

#include "verify/dns.h"
#include "verify/probe.h"
#include "verify/report.h"

#include <jansson.h>

enum { VERIFY_MAX = 20 };

struct verify_options {
    struct dns_options dns;
    struct probe_options probe;
    int deadline_ms; /* the most a whole verification may take */
};

/* Settles the probe's identity: a NULL or malformed probe.helo becomes the
 * machine's name and a NULL or malformed probe.from verify@ that name (a
 * malformed one is logged); a string built goes in the arena. */
void verify_options_fill_identity(struct verify_options *o, struct arena *a);

struct verify_outcome {
    json_t *result; /* email, valid, status, reason, checks (a new reference) */
    enum verify_status status;
};

/* Checks n (at most VERIFY_MAX) addresses; out[i] answers emails[i]. */
void verify_run(const char *const *emails, size_t n, const struct verify_options *opt,
                struct verify_outcome *out);

/* The shared response cache's key for an address's result (verify.php
 * stores them; domain search reads them), case-folded, in the arena. */
const char *verify_cache_key(const char *email, struct arena *a);

/* Whether outbound port 25 is open: one connection to a well-known MX
 * (Gmail's) within timeout_ms. false with the reason in why when it is not. */
bool verify_port25_open(int timeout_ms, char *why, size_t size);

/* The machine's fully qualified name, the default EHLO name (computed once). */
const char *verify_default_helo(void);

#endif
