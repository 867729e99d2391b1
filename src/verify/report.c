/* Status rules and the result's JSON. */
#include "verify/report.h"

#include "base/mem.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
    [VERIFY_VALID] = "valid",
    [VERIFY_INVALID] = "invalid",
    [VERIFY_RISKY] = "risky",
    [VERIFY_UNKNOWN] = "unknown",
};

const char *verify_status_name(enum verify_status s)
{
    return status_names[s];
}

bool verify_status_parse(const char *name, enum verify_status *out)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, status_names[i]) == 0) {
            *out = (enum verify_status)i;
            return true;
        }
    return false;
}

/* "550 5.1.1 text" on one line. */
static const char *reply_words(struct arena *a, const struct verify_smtp_reply *r)
{
    char *s = arena_sprintf(a, "%d%s%s %s", r->code, r->enhanced[0] ? " " : "", r->enhanced,
                            r->text);
    for (char *p = s; *p; p++)
        if (*p == '\n') *p = ' ';
    return s;
}

static bool answered(const struct verify_facts *f, enum verify_smtp_verdict v)
{
    return f->smtp && f->smtp->answered && f->smtp->verdict == v;
}

/* The reason an address is invalid, or NULL when it is not. */
static const char *invalid_reason(const struct verify_facts *f, struct arena *a)
{
    const struct domain_report *d = f->dns;
    const char *domain = f->syntax->ascii_domain;
    if (!f->syntax->valid) return arena_sprintf(a, "invalid syntax: %s", f->syntax->reason);
    if (d->mx_status == DNS_NXDOMAIN)
        return arena_sprintf(a, "the domain %s does not exist", domain);
    if (d->null_mx)
        return arena_sprintf(a, "the domain %s accepts no mail (null MX, RFC 7505)", domain);
    if (d->implicit_mx && d->nhosts == 0)
        return arena_sprintf(a, "the domain %s has no MX record and no address to deliver to",
                             domain);
    if (answered(f, VERIFY_SMTP_NO_MAILBOX))
        return arena_sprintf(a, "the mailbox does not exist: %s", reply_words(a, &f->smtp->reply));
    if (answered(f, VERIFY_SMTP_DISABLED))
        return arena_sprintf(a, "the mailbox is disabled: %s", reply_words(a, &f->smtp->reply));
    return NULL;
}

/* The risks found, joined by "; ", or NULL. */
static const char *risky_reason(const struct verify_facts *f, struct arena *a)
{
    const char *parts[4];
    int n = 0;
    if (f->disposable) parts[n++] = "disposable email domain";
    if (f->role) parts[n++] = "role account, read by a team rather than a person";
    if (answered(f, VERIFY_SMTP_FULL))
        parts[n++] = arena_sprintf(a, "the mailbox is full: %s", reply_words(a, &f->smtp->reply));
    if (answered(f, VERIFY_SMTP_ACCEPTED) && f->probe->catch_all == CHECK_YES)
        parts[n++] = "catch-all domain: its server accepts any address, so this one may not exist";
    else if (answered(f, VERIFY_SMTP_ACCEPTED) && f->probe->catch_all == CHECK_UNKNOWN)
        parts[n++] = "the mailbox was accepted, but whether the server accepts any address "
                     "could not be told";
    if (n == 0) return NULL;
    const char *s = parts[0];
    for (int i = 1; i < n; i++) s = arena_sprintf(a, "%s; %s", s, parts[i]);
    return s;
}

static const char *unknown_reason(const struct verify_facts *f, struct arena *a)
{
    const struct domain_report *d = f->dns;
    if (d->mx_status == DNS_FAIL)
        return arena_sprintf(a, "the DNS look-up of %s failed: %s", f->syntax->ascii_domain,
                             d->dns_error ? d->dns_error : "no answer");
    const struct probe_target *t = f->smtp;
    if (t && !t->answered && t->note) return t->note;
    if (!t || !t->answered) {
        const char *why = f->probe && f->probe->error ? f->probe->error : "no answer";
        return f->probe && f->probe->reachable
                   ? arena_sprintf(a, "the mail server gave no answer about the mailbox: %s", why)
                   : arena_sprintf(a, "no mail server could be reached: %s", why);
    }
    const char *reply = reply_words(a, &t->reply);
    switch (t->verdict) {
    case VERIFY_SMTP_TEMPORARY:
        return arena_sprintf(a, "the mail server deferred the check (greylisting, rate limit or "
                                "load): %s", reply);
    case VERIFY_SMTP_POLICY:
        return arena_sprintf(a, "the mail server refused the probe's sender, not the mailbox "
                                "(policy or block list): %s", reply);
    case VERIFY_SMTP_UNVERIFIABLE:
        return arena_sprintf(a, "the mail server does not confirm mailboxes: %s", reply);
    case VERIFY_SMTP_TOO_MANY:
        return arena_sprintf(a, "the mail server refused more recipients: %s", reply);
    default:
        return arena_sprintf(a, "the mail server's answer says nothing about the mailbox: %s",
                             reply);
    }
}

void verify_decide(const struct verify_facts *f, struct arena *a, enum verify_status *status,
                   const char **reason)
{
    if ((*reason = invalid_reason(f, a))) {
        *status = VERIFY_INVALID;
    } else if ((*reason = risky_reason(f, a))) {
        *status = VERIFY_RISKY;
    } else if (answered(f, VERIFY_SMTP_ACCEPTED)) {
        *status = VERIFY_VALID;
        *reason = "the mail server accepts this mailbox and rejects made-up ones";
    } else {
        *status = VERIFY_UNKNOWN;
        *reason = unknown_reason(f, a);
    }
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *jstr(const char *s)
{
    if (!s) return json_null();
    json_t *j = json_string(s);
    if (j) return j;
    char *copy = xstrdup(s); /* not UTF-8: keep what can be kept */
    str_utf8_scrub(copy);
    j = json_string(copy);
    free(copy);
    return j ? j : json_null();
}

static json_t *jstate(enum check_state s)
{
    return s == CHECK_UNKNOWN ? json_null() : json_boolean(s == CHECK_YES);
}

static json_t *syntax_json(const struct email_syntax *s)
{
    return json_pack("{s:b, s:o, s:o, s:o, s:b, s:o}", "valid", s->valid, "local_part",
                     jstr(s->local), "domain", jstr(s->domain), "ascii_domain",
                     jstr(s->ascii_domain), "smtputf8", s->smtputf8, "reason", jstr(s->reason));
}

static json_t *domain_json(const struct domain_report *d, const char *domain)
{
    json_t *exists = d->mx_status == DNS_FAIL ? json_null() : json_boolean(d->exists);
    return json_pack("{s:o, s:o, s:o, s:o}", "name", jstr(domain), "exists", exists,
                     "organisational", jstr(d->organisational), "dns_error", jstr(d->dns_error));
}

static json_t *mx_json(const struct domain_report *d)
{
    if (d->mx_status == DNS_FAIL) return json_null();
    json_t *hosts = json_array();
    for (size_t i = 0; i < d->nmx && !d->null_mx; i++)
        json_array_append_new(hosts, json_pack("{s:o, s:i}", "host", jstr(d->mx[i].host),
                                               "preference", d->mx[i].preference));
    bool accepts = !d->null_mx && d->exists && (d->nmx > 0 || d->nhosts > 0);
    return json_pack("{s:b, s:b, s:b, s:b, s:o}", "found", d->nmx > 0 && !d->null_mx,
                     "accepts_mail", accepts, "null_mx", d->null_mx, "implicit",
                     d->implicit_mx && d->nhosts > 0, "hosts", hosts);
}

static json_t *spf_json(const struct domain_report *d)
{
    if (d->spf == CHECK_UNKNOWN) return json_null();
    const char *error = d->spf_count > 1 ? "more than one v=spf1 record: a permanent error "
                                           "(RFC 7208 section 4.5)"
                                         : NULL;
    return json_pack("{s:b, s:b, s:i, s:o, s:o}", "found", d->spf == CHECK_YES, "valid",
                     d->spf_count == 1, "count", (int)d->spf_count, "record",
                     jstr(d->spf_count == 1 ? d->spf_record : NULL), "error", jstr(error));
}

static json_t *dmarc_json(const struct domain_report *d)
{
    if (d->dmarc == CHECK_UNKNOWN) return json_null();
    bool one = d->dmarc_count == 1;
    const char *error = d->dmarc_count > 1 ? "more than one DMARC record: none applies (RFC 7489 "
                                             "section 6.6.3)"
                                           : NULL;
    return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "found", d->dmarc == CHECK_YES, "policy",
                     one ? json_string(records_dmarc_policy_name(d->dmarc_policy)) : json_null(),
                     "pct", one ? json_integer(d->dmarc_parsed.pct) : json_null(), "record",
                     jstr(one ? d->dmarc_record : NULL), "domain", jstr(d->dmarc_domain), "error",
                     jstr(error));
}

static json_t *dkim_json(const struct domain_report *d)
{
    if (d->dkim == CHECK_UNKNOWN) return json_null();
    json_t *selectors = json_array();
    for (size_t i = 0; i < d->ndkim; i++)
        json_array_append_new(selectors, jstr(d->dkim_selectors[i]));
    return json_pack("{s:b, s:o}", "found", d->dkim == CHECK_YES, "selectors", selectors);
}

static json_t *smtp_json(const struct verify_facts *f)
{
    const struct probe_target *t = f->smtp;
    const struct probe_report *p = f->probe;
    bool has = t->answered;
    json_t *deliverable = answered(f, VERIFY_SMTP_ACCEPTED) ? json_true()
                          : answered(f, VERIFY_SMTP_NO_MAILBOX) || answered(f, VERIFY_SMTP_DISABLED)
                              ? json_false()
                              : json_null();
    return json_pack("{s:b, s:o, s:b, s:o, s:b, s:o, s:o, s:o, s:o}", "reachable", p->reachable,
                     "host", jstr(p->host), "tls", p->tls, "deliverable", deliverable,
                     "full_inbox", answered(f, VERIFY_SMTP_FULL), "code",
                     has ? json_integer(t->reply.code) : json_null(), "enhanced_code",
                     jstr(has && t->reply.enhanced[0] ? t->reply.enhanced : NULL), "message",
                     jstr(has ? t->reply.text : NULL), "error",
                     jstr(has ? NULL : t->note ? t->note : p->error));
}

static json_t *checks_json(const struct verify_facts *f)
{
    const struct domain_report *d = f->dns;
    bool listed = f->syntax->valid;
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "syntax",
                     syntax_json(f->syntax), "domain",
                     d ? domain_json(d, f->syntax->ascii_domain) : json_null(), "mx",
                     d ? mx_json(d) : json_null(), "spf", d ? spf_json(d) : json_null(), "dkim",
                     d ? dkim_json(d) : json_null(), "dmarc", d ? dmarc_json(d) : json_null(),
                     "disposable", listed ? json_boolean(f->disposable) : json_null(),
                     "role_account", listed ? json_boolean(f->role) : json_null(), "free_provider",
                     listed ? json_boolean(f->free_provider) : json_null(), "catch_all",
                     f->probe ? jstate(f->probe->catch_all) : json_null(), "smtp",
                     f->probe && f->smtp ? smtp_json(f) : json_null());
}

json_t *verify_result_json(const char *email, const struct verify_facts *f,
                           enum verify_status status, const char *reason)
{
    return json_pack("{s:o, s:b, s:s, s:o, s:o}", "email", jstr(email), "valid",
                     status == VERIFY_VALID, "status", verify_status_name(status), "reason",
                     jstr(reason), "checks", checks_json(f));
}
