/* Mail-domain DNS checks: round one asks MX, TXT, _dmarc and _domainkey at
 * once; round two asks the MX hosts' addresses, the organisational DMARC
 * record and the DKIM selectors that round one made worth asking. */
#include "verify/domain.h"

#include <libpsl.h>
#include <string.h>

const char *const domain_dkim_selectors[] = {
    "google",   "default", "selector1", "selector2",     "k1",            "k2",   "k3",
    "s1",       "s2",      "mail",      "dkim",          "smtp",          "mandrill",
    "mxvm",     "key1",    "zoho",      "everlytickey1", "everlytickey2", "hs1",  "hs2",
    "sig1",     "fm1",     "protonmail", "mailjet",      NULL,
};
enum { SELECTORS_MAX = 24 };

struct round_one {
    struct dns_query *mx, *txt, *dmarc, *domainkey;
};

struct round_two {
    struct dns_query *addrs[MX_HOSTS_MAX][2];
    struct dns_query *org_dmarc;
    struct dns_query *selectors[SELECTORS_MAX];
};

static void note_failure(struct domain_report *r, const struct dns_query *q)
{
    if (q->status == DNS_FAIL && !r->dns_error) r->dns_error = q->error;
}

static const char *organisational(struct arena *a, const char *domain)
{
    const char *reg = psl_registrable_domain(psl_builtin(), domain);
    return arena_strdup(a, reg ? reg : domain);
}

/* MX records sorted by preference (stable), the null MX recognised. */
static void read_mx(struct domain_report *r, const struct dns_query *q)
{
    r->mx_status = q->status;
    r->exists = q->status == DNS_OK || q->status == DNS_NODATA;
    r->implicit_mx = q->status == DNS_NODATA;
    note_failure(r, q);
    if (q->status != DNS_OK) return;
    r->mx = q->mx;
    r->nmx = q->nmx;
    for (size_t i = 1; i < r->nmx; i++)
        for (size_t j = i; j > 0 && r->mx[j - 1].preference > r->mx[j].preference; j--) {
            struct dns_mx t = r->mx[j];
            r->mx[j] = r->mx[j - 1];
            r->mx[j - 1] = t;
        }
    /* RFC 7505: a null MX is the domain's only MX record */
    r->null_mx = r->nmx == 1 && r->mx[0].host[0] == '\0';
}

static void read_spf(struct domain_report *r, const struct dns_query *q)
{
    note_failure(r, q);
    if (q->status == DNS_FAIL) return;
    for (size_t i = 0; i < q->ntxt; i++)
        if (records_is_spf(q->txt[i]) && r->spf_count++ == 0) r->spf_record = q->txt[i];
    r->spf = r->spf_count ? CHECK_YES : CHECK_NO;
}

/* Reads DMARC records at q (for `at`); false when there are none. */
static bool read_dmarc(struct domain_report *r, const struct dns_query *q, const char *at,
                       bool is_own)
{
    note_failure(r, q);
    r->dmarc = q->status == DNS_FAIL ? CHECK_UNKNOWN : CHECK_NO;
    if (q->status == DNS_FAIL) return false;
    for (size_t i = 0; i < q->ntxt; i++) {
        struct dmarc_record d;
        if (!records_parse_dmarc(q->txt[i], &d) || r->dmarc_count++) continue;
        r->dmarc_record = q->txt[i];
        r->dmarc_parsed = d;
    }
    if (!r->dmarc_count) return false;
    r->dmarc = CHECK_YES;
    r->dmarc_domain = at;
    r->dmarc_policy = is_own ? r->dmarc_parsed.policy : r->dmarc_parsed.subdomain_policy;
    return true;
}

static void queue_host(struct domain_report *r, struct dns_batch *b, struct round_two *two,
                       const char *name, int preference)
{
    size_t i = r->nhosts++;
    r->hosts[i].name = name;
    r->hosts[i].preference = preference;
    two->addrs[i][0] = dns_batch_add(b, name, DNS_A);
    two->addrs[i][1] = dns_batch_add(b, name, DNS_AAAA);
}

static void queue_round_two(struct domain_report *r, const struct round_one *one,
                            const char *domain, struct dns_batch *b, struct arena *a,
                            struct round_two *two)
{
    if (r->mx_status == DNS_OK && !r->null_mx) {
        for (size_t i = 0; i < r->nmx && r->nhosts < MX_HOSTS_MAX; i++)
            if (r->mx[i].host[0]) queue_host(r, b, two, r->mx[i].host, r->mx[i].preference);
    } else if (r->implicit_mx) {
        queue_host(r, b, two, domain, 0);
    }
    if (r->dmarc == CHECK_NO && r->exists && strcmp(r->organisational, domain) != 0)
        two->org_dmarc = dns_batch_add(b, arena_sprintf(a, "_dmarc.%s", r->organisational), DNS_TXT);
    if (one->domainkey->status == DNS_OK || one->domainkey->status == DNS_NODATA)
        for (size_t i = 0; i < SELECTORS_MAX && domain_dkim_selectors[i]; i++)
            two->selectors[i] = dns_batch_add(
                b, arena_sprintf(a, "%s._domainkey.%s", domain_dkim_selectors[i], domain), DNS_TXT);
}

static void read_addresses(struct domain_report *r, const struct round_two *two)
{
    bool failed = false;
    for (size_t h = 0; h < r->nhosts; h++)
        for (int fam = 0; fam < 2; fam++) {
            const struct dns_query *q = two->addrs[h][fam];
            if (!q) continue;
            note_failure(r, q);
            failed = failed || q->status == DNS_FAIL;
            for (size_t i = 0; i < q->naddrs && r->hosts[h].naddrs < MX_ADDRS_MAX; i++)
                r->hosts[h].addrs[r->hosts[h].naddrs++] = q->addrs[i];
        }
    /* no MX and, certainly, no address: nowhere to deliver (RFC 5321 §5.1) */
    if (r->implicit_mx && r->nhosts == 1 && r->hosts[0].naddrs == 0 && !failed) r->nhosts = 0;
}

static void read_dkim(struct domain_report *r, const struct dns_query *domainkey,
                      const struct round_two *two, struct arena *a)
{
    if (domainkey->status == DNS_FAIL) {
        note_failure(r, domainkey);
        return;
    }
    /* NXDOMAIN: nothing exists below _domainkey (RFC 8020), so no selector does */
    r->dkim = domainkey->status == DNS_NXDOMAIN ? CHECK_NO : CHECK_YES;
    r->dkim_selectors = arena_alloc(a, (SELECTORS_MAX + 1) * sizeof *r->dkim_selectors);
    for (size_t i = 0; i < SELECTORS_MAX && two->selectors[i]; i++) {
        const struct dns_query *q = two->selectors[i];
        bool key = false;
        for (size_t k = 0; k < q->ntxt && !key; k++) key = records_is_dkim_key(q->txt[k]);
        if (key) r->dkim_selectors[r->ndkim++] = domain_dkim_selectors[i];
    }
}

void verify_domain_lookup(const char *domain, const struct dns_options *opt, double deadline_ms,
                          struct arena *a, struct domain_report *out)
{
    memset(out, 0, sizeof *out);
    out->mx_status = DNS_FAIL;
    out->organisational = organisational(a, domain);
    struct dns_batch *b = NULL;
    struct err err = {0};
    if (dns_batch_new(opt, a, &b, &err) != RC_OK) {
        out->dns_error = arena_strdup(a, err.msg);
        return;
    }
    struct round_one one = {
        .mx = dns_batch_add(b, domain, DNS_MX),
        .txt = dns_batch_add(b, domain, DNS_TXT),
        .dmarc = dns_batch_add(b, arena_sprintf(a, "_dmarc.%s", domain), DNS_TXT),
        .domainkey = dns_batch_add(b, arena_sprintf(a, "_domainkey.%s", domain), DNS_TXT),
    };
    dns_batch_run(b, deadline_ms);
    read_mx(out, one.mx);
    read_spf(out, one.txt);
    read_dmarc(out, one.dmarc, arena_strdup(a, domain), true);
    struct round_two two = {0};
    queue_round_two(out, &one, domain, b, a, &two);
    dns_batch_run(b, deadline_ms);
    read_addresses(out, &two);
    if (two.org_dmarc) read_dmarc(out, two.org_dmarc, out->organisational, false);
    read_dkim(out, one.domainkey, &two, a);
    dns_batch_free(b);
}
