/* Verification of a batch: group by domain, one thread per domain for its
 * DNS and SMTP work, then the verdict and JSON for each address in order. */
#include "verify/verify.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/cache.h"
#include "verify/lists.h"
#include "verify/smtp_conn.h"

#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum { WORKER_STACK = 1 << 20 };

struct domain_job {
    const char *domain; /* lowercase A-label form */
    const struct verify_options *opt;
    double deadline;
    struct arena arena; /* the worker's own: arenas are not shared between threads */
    struct probe_target *targets;
    size_t ntargets;
    struct domain_report dns;
    struct probe_report probe;
    bool probed;
    pthread_t thread;
    bool threaded;
};

struct address {
    struct email_syntax syntax;
    bool disposable, role, free_provider;
    struct domain_job *job; /* NULL when the syntax is invalid */
    size_t target;
};

/* ---- options ------------------------------------------------------------- */

static pthread_once_t helo_once = PTHREAD_ONCE_INIT;
static char helo_name[256];

static void helo_init(void)
{
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) snprintf(host, sizeof host, "localhost");
    struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC}, *res = NULL;
    const char *name = host;
    if (!strchr(host, '.') && getaddrinfo(host, NULL, &hints, &res) == 0 && res &&
        res->ai_canonname && strchr(res->ai_canonname, '.'))
        name = res->ai_canonname;
    snprintf(helo_name, sizeof helo_name, "%s", name);
    if (res) freeaddrinfo(res);
}

const char *verify_default_helo(void)
{
    pthread_once(&helo_once, helo_init);
    return helo_name;
}

/* An EHLO name: a host name (letters, digits, '-', '.') or an address literal. */
static bool helo_valid(const char *s)
{
    if (!s || !*s || strlen(s) > 253) return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:", *s))
            return false;
    return true;
}

/* A MAIL FROM address that cannot break the command line. */
static bool from_valid(const char *s)
{
    if (!s || !strchr(s, '@') || strlen(s) > 254) return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '<' || *s == '>' || *s == 0x7f) return false;
    return true;
}

void verify_options_fill_identity(struct verify_options *o, struct arena *a)
{
    const char *helo = o->probe.helo, *from = o->probe.from;
    if (helo && !helo_valid(helo)) {
        log_warn("LEADGEN_SMTP_HELO '%s' is not a host name; using the machine's name", helo);
        helo = NULL;
    }
    if (!helo) helo = verify_default_helo();
    if (from && !from_valid(from)) {
        log_warn("LEADGEN_SMTP_FROM '%s' is not an address; using verify@%s", from, helo);
        from = NULL;
    }
    o->probe.helo = helo;
    o->probe.from = from ? from : arena_sprintf(a, "verify@%s", helo);
}

/* ---- grouping ------------------------------------------------------------- */

static struct domain_job *job_for(struct domain_job *jobs, size_t *njobs, const char *domain,
                                  size_t capacity, const struct verify_options *opt,
                                  double deadline)
{
    for (size_t i = 0; i < *njobs; i++)
        if (strcmp(jobs[i].domain, domain) == 0) return &jobs[i];
    struct domain_job *j = &jobs[(*njobs)++];
    j->domain = domain;
    j->opt = opt;
    j->deadline = deadline;
    arena_init(&j->arena);
    j->targets = arena_alloc(&j->arena, capacity * sizeof *j->targets);
    return j;
}

/* The address's probe target in its job (one per distinct address). */
static size_t target_for(struct domain_job *j, const struct email_syntax *s)
{
    for (size_t i = 0; i < j->ntargets; i++)
        if (strcasecmp(j->targets[i].address, s->address) == 0) return i;
    j->targets[j->ntargets] = (struct probe_target){
        .address = arena_strdup(&j->arena, s->address), .smtputf8 = s->smtputf8};
    return j->ntargets++;
}

/* ---- the work of one domain ------------------------------------------------ */

static bool has_mail_hosts(const struct domain_report *d)
{
    return d->exists && !d->null_mx && d->nhosts > 0;
}

static void *domain_worker(void *arg)
{
    /* a server that resets the connection during a TLS write must not kill us */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    struct domain_job *j = arg;
    verify_domain_lookup(j->domain, &j->opt->dns, j->deadline, &j->arena, &j->dns);
    if (has_mail_hosts(&j->dns)) {
        probe_domain(j->domain, j->dns.hosts, j->dns.nhosts, j->targets, j->ntargets,
                     &j->opt->probe, j->deadline, &j->arena, &j->probe);
        j->probed = true;
    }
    return NULL;
}

static void run_jobs(struct domain_job *jobs, size_t njobs)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WORKER_STACK);
    for (size_t i = 0; i < njobs; i++) {
        /* the last (or only) domain runs here rather than on a new thread */
        if (i + 1 < njobs)
            jobs[i].threaded = pthread_create(&jobs[i].thread, &attr, domain_worker, &jobs[i]) == 0;
        if (!jobs[i].threaded) domain_worker(&jobs[i]);
    }
    for (size_t i = 0; i < njobs; i++)
        if (jobs[i].threaded) pthread_join(jobs[i].thread, NULL);
    pthread_attr_destroy(&attr);
}

void verify_run(const char *const *emails, size_t n, const struct verify_options *opt,
                struct verify_outcome *out)
{
    struct arena a;
    arena_init(&a);
    double deadline = clock_mono_ms() + opt->deadline_ms;
    struct address *addrs = arena_alloc(&a, (n + 1) * sizeof *addrs);
    struct domain_job *jobs = arena_alloc(&a, (n + 1) * sizeof *jobs);
    size_t njobs = 0;
    for (size_t i = 0; i < n; i++) {
        struct address *ad = &addrs[i];
        if (!verify_syntax(emails[i], &a, &ad->syntax)) continue;
        ad->disposable = verify_is_disposable(ad->syntax.ascii_domain);
        ad->free_provider = verify_is_free_provider(ad->syntax.ascii_domain);
        ad->role = verify_is_role(ad->syntax.local);
        ad->job = job_for(jobs, &njobs, ad->syntax.ascii_domain, n, opt, deadline);
        ad->target = target_for(ad->job, &ad->syntax);
    }
    run_jobs(jobs, njobs);
    for (size_t i = 0; i < n; i++) {
        const struct address *ad = &addrs[i];
        const struct domain_job *j = ad->job;
        struct verify_facts f = {
            .syntax = &ad->syntax,
            .disposable = ad->disposable,
            .role = ad->role,
            .free_provider = ad->free_provider,
            .dns = j ? &j->dns : NULL,
            .smtp = j && j->probed ? &j->targets[ad->target] : NULL,
            .probe = j && j->probed ? &j->probe : NULL,
        };
        const char *reason;
        verify_decide(&f, &a, &out[i].status, &reason);
        out[i].result = verify_result_json(emails[i], &f, out[i].status, reason);
    }
    for (size_t i = 0; i < njobs; i++) arena_cleanup(&jobs[i].arena);
    arena_cleanup(&a);
}

/* ---- the start-up check ----------------------------------------------------- */

bool verify_port25_open(int timeout_ms, char *why, size_t size)
{
    static const char host[] = "gmail-smtp-in.l.google.com";
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(host, "25", &hints, &res);
    if (gai != 0) {
        snprintf(why, size, "cannot resolve %s: %s", host, gai_strerror(gai));
        return false;
    }
    struct dns_addr addr = {.family = AF_INET};
    memcpy(addr.bytes, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
    freeaddrinfo(res);
    struct verify_smtp_conn *c = NULL;
    struct err err = {0};
    bool open = verify_smtp_connect(&addr, 25, NULL, timeout_ms, clock_mono_ms() + timeout_ms, &c,
                                    &err) == RC_OK;
    verify_smtp_close(c);
    if (!open) snprintf(why, size, "%s: %s", host, err.msg);
    return open;
}

const char *verify_cache_key(const char *email, struct arena *a)
{
    char *folded = arena_strdup(a, email);
    for (char *c = folded; *c; c++) *c = (char)tolower((unsigned char)*c);
    const char *parts[] = {folded};
    return cache_key(a, "verify", 1, parts);
}
