/* The SMTP mailbox probe of one domain (RFC 5321 §3.3): connect to its MX
 * hosts in preference order (the next address or host when one fails),
 * EHLO with the configured name, STARTTLS when offered, MAIL FROM the
 * configured sender, one RCPT TO per address, then RCPT TO a random address
 * at the domain to detect a catch-all server, and QUIT; no message is ever
 * sent. The addresses share one connection (another is opened only when one
 * is lost, at most PROBE_CONNECTIONS_MAX), their RCPTs pipelined (RFC 2920)
 * when the server offers it, and a 452 to a later RCPT ("too many
 * recipients") is retried after RSET in a fresh transaction. Each MX
 * host takes at most opt->per_host probe connections at once, process-wide.
 * With proxies, every connection goes through the next one in turn (SOCKS5,
 * verify/socks5.h); with probing off, no connection is made and every
 * address is done with a note saying so. */
#ifndef LEADGEN_VERIFY_PROBE_H
#define LEADGEN_VERIFY_PROBE_H

#include "verify/domain.h"
#include "verify/socks5.h"
#include "verify/smtp_reply.h"

enum { PROBE_CONNECTIONS_MAX = 3 };

#define PROBE_OFF_NOTE "SMTP probing is off (LEADGEN_SMTP_PROBE=off): the mailbox was not checked"

struct probe_options {
    int port;
    const char *helo, *from;
    int connect_timeout_ms, command_timeout_ms;
    int per_host;       /* most connections to one MX host at once */
    bool allow_private; /* may connect to loopback and private addresses (tests) */
    bool off;           /* LEADGEN_SMTP_PROBE=off: no connection at all */
    const struct socks5_proxy *proxies; /* LEADGEN_SMTP_PROXY, used in turn */
    size_t nproxies;
};

struct probe_target {
    const char *address; /* local@ascii-domain */
    bool smtputf8;       /* the local part needs the server's SMTPUTF8 */
    /* outcome */
    bool done;     /* nothing more to try for this address */
    bool answered; /* reply holds the server's answer about the mailbox */
    struct verify_smtp_reply reply;
    enum verify_smtp_verdict verdict;
    const char *note; /* done without an answer: why */
};

struct probe_report {
    bool reachable;        /* an SMTP server greeted us */
    bool tls;              /* the answering session ran over TLS */
    const char *host;      /* the MX host that answered last, or the last one tried */
    const char *error;     /* the failure that left addresses without an answer */
    enum check_state catch_all;
    int connections;       /* opened (for tests and the benchmark) */
    int catch_all_probes;  /* random-address RCPTs sent */
};

void probe_domain(const char *domain, const struct mx_host *hosts, size_t nhosts,
                  struct probe_target *targets, size_t ntargets, const struct probe_options *opt,
                  double deadline_ms, struct arena *a, struct probe_report *out);

#endif
