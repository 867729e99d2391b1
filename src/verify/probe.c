/* SMTP mailbox probes: one session per connection, driven as a plain
 * sequence of commands; any transport failure ends the session and the
 * caller moves on to the next address or host. */
#include "verify/probe.h"

#include "base/str.h"
#include "net/addr.h"
#include "verify/hostlimit.h"
#include "verify/smtp_conn.h"

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct probe {
    const char *domain;
    struct probe_target *targets;
    size_t ntargets;
    const struct probe_options *opt;
    double deadline;
    struct arena *a;
    struct probe_report *out;
};

/* One connection's state. */
struct session {
    struct probe *p;
    struct verify_smtp_conn *c;
    const char *host;
    bool starttls, smtputf8, pipelining; /* offered by the server */
    bool needs_utf8; /* some pending address needs SMTPUTF8 */
    int rcpts;       /* RCPT TO sent in this transaction */
    struct verify_smtp_reply reply;
};

enum session_end { SESSION_DONE, SESSION_NEXT };

static void fail_session(struct session *s, const struct err *err)
{
    s->p->out->error = arena_sprintf(s->p->a, "%s: %s", s->host, err->msg);
}

/* A reply that ends the session: note it as the reason, move to the next host. */
static enum session_end refused(struct session *s, const char *step)
{
    s->p->out->error = arena_sprintf(s->p->a, "%s answered %s with %d%s%s %s", s->host, step,
                                     s->reply.code, s->reply.enhanced[0] ? " " : "",
                                     s->reply.enhanced, s->reply.text);
    return SESSION_NEXT;
}

static enum rc command(struct session *s, const char *line)
{
    struct err err = {0};
    const struct probe_options *o = s->p->opt;
    enum rc rc =
        verify_smtp_exchange(s->c, line, o->command_timeout_ms, s->p->deadline, &s->reply, &err);
    if (rc != RC_OK) fail_session(s, &err);
    return rc;
}

static bool pending(const struct probe *p)
{
    for (size_t i = 0; i < p->ntargets; i++)
        if (!p->targets[i].done) return true;
    return false;
}

/* EHLO (HELO when EHLO is not understood), then STARTTLS when offered.
 * *tls_failed is set when the handshake failed: the connection is lost. */
static enum rc greet(struct session *s, bool use_tls, bool *tls_failed)
{
    char line[320];
    snprintf(line, sizeof line, "EHLO %s", s->p->opt->helo);
    if (command(s, line) != RC_OK) return RC_UPSTREAM;
    if (s->reply.code >= 500 && s->reply.code != 554) {
        snprintf(line, sizeof line, "HELO %s", s->p->opt->helo);
        if (command(s, line) != RC_OK) return RC_UPSTREAM;
        return s->reply.code == 250 ? RC_OK : RC_INVALID;
    }
    if (s->reply.code != 250) return RC_INVALID;
    s->starttls = verify_smtp_reply_has_keyword(&s->reply, "STARTTLS");
    s->smtputf8 = verify_smtp_reply_has_keyword(&s->reply, "SMTPUTF8");
    s->pipelining = verify_smtp_reply_has_keyword(&s->reply, "PIPELINING");
    if (!use_tls || !s->starttls || !verify_smtp_tls_available()) return RC_OK;
    if (command(s, "STARTTLS") != RC_OK) return RC_UPSTREAM;
    if (s->reply.code != 220) return RC_OK; /* e.g. 454: carry on in plain text */
    struct err err = {0};
    const struct probe_options *o = s->p->opt;
    if (verify_smtp_start_tls(s->c, s->host, o->command_timeout_ms, s->p->deadline, &err) !=
        RC_OK) {
        fail_session(s, &err);
        *tls_failed = true;
        return RC_UPSTREAM;
    }
    /* RFC 3207 §4.2: forget what was learnt before TLS and ask again */
    snprintf(line, sizeof line, "EHLO %s", o->helo);
    if (command(s, line) != RC_OK) return RC_UPSTREAM;
    s->smtputf8 = verify_smtp_reply_has_keyword(&s->reply, "SMTPUTF8");
    s->pipelining = verify_smtp_reply_has_keyword(&s->reply, "PIPELINING");
    return s->reply.code == 250 ? RC_OK : RC_INVALID;
}

/* MAIL FROM; RC_INVALID with the reply in s->reply when refused. */
static enum rc mail_from(struct session *s)
{
    char line[400];
    snprintf(line, sizeof line, "MAIL FROM:<%s>%s", s->p->opt->from,
             s->needs_utf8 && s->smtputf8 ? " SMTPUTF8" : "");
    if (command(s, line) != RC_OK) return RC_UPSTREAM;
    s->rcpts = 0;
    return s->reply.code == 250 ? RC_OK : RC_INVALID;
}

/* RSET and a new MAIL FROM: a fresh transaction. */
static enum rc new_transaction(struct session *s)
{
    if (command(s, "RSET") != RC_OK) return RC_UPSTREAM;
    if (s->reply.code != 250) return RC_INVALID;
    return mail_from(s);
}

/* A 452 or x.5.3 to an RCPT after the first of its transaction: one
 * recipient too many, to be asked again in a new transaction. */
static bool one_too_many(const struct session *s, enum verify_smtp_verdict v)
{
    return v == VERIFY_SMTP_TOO_MANY ||
           (s->reply.code == 452 && s->rcpts > 1 && v != VERIFY_SMTP_FULL);
}

/* RCPT TO address; a 452 or x.5.3 after an earlier RCPT in the same
 * transaction is asked again, once, as the first of a new one. */
static enum rc rcpt(struct session *s, const char *address, enum verify_smtp_verdict *verdict)
{
    char line[400];
    snprintf(line, sizeof line, "RCPT TO:<%s>", address);
    for (int attempt = 0;; attempt++) {
        if (command(s, line) != RC_OK) return RC_UPSTREAM;
        s->rcpts++;
        *verdict = verify_smtp_classify_rcpt(&s->reply);
        if (!one_too_many(s, *verdict) || attempt == 1 || s->rcpts == 1) return RC_OK;
        enum rc rc = new_transaction(s);
        if (rc != RC_OK) return rc;
    }
}

/* Every pending address gets MAIL FROM's refusal as its answer. */
static void sender_refused(struct session *s)
{
    for (size_t i = 0; i < s->p->ntargets; i++) {
        struct probe_target *t = &s->p->targets[i];
        if (t->done) continue;
        t->done = t->answered = true;
        t->reply = s->reply;
        t->verdict = s->reply.code / 100 == 4 ? VERIFY_SMTP_TEMPORARY : VERIFY_SMTP_POLICY;
    }
}

static bool askable(const struct session *s, const struct probe_target *t)
{
    return !t->done && (!t->smtputf8 || s->smtputf8);
}

/* RFC 2920: the RCPT TO of every pending address in one write, the replies
 * read in order; addresses refused as one too many stay pending for the
 * one-by-one pass, which starts a new transaction. Saves a round trip per
 * address on servers that offer PIPELINING. */
static enum rc pipelined_rcpts(struct session *s)
{
    struct probe *p = s->p;
    const char **lines = arena_alloc(p->a, (p->ntargets + 1) * sizeof *lines);
    struct probe_target **asked = arena_alloc(p->a, (p->ntargets + 1) * sizeof *asked);
    size_t n = 0;
    for (size_t i = 0; i < p->ntargets; i++)
        if (askable(s, &p->targets[i])) {
            asked[n] = &p->targets[i];
            lines[n++] = arena_sprintf(p->a, "RCPT TO:<%s>", p->targets[i].address);
        }
    if (n < 2) return RC_OK;
    struct err err = {0};
    const struct probe_options *o = p->opt;
    if (verify_smtp_send_lines(s->c, lines, n, o->command_timeout_ms, p->deadline, &err) != RC_OK) {
        fail_session(s, &err);
        return RC_UPSTREAM;
    }
    bool retry = false;
    for (size_t k = 0; k < n; k++) {
        if (verify_smtp_read_reply(s->c, lines[k], o->command_timeout_ms, p->deadline, &s->reply,
                                   &err) != RC_OK) {
            fail_session(s, &err);
            return RC_UPSTREAM;
        }
        s->rcpts++;
        if (s->reply.code == 421) return RC_INVALID; /* the server is closing */
        enum verify_smtp_verdict v = verify_smtp_classify_rcpt(&s->reply);
        if (one_too_many(s, v)) {
            retry = true;
            continue;
        }
        asked[k]->done = asked[k]->answered = true;
        asked[k]->reply = s->reply;
        asked[k]->verdict = v;
    }
    return retry ? new_transaction(s) : RC_OK;
}

static enum rc probe_targets(struct session *s)
{
    if (s->pipelining) {
        enum rc rc = pipelined_rcpts(s);
        if (rc != RC_OK) return rc;
    }
    for (size_t i = 0; i < s->p->ntargets; i++) {
        struct probe_target *t = &s->p->targets[i];
        if (t->done) continue;
        if (t->smtputf8 && !s->smtputf8) {
            t->done = true;
            t->note = "the mail server does not support SMTPUTF8 (RFC 6531), which this "
                      "address needs";
            continue;
        }
        enum verify_smtp_verdict v;
        enum rc rc = rcpt(s, t->address, &v);
        if (rc != RC_OK) return rc; /* RC_INVALID: RSET or MAIL FROM refused */
        if (s->reply.code == 421) return RC_INVALID; /* the server is closing */
        t->done = t->answered = true;
        t->reply = s->reply;
        t->verdict = v;
    }
    return RC_OK;
}

/* Decides catch-all: a server that rejected one of the addresses is not
 * accepting everything; otherwise a random address is asked about, once,
 * when some address was accepted. */
static void catch_all(struct session *s)
{
    bool accepted = false, rejected = false;
    for (size_t i = 0; i < s->p->ntargets; i++) {
        const struct probe_target *t = &s->p->targets[i];
        accepted = accepted || (t->answered && t->verdict == VERIFY_SMTP_ACCEPTED);
        rejected = rejected || (t->answered && (t->verdict == VERIFY_SMTP_NO_MAILBOX ||
                                                t->verdict == VERIFY_SMTP_DISABLED));
    }
    if (rejected || !accepted) {
        s->p->out->catch_all = rejected ? CHECK_NO : CHECK_UNKNOWN;
        return;
    }
    char random[21], address[400];
    str_random_hex(10, random);
    snprintf(address, sizeof address, "x%s@%s", random, s->p->domain);
    enum verify_smtp_verdict v;
    s->p->out->catch_all_probes++;
    if (rcpt(s, address, &v) != RC_OK) return;
    if (v == VERIFY_SMTP_ACCEPTED) s->p->out->catch_all = CHECK_YES;
    else if (v == VERIFY_SMTP_NO_MAILBOX || v == VERIFY_SMTP_DISABLED)
        s->p->out->catch_all = CHECK_NO;
}

/* The conversation after the greeting. */
static enum session_end converse(struct session *s, bool use_tls, bool *tls_failed)
{
    enum rc rc = greet(s, use_tls, tls_failed);
    if (rc == RC_INVALID) return refused(s, "EHLO");
    if (rc != RC_OK) return SESSION_NEXT;
    s->p->out->tls = verify_smtp_conn_tls(s->c);
    s->needs_utf8 = false;
    for (size_t i = 0; i < s->p->ntargets; i++)
        s->needs_utf8 = s->needs_utf8 || (!s->p->targets[i].done && s->p->targets[i].smtputf8);
    rc = mail_from(s);
    if (rc == RC_INVALID && s->reply.code != 421) {
        sender_refused(s);
        return SESSION_DONE;
    }
    if (rc == RC_INVALID) return refused(s, "MAIL FROM");
    if (rc != RC_OK) return SESSION_NEXT;
    rc = probe_targets(s);
    if (rc == RC_INVALID) return refused(s, "RCPT TO");
    if (rc != RC_OK) return SESSION_NEXT;
    catch_all(s);
    verify_smtp_send_only(s->c, "QUIT", s->p->deadline);
    return SESSION_DONE;
}

/* The proxy for the next connection: each in turn, process-wide; NULL for none. */
static const struct socks5_proxy *next_proxy(const struct probe_options *o)
{
    static atomic_uint turn;
    if (o->nproxies == 0) return NULL;
    return &o->proxies[atomic_fetch_add(&turn, 1u) % o->nproxies];
}

/* One connection to one address of host. */
static enum session_end session(struct probe *p, const char *host, const struct dns_addr *addr,
                                bool use_tls, bool *tls_failed)
{
    struct session s = {.p = p, .host = host};
    struct err err = {0};
    p->out->connections++;
    if (verify_smtp_connect(addr, p->opt->port, next_proxy(p->opt), p->opt->connect_timeout_ms,
                            p->deadline, &s.c, &err) != RC_OK) {
        p->out->error = arena_sprintf(p->a, "%s: %s", host, err.msg);
        return SESSION_NEXT;
    }
    enum session_end end = SESSION_NEXT;
    if (command(&s, NULL) != RC_OK) goto out;
    p->out->reachable = true;
    p->out->host = host;
    if (s.reply.code != 220) {
        end = refused(&s, "the connection");
        goto out;
    }
    end = converse(&s, use_tls, tls_failed);
out:
    verify_smtp_close(s.c);
    return end;
}

static bool address_allowed(struct probe *p, const char *host, const struct dns_addr *addr)
{
    struct sockaddr_storage ss = {0};
    if (addr->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, addr->bytes, 16);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, addr->bytes, 4);
    }
    if (p->opt->allow_private || !addr_is_private((struct sockaddr *)&ss)) return true;
    char text[64];
    verify_smtp_addr_text(addr, text, sizeof text);
    p->out->error = arena_sprintf(p->a, "%s resolves to %s, a private or loopback address that "
                                        "probes do not connect to", host, text);
    return false;
}

/* Tries the host's addresses; true when the probe is finished. */
static bool try_host(struct probe *p, const struct mx_host *h)
{
    if (h->naddrs == 0 && !p->out->error)
        p->out->error = arena_sprintf(p->a, "MX host %s has no address", h->name);
    for (size_t i = 0; i < h->naddrs; i++) {
        if (!pending(p) || p->out->connections >= PROBE_CONNECTIONS_MAX) return true;
        if (!address_allowed(p, h->name, &h->addrs[i])) continue;
        if (!hostlimit_acquire(h->name, p->opt->per_host, p->deadline)) {
            p->out->error = arena_sprintf(p->a, "%s: too many probes in flight to this host",
                                          h->name);
            return false;
        }
        bool tls_failed = false;
        enum session_end end = session(p, h->name, &h->addrs[i], true, &tls_failed);
        if (end == SESSION_NEXT && tls_failed && p->out->connections < PROBE_CONNECTIONS_MAX)
            end = session(p, h->name, &h->addrs[i], false, &tls_failed); /* as MTAs fall back */
        hostlimit_release(h->name);
        if (end == SESSION_DONE) return true;
    }
    return false;
}

void probe_domain(const char *domain, const struct mx_host *hosts, size_t nhosts,
                  struct probe_target *targets, size_t ntargets, const struct probe_options *opt,
                  double deadline_ms, struct arena *a, struct probe_report *out)
{
    memset(out, 0, sizeof *out);
    struct probe p = {domain, targets, ntargets, opt, deadline_ms, a, out};
    if (opt->off) {
        out->host = nhosts ? hosts[0].name : NULL;
        out->error = PROBE_OFF_NOTE;
        for (size_t i = 0; i < ntargets; i++) {
            targets[i].done = true;
            targets[i].note = PROBE_OFF_NOTE;
        }
        return;
    }
    for (size_t h = 0; h < nhosts && pending(&p); h++) {
        if (!out->host) out->host = hosts[h].name;
        if (try_host(&p, &hosts[h])) break;
    }
    /* a host that failed before another answered everything is no news */
    bool all_answered = true;
    for (size_t i = 0; i < ntargets; i++) all_answered = all_answered && targets[i].answered;
    if (all_answered) out->error = NULL;
}
