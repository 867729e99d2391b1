/* What DNS says about a mail domain, from two rounds of concurrent look-ups
 * (the second asks what the first pointed at):
 *  - MX hosts in preference order with their addresses, else the domain's
 *    own A/AAAA as its implicit MX (RFC 5321 §5.1); a null MX (RFC 7505) or
 *    NXDOMAIN means no mail can be delivered;
 *  - SPF: the v=spf1 TXT records; exactly one is valid (RFC 7208 §4.5);
 *  - DMARC: _dmarc.DOMAIN, else _dmarc of the organisational domain found
 *    with libpsl (RFC 7489 §6.6.3), and the policy that applies to DOMAIN;
 *  - DKIM: NXDOMAIN for _domainkey.DOMAIN means none; a name that exists
 *    means DKIM is very likely set up, and common selectors say which.
 * None of these alone makes an address invalid except the MX outcome.
 * Strings live in the caller's arena. */
#ifndef LEADGEN_VERIFY_DOMAIN_H
#define LEADGEN_VERIFY_DOMAIN_H

#include "verify/dns.h"
#include "verify/records.h"

enum { MX_HOSTS_MAX = 3, MX_ADDRS_MAX = 4 };

struct mx_host {
    const char *name;
    int preference;
    struct dns_addr addrs[MX_ADDRS_MAX]; /* IPv4 first */
    size_t naddrs;
};

/* A check that may not have been answered: DNS failures leave it unknown. */
enum check_state { CHECK_UNKNOWN, CHECK_NO, CHECK_YES };

struct domain_report {
    enum dns_status mx_status; /* of the MX look-up (DNS_FAIL: nothing is known) */
    const char *dns_error;     /* the first DNS failure, in words */
    bool exists;               /* not NXDOMAIN */
    bool null_mx;              /* "MX 0 ." */
    bool implicit_mx;          /* no MX records: the domain's own addresses */
    struct dns_mx *mx;         /* every MX record, sorted by preference */
    size_t nmx;
    struct mx_host hosts[MX_HOSTS_MAX]; /* the first hosts to try, with addresses */
    size_t nhosts;
    const char *organisational; /* the registrable domain (libpsl), or the domain */

    enum check_state spf;  /* YES: at least one v=spf1 record */
    size_t spf_count;      /* more than one is a permanent error */
    const char *spf_record;

    enum check_state dmarc;
    size_t dmarc_count; /* at the name where DMARC was found */
    const char *dmarc_record, *dmarc_domain;
    struct dmarc_record dmarc_parsed;
    enum dmarc_policy dmarc_policy; /* the one that applies to this domain */

    enum check_state dkim; /* YES: _domainkey exists or a selector has a key */
    const char **dkim_selectors;
    size_t ndkim;
};

/* The common DKIM selectors probed (NULL-terminated). */
extern const char *const domain_dkim_selectors[];

void verify_domain_lookup(const char *ascii_domain, const struct dns_options *opt,
                          double deadline_ms, struct arena *a, struct domain_report *out);

#endif
