/* The browser provider: the engine's result page rendered by headless Chromium
 * and its DOM (document.documentElement.outerHTML) read by the Google and Bing
 * parsers. One Chromium per leadgen process, started on first use and driven
 * over the DevTools protocol on its pipe (net/cdp.h), with a pool of
 * LEADGEN_BROWSER_TABS tabs; it is restarted when it dies, breaks, has served
 * BROWSER_RECYCLE navigations, or its process group's PSS passed
 * LEADGEN_BROWSER_MAX_MB. Every request a tab makes is paused (Fetch domain):
 * images, fonts, media and stylesheets are refused; the configured engines'
 * host:port continue in Chromium; every other request is relayed, fetched by
 * net/http.c (its connect-time private-address guard, LEADGEN_RESOLVE pins) and
 * answered with Fetch.fulfillRequest, so no page-chosen request leaves Chromium
 * directly. Chromium's resolver knows only the engines' hosts: what cannot be
 * paused (WebSockets, prefetches) resolves nowhere. Cookies live in the
 * browser's profile for its lifetime, seeded with the direct provider's
 * consent cookie. */
#include "serp/internal.h"

#include "base/buf.h"
#include "base/log.h"
#include "net/http.h"
#include "net/cdp.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <dirent.h>
#include <sodium.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    BROWSER_TABS_MAX = 16,
    BROWSER_CALLS_MAX = 64,     /* commands awaiting an answer at once */
    BROWSER_RECYCLE = 1000,     /* navigations before a fresh browser (memory) */
    RELAYS_MAX = 32,            /* requests fetched for the tabs at once; more are failed */
    SIZE_EVERY_MS = 1000,       /* between readings of the browser's PSS */
    BROWSER_START_MS = 20000,   /* Chromium's start and tab set-up */
    POLL_MS = 20,               /* between looks at a loading page */
    SETTLE_MS = 2000,           /* a loaded page that is no answer may still navigate */
};

struct call {
    int64_t id; /* 0: free */
    bool done;
    json_t *result; /* owned */
    char error[200];
};

struct tab {
    char session[64];
    bool busy;
    unsigned search; /* counts the searches it served: a late relay's refusal is not this one's */
    char refused[240]; /* why the interceptor refused a request, for the message */
};

static struct {
    pthread_mutex_t lock; /* everything below but the pipe writes */
    pthread_cond_t changed;
    pthread_mutex_t write_lock;
    pid_t pid;
    int to_browser, from_browser;
    pthread_t reader;
    bool alive, starting, reader_running;
    bool oversized; /* above LEADGEN_BROWSER_MAX_MB: replaced once idle */
    long sized_at;  /* CLOCK_MONOTONIC ms of the last look at its size */
    int relays;     /* relay threads running */
    char profile[64];
    int64_t next_id;
    struct call calls[BROWSER_CALLS_MAX];
    struct tab tabs[BROWSER_TABS_MAX];
    int ntabs, busy, navigations;
    const struct serp_options *opt; /* the first caller's: fixed for the process */
} br = {.lock = PTHREAD_MUTEX_INITIALIZER,
        .changed = PTHREAD_COND_INITIALIZER,
        .write_lock = PTHREAD_MUTEX_INITIALIZER,
        .to_browser = -1,
        .from_browser = -1};

/* ---- finding Chromium ---------------------------------------------------------- */

static bool executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* LEADGEN_CHROMIUM, else chromium (or chromium-browser) on PATH, into out. */
static bool chromium_path(const struct serp_options *o, char *out, size_t size)
{
    if (o->chromium && *o->chromium) {
        snprintf(out, size, "%s", o->chromium);
        return executable(out);
    }
    static const char *const names[] = {"chromium", "chromium-browser"};
    const char *path = getenv("PATH");
    for (size_t k = 0; k < 2; k++)
        for (const char *p = path ? path : "/usr/bin"; *p;) {
            size_t n = strcspn(p, ":");
            snprintf(out, size, "%.*s/%s", (int)n, p, names[k]);
            if (n && executable(out)) return true;
            p += n + (p[n] == ':');
        }
    return false;
}

bool serp_browser_available(const struct serp_options *o)
{
    char path[512];
    return chromium_path(o, path, sizeof path);
}

/* ---- the request guard ----------------------------------------------------------- */

/* Host (lower-case, IPv6 without brackets) and port of an http(s) URL. */
static bool url_host_port(const char *url, char *host, size_t size, int *port)
{
    bool https = strncasecmp(url, "https://", 8) == 0;
    if (!https && strncasecmp(url, "http://", 7) != 0) return false;
    const char *p = url + (https ? 8 : 7);
    size_t auth = strcspn(p, "/?#");
    const char *at = memchr(p, '@', auth);
    if (at) auth -= (size_t)(at + 1 - p), p = at + 1;
    const char *end = p + auth, *colon = NULL;
    if (*p == '[') {
        const char *close = memchr(p, ']', auth);
        if (!close) return false;
        snprintf(host, size, "%.*s", (int)(close - p - 1), p + 1);
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', auth);
        snprintf(host, size, "%.*s", (int)((colon ? colon : end) - p), p);
    }
    *port = colon ? atoi(colon + 1) : (https ? 443 : 80);
    for (char *c = host; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    return *host && *port > 0 && *port < 65536;
}

/* The configured engines' own pages are trusted, as the direct provider trusts them. */
static bool engine_host(const struct serp_options *o, const char *host, int port)
{
    const char *engines[] = {o->google_url, o->bing_url};
    char h[256];
    int p;
    for (size_t i = 0; i < 2; i++)
        if (engines[i] && url_host_port(engines[i], h, sizeof h, &p) && p == port &&
            strcmp(h, host) == 0)
            return true;
    return false;
}

enum serp_browser_verdict serp_browser_verdict(const struct serp_options *o, const char *url,
                                               const char *resource_type)
{
    static const char *const unwanted[] = {"Image", "Font", "Media", "Stylesheet", NULL};
    for (const char *const *t = unwanted; resource_type && *t; t++)
        if (strcmp(*t, resource_type) == 0) return SERP_BROWSER_UNWANTED;
    char host[256];
    int port;
    if (!url_host_port(url, host, sizeof host, &port))
        return strncmp(url, "data:", 5) == 0 || strncmp(url, "blob:", 5) == 0
                   ? SERP_BROWSER_ALLOW
                   : SERP_BROWSER_UNWANTED;
    return engine_host(o, host, port) ? SERP_BROWSER_ALLOW : SERP_BROWSER_RELAY;
}

/* The LEADGEN_RESOLVE address pinned for host:port into addr, if any. */
static bool pinned(const char *resolve, const char *host, int port, char *addr, size_t size)
{
    char want[300];
    snprintf(want, sizeof want, "%s:%d:", host, port);
    size_t wl = strlen(want);
    for (const char *p = resolve ? resolve : ""; *p;) {
        size_t n = strcspn(p, ",");
        if (n > wl && strncasecmp(p, want, wl) == 0) {
            snprintf(addr, size, "%.*s", (int)(n - wl), p + wl);
            return true;
        }
        p += n + (p[n] == ',');
    }
    return false;
}

char *serp_browser_resolver_rules(const struct serp_options *o)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "--host-resolver-rules=");
    const char *engines[] = {o->google_url, o->bing_url};
    for (size_t i = 0; i < 2; i++) {
        char host[256], addr[128], name[260];
        int port;
        if (!engines[i] || !url_host_port(engines[i], host, sizeof host, &port)) continue;
        snprintf(name, sizeof name, strchr(host, ':') ? "[%s]" : "%s", host);
        char to[sizeof name];
        if (!pinned(o->resolve, host, port, addr, sizeof addr)) memcpy(to, name, sizeof to);
        else snprintf(to, sizeof to, strchr(addr, ':') && *addr != '[' ? "[%s]" : "%s", addr);
        /* mapped to itself, the engine's host:port escapes the rule below it */
        buf_printf(&b, "MAP %s:%d %s:%d, ", name, port, to, port);
    }
    buf_puts(&b, "MAP * ~NOTFOUND");
    char *out = xstrdup(b.data);
    buf_free(&b);
    return out;
}

/* ---- the pipe ------------------------------------------------------------------------- */

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Sends a command (NUL-terminated on the wire); false when the pipe is gone. */
static bool send_command(int64_t id, const char *session, const char *method, json_t *params)
{
    char *text = cdp_command(id, session, method, params);
    pthread_mutex_lock(&br.write_lock);
    bool ok = br.to_browser >= 0 && write_all(br.to_browser, text, strlen(text) + 1);
    pthread_mutex_unlock(&br.write_lock);
    free(text);
    return ok;
}

/* Ids of commands nobody waits for (interception answers) count down from -1. */
static int64_t fire_id(void)
{
    static int64_t next = -1;
    return __atomic_fetch_sub(&next, 1, __ATOMIC_RELAXED);
}

static struct tab *tab_of_session(const char *session)
{
    for (int i = 0; session && i < br.ntabs; i++)
        if (strcmp(br.tabs[i].session, session) == 0) return &br.tabs[i];
    return NULL;
}

/* ---- requests relayed through net/http.c ------------------------------------------- */

/* A paused request leadgen fetches itself, so that the private-address guard
 * judges the address connected to (after DNS) and LEADGEN_RESOLVE pins apply. */
struct relay {
    char session[64];
    unsigned search; /* its tab's search when it was paused */
    json_t *paused;  /* Fetch.requestPaused's params (owned) */
};

/* Headers that describe the hop, not the content: curl sets its own. */
static bool hop_header(const char *name, size_t len)
{
    static const char *const hop[] = {"host", "content-length", "connection", "keep-alive",
                                      "transfer-encoding", "content-encoding",
                                      "accept-encoding", "proxy-connection", NULL};
    for (const char *const *h = hop; *h; h++)
        if (strlen(*h) == len && strncasecmp(*h, name, len) == 0) return true;
    return false;
}

/* The request body: postDataEntries (bytes, base64) or postData, into body. */
static void relay_body(json_t *request, struct buf *body)
{
    json_t *entries = json_object_get(request, "postDataEntries"), *e;
    size_t i;
    json_array_foreach(entries, i, e) {
        const char *b64 = json_string_value(json_object_get(e, "bytes"));
        size_t n = b64 ? strlen(b64) : 0, len = 0;
        unsigned char *bin = xmalloc(n + 1);
        if (b64 && sodium_base642bin(bin, n + 1, b64, n, NULL, &len, NULL,
                                     sodium_base64_VARIANT_ORIGINAL) == 0)
            buf_append(body, bin, len);
        free(bin);
    }
    const char *text = json_string_value(json_object_get(request, "postData"));
    if (!body->len && text) buf_puts(body, text);
}

static void relay_send(struct relay *r, const char *method, json_t *params)
{
    json_object_set_new(params, "requestId",
                        json_copy(json_object_get(r->paused, "requestId")));
    send_command(fire_id(), r->session, method, params);
}

/* Fetch.fulfillRequest with the response's status, end-to-end headers and body. */
static void relay_fulfil(struct relay *r, const struct http_response *resp)
{
    json_t *headers = json_array();
    for (const char *p = resp->headers.data ? resp->headers.data : ""; *p;) {
        size_t n = strcspn(p, "\r\n"), colon = strcspn(p, ":");
        if (colon < n && !hop_header(p, colon)) {
            const char *v = p + colon + 1;
            v += strspn(v, " \t");
            json_array_append_new(headers, json_pack("{s:s%, s:s%}", "name", p, colon, "value",
                                                     v, (size_t)(p + n - v)));
        }
        p += n;
        p += strspn(p, "\r\n");
    }
    size_t size = sodium_base64_ENCODED_LEN(resp->body.len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(size);
    sodium_bin2base64(b64, size, (const unsigned char *)(resp->body.data ? resp->body.data : ""),
                      resp->body.len, sodium_base64_VARIANT_ORIGINAL);
    relay_send(r, "Fetch.fulfillRequest",
               json_pack("{s:i, s:o, s:s}", "responseCode", (int)resp->status, "responseHeaders",
                         headers, "body", b64));
    free(b64);
}

static void *relay_main(void *arg)
{
    struct relay *r = arg;
    json_t *request = json_object_get(r->paused, "request");
    const char *url = json_string_value(json_object_get(request, "url"));
    json_t *hs = json_object_get(request, "headers"), *v;
    const char *name;
    char **lines = xcalloc(json_object_size(hs) + 1, sizeof *lines);
    size_t n = 0;
    json_object_foreach(hs, name, v) {
        const char *value = json_string_value(v);
        if (value && !hop_header(name, strlen(name)) && !strpbrk(value, "\r\n"))
        {
            size_t len = strlen(name) + strlen(value) + 3;
            lines[n] = xmalloc(len);
            snprintf(lines[n++], len, "%s: %s", name, value);
        }
    }
    struct buf body;
    buf_init(&body, 0);
    relay_body(request, &body);
    const char *method = json_string_value(json_object_get(request, "method"));
    struct http_request req = {.method = method,
                               .url = url,
                               .headers = (const char *const *)lines,
                               .body = body.len ? body.data : NULL,
                               .body_len = body.len,
                               .timeout_ms = br.opt->timeout_ms,
                               .user_agent = SERP_DESKTOP_UA,
                               .guard_private = true,
                               .keep_headers = true};
    struct http_response resp;
    struct err err = {0};
    enum rc rc = http_fetch(&req, &resp, &err);
    if (rc == RC_OK && resp.status >= 100 && resp.status < 1000) {
        relay_fulfil(r, &resp);
    } else {
        if (rc == RC_FORBIDDEN) {
            pthread_mutex_lock(&br.lock);
            struct tab *t = tab_of_session(r->session);
            if (t && t->search == r->search && !*t->refused)
                snprintf(t->refused, sizeof t->refused,
                         "the browser was refused %.120s: it resolves to a private address", url);
            pthread_mutex_unlock(&br.lock);
        }
        relay_send(r, "Fetch.failRequest",
                   json_pack("{s:s}", "errorReason",
                             rc == RC_FORBIDDEN ? "AccessDenied" : "ConnectionFailed"));
    }
    http_response_free(&resp);
    buf_free(&body);
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    json_decref(r->paused);
    free(r);
    pthread_mutex_lock(&br.lock);
    br.relays--;
    pthread_cond_broadcast(&br.changed);
    pthread_mutex_unlock(&br.lock);
    return NULL;
}

/* Starts a relay thread for m (the reader must not block on a fetch); false when
 * too many run already. */
static bool relay_start(const struct cdp_message *m)
{
    struct relay *r = xcalloc(1, sizeof *r);
    snprintf(r->session, sizeof r->session, "%s", m->session ? m->session : "");
    pthread_mutex_lock(&br.lock);
    struct tab *t = tab_of_session(m->session);
    bool room = br.relays < RELAYS_MAX;
    if (room) br.relays++;
    r->search = t ? t->search : 0;
    pthread_mutex_unlock(&br.lock);
    pthread_attr_t attr;
    pthread_t thread;
    r->paused = json_incref(m->result);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    bool started = room && pthread_create(&thread, &attr, relay_main, r) == 0;
    pthread_attr_destroy(&attr);
    if (started) return true;
    json_decref(r->paused);
    free(r);
    if (room) {
        pthread_mutex_lock(&br.lock);
        br.relays--;
        pthread_mutex_unlock(&br.lock);
    }
    return false;
}

/* Fetch.requestPaused: continued (the engines' own requests), relayed, or failed. */
static void on_request_paused(const struct cdp_message *m)
{
    const char *id = json_string_value(json_object_get(m->result, "requestId"));
    json_t *request = json_object_get(m->result, "request");
    const char *url = json_string_value(json_object_get(request, "url"));
    const char *type = json_string_value(json_object_get(m->result, "resourceType"));
    if (!id || !url) return;
    enum serp_browser_verdict v = serp_browser_verdict(br.opt, url, type);
    if (v == SERP_BROWSER_ALLOW) {
        send_command(fire_id(), m->session, "Fetch.continueRequest",
                     json_pack("{s:s}", "requestId", id));
        return;
    }
    if (v == SERP_BROWSER_RELAY && relay_start(m)) return;
    send_command(fire_id(), m->session, "Fetch.failRequest",
                 json_pack("{s:s, s:s}", "requestId", id, "errorReason", "BlockedByClient"));
}

static void on_answer(const struct cdp_message *m)
{
    pthread_mutex_lock(&br.lock);
    for (int i = 0; i < BROWSER_CALLS_MAX; i++) {
        struct call *c = &br.calls[i];
        if (c->id != m->id || c->done) continue;
        c->done = true;
        if (m->error) snprintf(c->error, sizeof c->error, "%s", m->error);
        else c->result = json_incref(m->result ? m->result : json_null());
        pthread_cond_broadcast(&br.changed);
        break;
    }
    pthread_mutex_unlock(&br.lock);
}

static void on_message(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    struct cdp_message m;
    if (!cdp_message_parse(text, len, &m)) return;
    if (m.id > 0) on_answer(&m);
    else if (m.method && strcmp(m.method, "Fetch.requestPaused") == 0) on_request_paused(&m);
    json_decref(m.doc);
}

/* Reads the browser's messages until its pipe closes; then every waiter learns it died. */
static void *reader_main(void *arg)
{
    (void)arg;
    struct cdp_reader r = {0};
    char chunk[65536];
    for (;;) {
        ssize_t n = read(br.from_browser, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || !cdp_reader_feed(&r, chunk, (size_t)n, on_message, NULL)) break;
    }
    cdp_reader_free(&r);
    pthread_mutex_lock(&br.lock);
    br.alive = false;
    pthread_cond_broadcast(&br.changed);
    pthread_mutex_unlock(&br.lock);
    return NULL;
}

static void deadline_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) ts->tv_sec++, ts->tv_nsec -= 1000000000L;
}

/* Sends a command and waits for its answer: *result (owned, may be NULL).
 * RC_IO when a running browser did not answer in time, RC_UPSTREAM when it
 * exited or refused the command. */
static enum rc call(const char *session, const char *method, json_t *params, long timeout_ms,
                    json_t **result, struct err *err)
{
    *result = NULL;
    pthread_mutex_lock(&br.lock);
    struct call *c = NULL;
    for (int i = 0; i < BROWSER_CALLS_MAX && !c; i++)
        if (!br.calls[i].id) c = &br.calls[i];
    if (!c || !br.alive) {
        pthread_mutex_unlock(&br.lock);
        json_decref(params);
        return err_set(err, RC_UPSTREAM, "the browser is not running");
    }
    *c = (struct call){.id = ++br.next_id};
    int64_t id = c->id;
    pthread_mutex_unlock(&br.lock);
    bool sent = send_command(id, session, method, params);
    struct timespec until;
    deadline_in(&until, timeout_ms);
    pthread_mutex_lock(&br.lock);
    while (sent && !c->done && br.alive)
        if (pthread_cond_timedwait(&br.changed, &br.lock, &until) == ETIMEDOUT) break;
    enum rc rc = RC_OK;
    if (!c->done && br.alive && sent) /* a stuck browser: RC_IO has it replaced */
        rc = err_set(err, RC_IO, "the browser did not answer %s in time", method);
    else if (!c->done)
        rc = err_set(err, RC_UPSTREAM, "the browser exited (%s)", method);
    else if (!c->result)
        rc = err_set(err, RC_UPSTREAM, "the browser refused %s: %s", method, c->error);
    *result = c->result;
    *c = (struct call){0};
    pthread_mutex_unlock(&br.lock);
    return rc;
}

static bool browser_alive(void)
{
    pthread_mutex_lock(&br.lock);
    bool alive = br.alive;
    pthread_mutex_unlock(&br.lock);
    return alive;
}

/* Why the interceptor refused one of t's requests, into out ("" when none). */
static void refusal(const struct tab *t, char *out, size_t size)
{
    pthread_mutex_lock(&br.lock);
    snprintf(out, size, "%s", t->refused);
    pthread_mutex_unlock(&br.lock);
}

/* ---- the process ---------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Kills the browser's process group and forgets it (the lock is not held). */
static void stop_process(void)
{
    if (br.pid > 0) {
        kill(-br.pid, SIGKILL);
        kill(br.pid, SIGKILL);
        waitpid(br.pid, NULL, 0);
    }
    pthread_mutex_lock(&br.write_lock);
    if (br.to_browser >= 0) close(br.to_browser);
    br.to_browser = -1;
    pthread_mutex_unlock(&br.write_lock);
    if (br.reader_running) pthread_join(br.reader, NULL);
    br.reader_running = false;
    if (br.from_browser >= 0) close(br.from_browser);
    br.from_browser = -1;
    br.pid = 0;
    if (*br.profile) nftw(br.profile, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    *br.profile = '\0';
}

/* Forks Chromium with its DevTools pipe on fds 3 (commands) and 4 (answers). */
static enum rc spawn(const char *path, struct err *err)
{
    int cmd[2], ans[2];
    snprintf(br.profile, sizeof br.profile, "/tmp/leadgen-chromium-XXXXXX");
    if (!mkdtemp(br.profile)) {
        *br.profile = '\0';
        return err_set(err, RC_IO, "cannot create the browser's profile directory");
    }
    if (pipe2(cmd, O_CLOEXEC) != 0) return err_set(err, RC_IO, "pipe: %s", strerror(errno));
    if (pipe2(ans, O_CLOEXEC) != 0) {
        close(cmd[0]), close(cmd[1]);
        return err_set(err, RC_IO, "pipe: %s", strerror(errno));
    }
    char profile_arg[128], ua_arg[256];
    snprintf(profile_arg, sizeof profile_arg, "--user-data-dir=%s", br.profile);
    snprintf(ua_arg, sizeof ua_arg, "--user-agent=%s", SERP_DESKTOP_UA);
    char *rules = serp_browser_resolver_rules(br.opt);
    char *argv[] = {(char *)path, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--no-default-browser-check",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
                    "--mute-audio", "--blink-settings=imagesEnabled=false",
                    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
                    "--remote-debugging-pipe", profile_arg, ua_arg, rules, "about:blank", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        /* async-signal-safe calls only until exec */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int in = fcntl(cmd[0], F_DUPFD, 10), out = fcntl(ans[1], F_DUPFD, 10);
        int null = open("/dev/null", O_RDWR);
        if (in < 0 || out < 0 || null < 0) _exit(127);
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        dup2(in, 3), dup2(out, 4);
        execv(path, argv);
        _exit(127);
    }
    free(rules);
    close(cmd[0]);
    close(ans[1]);
    if (pid < 0) {
        close(cmd[1]), close(ans[0]);
        return err_set(err, RC_IO, "fork: %s", strerror(errno));
    }
    br.pid = pid;
    br.to_browser = cmd[1];
    br.from_browser = ans[0];
    br.alive = true;
    if (pthread_create(&br.reader, NULL, reader_main, NULL) != 0) {
        br.alive = false;
        return err_set(err, RC_IO, "cannot start the browser's reader thread");
    }
    br.reader_running = true;
    return RC_OK;
}

/* Seeds the consent cookie Google's "Reject all" sets, on the configured Google host. */
static enum rc seed_cookies(struct err *err)
{
    json_t *cookies = json_array(), *result;
    for (const char *p = SERP_GOOGLE_COOKIES; *p;) {
        size_t n = strcspn(p, ";"), eq = strcspn(p, "=");
        if (eq < n)
            json_array_append_new(cookies, json_pack("{s:s%, s:s%, s:s}", "name", p, eq, "value",
                                                     p + eq + 1, n - eq - 1, "url",
                                                     br.opt->google_url));
        p += n;
        p += strspn(p, "; ");
    }
    enum rc rc = call(NULL, "Storage.setCookies", json_pack("{s:o}", "cookies", cookies),
                      BROWSER_START_MS, &result, err);
    json_decref(result);
    return rc;
}

static enum rc open_tab(struct tab *t, struct err *err)
{
    json_t *r = NULL;
    enum rc rc = call(NULL, "Target.createTarget", json_pack("{s:s}", "url", "about:blank"),
                      BROWSER_START_MS, &r, err);
    const char *target = json_string_value(json_object_get(r, "targetId"));
    json_t *params = json_pack("{s:s, s:b}", "targetId", target ? target : "", "flatten", 1);
    json_decref(r), r = NULL;
    if (rc == RC_OK)
        rc = call(NULL, "Target.attachToTarget", params, BROWSER_START_MS, &r, err);
    else
        json_decref(params);
    const char *session = json_string_value(json_object_get(r, "sessionId"));
    if (rc == RC_OK && !session) rc = err_set(err, RC_UPSTREAM, "the browser gave no session");
    if (rc == RC_OK) {
        *t = (struct tab){0};
        snprintf(t->session, sizeof t->session, "%s", session);
    }
    json_decref(r), r = NULL;
    if (rc == RC_OK)
        rc = call(t->session, "Fetch.enable",
                  json_pack("{s:[{s:s}]}", "patterns", "urlPattern", "*"), BROWSER_START_MS, &r,
                  err);
    json_decref(r);
    return rc;
}

/* A fresh browser with its tabs; the caller owns br.starting (lock not held). */
static enum rc start(const struct serp_options *o, struct err *err)
{
    char path[512];
    stop_process();
    br.opt = br.opt ? br.opt : o;
    if (!chromium_path(o, path, sizeof path))
        return err_set(err, RC_UPSTREAM, "no Chromium found (set LEADGEN_CHROMIUM)");
    enum rc rc = spawn(path, err);
    br.ntabs = 0;
    br.navigations = 0;
    br.oversized = false;
    br.sized_at = 0; /* a fresh browser is looked at after its first search */
    if (rc == RC_OK) rc = seed_cookies(err);
    int want = o->browser_tabs > 0 ? o->browser_tabs : 2;
    if (want > BROWSER_TABS_MAX) want = BROWSER_TABS_MAX;
    struct tab tabs[BROWSER_TABS_MAX];
    for (int i = 0; rc == RC_OK && i < want; i++) rc = open_tab(&tabs[i], err);
    pthread_mutex_lock(&br.lock);
    if (rc == RC_OK) {
        memcpy(br.tabs, tabs, (size_t)want * sizeof *tabs);
        br.ntabs = want;
    }
    pthread_mutex_unlock(&br.lock);
    if (rc == RC_OK) log_info("browser started (pid %ld, %d tabs)", (long)br.pid, want);
    else log_warn("browser start failed: %s", err->msg);
    return rc;
}

/* ---- the tab pool ---------------------------------------------------------------------- */

static bool usable(void)
{
    return br.alive && br.ntabs > 0 && br.navigations < BROWSER_RECYCLE && !br.oversized;
}

/* A free tab of a running browser (started or restarted here when idle), or NULL. */
static struct tab *acquire(const struct serp_options *o, const struct timespec *until,
                           struct err *err)
{
    pthread_mutex_lock(&br.lock);
    for (;;) {
        if (!usable() && !br.starting && br.busy == 0) {
            br.starting = true;
            pthread_mutex_unlock(&br.lock);
            enum rc rc = start(o, err);
            pthread_mutex_lock(&br.lock);
            br.starting = false;
            pthread_cond_broadcast(&br.changed);
            if (rc != RC_OK) break;
        }
        if (usable() && !br.starting)
            for (int i = 0; i < br.ntabs; i++)
                if (!br.tabs[i].busy) {
                    br.tabs[i].busy = true;
                    br.tabs[i].search++;
                    br.busy++;
                    br.navigations++;
                    pthread_mutex_unlock(&br.lock);
                    return &br.tabs[i];
                }
        if (pthread_cond_timedwait(&br.changed, &br.lock, until) == ETIMEDOUT) {
            err_set(err, RC_UPSTREAM, "no browser tab came free in time");
            break;
        }
    }
    pthread_mutex_unlock(&br.lock);
    return NULL;
}

static void release(struct tab *t, bool broken)
{
    pthread_mutex_lock(&br.lock);
    t->busy = false;
    br.busy--;
    if (broken && br.pid > 0) kill(-br.pid, SIGKILL); /* restarted when the pool is idle */
    pthread_cond_broadcast(&br.changed);
    pthread_mutex_unlock(&br.lock);
}

/* ---- its size -------------------------------------------------------------------------- */

/* One process's memory in kB: its resident set (statm: cheap), or its proportional
 * set size (shared pages split among their users; smaps_rollup walks its page
 * tables: tens of ms for a Chromium renderer). */
static long process_kb(long pid, bool pss)
{
    char path[64], line[256];
    long kb = 0, pages[2] = {0, 0};
    snprintf(path, sizeof path, pss ? "/proc/%ld/smaps_rollup" : "/proc/%ld/statm", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    if (pss) {
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "Pss:", 4) == 0) kb = atol(line + 4);
    } else if (fscanf(f, "%ld %ld", &pages[0], &pages[1]) == 2) {
        kb = pages[1] * (sysconf(_SC_PAGESIZE) / 1024);
    }
    fclose(f);
    return kb;
}

/* The memory of Chromium's whole process group (spawn makes it its leader), in kB. */
static long group_kb(pid_t group, bool pss)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    long kb = 0;
    while (d && (e = readdir(d))) {
        char *end, path[64], stat[512];
        long pid = strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end) continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(stat, 1, sizeof stat - 1, f) : 0;
        if (f) fclose(f);
        stat[n] = '\0';
        const char *after = strrchr(stat, ')'); /* the name may hold spaces and parens */
        long ppid, pgrp;
        char state;
        if (after && sscanf(after + 1, " %c %ld %ld", &state, &ppid, &pgrp) == 3 &&
            pgrp == (long)group)
            kb += process_kb(pid, pss);
    }
    if (d) closedir(d);
    return kb;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* After a search: a browser whose PSS passed LEADGEN_BROWSER_MAX_MB is replaced once
 * idle. The resident sets' sum bounds the PSS from above, so the costly PSS is read
 * only when that sum is over the cap, and at most every SIZE_EVERY_MS. */
static void check_size(const struct serp_options *o)
{
    if (o->browser_max_mb <= 0) return;
    pthread_mutex_lock(&br.lock);
    pid_t pid = br.alive && !br.oversized ? br.pid : 0;
    pthread_mutex_unlock(&br.lock);
    if (pid <= 0 || group_kb(pid, false) / 1024 <= o->browser_max_mb) return;
    pthread_mutex_lock(&br.lock);
    long now = now_ms();
    bool due = br.pid == pid && now - br.sized_at >= SIZE_EVERY_MS;
    if (due) br.sized_at = now;
    pthread_mutex_unlock(&br.lock);
    if (!due) return;
    long mb = group_kb(pid, true) / 1024;
    if (mb <= o->browser_max_mb) return;
    pthread_mutex_lock(&br.lock);
    if (br.pid == pid && !br.oversized) {
        br.oversized = true;
        log_info("browser (pid %ld) uses %ld MB, over LEADGEN_BROWSER_MAX_MB=%ld: restarting it",
                 (long)pid, mb, (long)o->browser_max_mb);
    }
    pthread_mutex_unlock(&br.lock);
}

/* ---- one search --------------------------------------------------------------------- */

static long ms_left(const struct timespec *until)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (until->tv_sec - now.tv_sec) * 1000 + (until->tv_nsec - now.tv_nsec) / 1000000;
}

/* The page's state and DOM: "complete\n<html>..." ("old" while the previous page shows). */
static const char dom_expression[] =
    "(window.__leadgen_old ? 'old' : document.readyState) + '\\n' + "
    "(document.documentElement ? document.documentElement.outerHTML : '')";

/* Reads the rendered page into *page until it is an answer, a block page, or time is up. */
static enum rc render(struct tab *t, const struct serp_fetch *f, const char *url,
                      const struct timespec *until, struct arena *a, struct serp_page *page,
                      struct err *err)
{
    json_t *r = NULL;
    char refused[sizeof t->refused];
    enum rc rc = call(t->session, "Runtime.evaluate",
                      json_pack("{s:s}", "expression", "window.__leadgen_old = 1"),
                      ms_left(until), &r, err);
    json_decref(r), r = NULL;
    if (rc == RC_OK)
        rc = call(t->session, "Page.navigate", json_pack("{s:s}", "url", url), ms_left(until), &r,
                  err);
    const char *failed = json_string_value(json_object_get(r, "errorText"));
    refusal(t, refused, sizeof refused);
    if (rc == RC_OK && failed)
        rc = *refused ? err_set(err, RC_FORBIDDEN, "%s", refused)
                      : err_set(err, RC_UPSTREAM, "the browser could not load %s: %s",
                                f->engine == SERP_BING ? "Bing" : "Google", failed);
    json_decref(r);
    if (rc != RC_OK) return rc;
    long settled = 0; /* ms a complete page has stayed no answer */
    for (;;) {
        struct err e = {0};
        r = NULL;
        rc = call(t->session, "Runtime.evaluate",
                  json_pack("{s:s, s:b}", "expression", dom_expression, "returnByValue", 1),
                  ms_left(until), &r, &e);
        if (rc == RC_IO || (rc != RC_OK && !browser_alive())) {
            json_decref(r);
            return err_copy(err, &e);
        }
        const char *text = json_string_value(json_object_get(json_object_get(r, "result"),
                                                             "value"));
        const char *html = text ? strchr(text, '\n') : NULL;
        bool complete = text && strncmp(text, "complete\n", 9) == 0;
        refusal(t, refused, sizeof refused); /* a page that reached for one is no answer */
        if (*refused) {
            json_decref(r);
            return err_set(err, RC_FORBIDDEN, "%s", refused);
        }
        if (html && strncmp(text, "old\n", 4) != 0 && strncmp(text, "loading\n", 8) != 0) {
            serp_parse_html(f->engine, html + 1, strlen(html + 1), a, page);
            enum serp_page_kind k = page->kind;
            bool answer = k == SERP_RESULTS || k == SERP_EMPTY;
            if ((answer && complete) || k == SERP_CAPTCHA || k == SERP_CONSENT) {
                json_decref(r);
                return RC_OK;
            }
        }
        json_decref(r);
        settled = complete ? settled + POLL_MS : 0;
        if (ms_left(until) <= POLL_MS || settled >= SETTLE_MS) break;
        struct timespec pause = {0, POLL_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (page->kind == SERP_RESULTS || page->kind == SERP_EMPTY) return RC_OK;
    if (page->kind != SERP_UNKNOWN) return RC_OK; /* a wall: judged by the caller */
    if (settled >= SETTLE_MS)
        return err_set(err, RC_UPSTREAM, "the browser's page loaded but holds no results");
    return err_set(err, RC_UPSTREAM, "the browser's page did not finish within the timeout");
}

static enum rc search_once(const struct serp_fetch *f, const char *url, struct arena *a,
                           struct serp_page *page, struct err *err)
{
    struct timespec until;
    deadline_in(&until, f->opt->timeout_ms > 0 ? f->opt->timeout_ms : 20000);
    struct tab *t = acquire(f->opt, &until, err);
    if (!t) return RC_UPSTREAM;
    pthread_mutex_lock(&br.lock);
    *t->refused = '\0';
    pthread_mutex_unlock(&br.lock);
    memset(page, 0, sizeof *page);
    page->kind = SERP_UNKNOWN;
    enum rc rc = render(t, f, url, &until, a, page, err);
    release(t, rc == RC_IO); /* a browser that stopped answering is replaced */
    check_size(f->opt);
    return rc;
}

static void browser_fetch(const struct serp_fetch *f, size_t n, struct arena *a,
                          struct serp_page *pages, struct err *errs, enum rc *rcs)
{
    for (size_t i = 0; i < n; i++) {
        const char *base = f[i].engine == SERP_BING ? f[i].opt->bing_url : f[i].opt->google_url;
        const char *url = serp_engine_url(f[i].engine, base, f[i].query, f[i].offset,
                                          f[i].count, a);
        enum rc rc = search_once(&f[i], url, a, &pages[i], &errs[i]);
        /* it died under us: once more on a fresh one */
        if (rc == RC_UPSTREAM && !browser_alive()) {
            log_warn("the browser exited during a search; restarting it");
            memset(&errs[i], 0, sizeof errs[i]);
            rc = search_once(&f[i], url, a, &pages[i], &errs[i]);
        }
        if (rc == RC_OK && pages[i].kind != SERP_RESULTS && pages[i].kind != SERP_EMPTY)
            rc = err_set(&errs[i], RC_UPSTREAM, "%s",
                         serp_kind_message(f[i].engine, pages[i].kind, a));
        rcs[i] = rc == RC_OK ? RC_OK : RC_UPSTREAM;
    }
}

static int browser_page_size(enum serp_engine e)
{
    return e == SERP_BING ? 50 : 10;
}

void serp_browser_shutdown(void)
{
    pthread_mutex_lock(&br.lock);
    bool running = br.pid > 0;
    pthread_mutex_unlock(&br.lock);
    if (running) stop_process();
    /* relays end within their fetch's timeout; their answers now go nowhere */
    struct timespec until;
    deadline_in(&until, br.opt && br.opt->timeout_ms > 0 ? br.opt->timeout_ms + 1000 : 21000);
    pthread_mutex_lock(&br.lock);
    while (br.relays > 0)
        if (pthread_cond_timedwait(&br.changed, &br.lock, &until) == ETIMEDOUT) break;
    pthread_mutex_unlock(&br.lock);
}

long serp_browser_pid(void)
{
    pthread_mutex_lock(&br.lock);
    long pid = br.alive ? (long)br.pid : 0;
    pthread_mutex_unlock(&br.lock);
    return pid;
}

const struct serp_provider serp_browser = {
    .name = "browser",
    .key_var = "chromium on PATH or LEADGEN_CHROMIUM",
    .page_size = browser_page_size,
    .fetch = browser_fetch,
};
