/* The verdict on one address and its JSON form (operations.md: `email`,
 * `valid`, `status`, `reason`, `checks`). The status rules, in order:
 *   invalid: bad syntax, a domain that does not exist, accepts no mail (null
 *            MX) or has nowhere to deliver, or a mailbox the server rejected;
 *   risky:   disposable domain, role account, full mailbox, or a mailbox
 *            accepted by a catch-all server (or one whose catch-all check
 *            had no answer);
 *   valid:   the server accepts the mailbox and rejects a random one;
 *   unknown: nothing conclusive (DNS failure, no server reached, 4xx,
 *            5.7.x policy refusals of the sender, SMTPUTF8 missing).
 * SPF, DMARC and DKIM describe the domain and never change the status. */
#ifndef LEADGEN_VERIFY_REPORT_H
#define LEADGEN_VERIFY_REPORT_H

#include "verify/probe.h"
#include "verify/syntax.h"

#include <jansson.h>

enum verify_status { VERIFY_VALID, VERIFY_INVALID, VERIFY_RISKY, VERIFY_UNKNOWN };

/* Everything learnt about one address; NULL members were not checked. */
struct verify_facts {
    const struct email_syntax *syntax;
    bool disposable, role, free_provider;
    const struct domain_report *dns;
    const struct probe_target *smtp;   /* this address's RCPT outcome */
    const struct probe_report *probe;  /* the domain's probe */
};

/* Sets *status and *reason (in the arena). */
void verify_decide(const struct verify_facts *f, struct arena *a, enum verify_status *status,
                   const char **reason);
/* The result object for email (a new reference). */
json_t *verify_result_json(const char *email, const struct verify_facts *f,
                           enum verify_status status, const char *reason);

const char *verify_status_name(enum verify_status s);
/* false when name is not a status name. */
bool verify_status_parse(const char *name, enum verify_status *out);

#endif
