/* IMAP polling on one libcurl handle (one connection, one login) per poll.
 * libcurl's custom FETCH drops literals, so commands without literals (STATUS,
 * UID SEARCH, UID STORE) are custom requests and messages are fetched by URL
 * (";UID=n", which libcurl frames correctly); fetching marks a message \Seen,
 * so the flag is taken off again for messages that were unread. */
#include "mail/imap.h"

#include "base/buf.h"
#include "base/mem.h"
#include "base/str.h"
#include "net/guard.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LISTING = 1 << 20, MAX_UIDS = 1000 };

struct conn {
    CURL *h;
    char base[600];
    struct curl_slist *pins;
    struct net_guard guard;
    struct buf out;
    char errbuf[CURL_ERROR_SIZE];
};

static size_t on_write(char *data, size_t size, size_t n, void *userdata)
{
    return buf_append(userdata, data, size * n) ? size * n : 0;
}

static bool conn_open(struct conn *c, const struct imap_server *s)
{
    snprintf(c->base, sizeof c->base, "%s://%s:%d", s->tls == MAIL_TLS_IMPLICIT ? "imaps" : "imap",
             s->host, s->port);
    c->h = curl_easy_init();
    if (!c->h) return false;
    CURL *h = c->h;
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     s->tls == MAIL_TLS_STARTTLS ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (s->username && *s->username) curl_easy_setopt(h, CURLOPT_USERNAME, s->username);
    if (s->bearer && *s->bearer)
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, s->bearer);
    else if (s->password)
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->password);
    c->pins = net_resolve_pins(s->resolve);
    curl_easy_setopt(h, CURLOPT_RESOLVE, c->pins);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->timeout_ms > 0 ? s->timeout_ms : 60000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->out);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    if (s->guard_private) net_guard_apply(h, &c->guard);
    return true;
}

/* One command: path below the server URL, and a custom command or NULL. */
static enum rc conn_run(struct conn *c, const char *path, const char *custom, size_t max_bytes,
                        struct err *err)
{
    char url[800];
    snprintf(url, sizeof url, "%s%s", c->base, path);
    buf_free(&c->out);
    buf_init(&c->out, max_bytes);
    c->errbuf[0] = '\0';
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, custom);
    CURLcode cc = curl_easy_perform(c->h);
    if (cc == CURLE_OK) return RC_OK;
    if (c->guard.refused)
        return err_set(err, RC_UPSTREAM, "%s resolves to a private or local address", c->base);
    return err_set(err, RC_UPSTREAM, "%s: %s: %s", c->base, custom ? custom : "FETCH",
                   c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
}

static void conn_close(struct conn *c)
{
    if (c->h) curl_easy_cleanup(c->h);
    curl_slist_free_all(c->pins);
    buf_free(&c->out);
}

/* The number after `key` in text ("UIDNEXT 4392"), or -1. */
static int64_t number_after(const char *text, const char *key)
{
    const char *p = text ? strstr(text, key) : NULL;
    if (!p) return -1;
    char *end;
    long long v = strtoll(p + strlen(key), &end, 10);
    return end == p + strlen(key) || v < 0 ? -1 : (int64_t)v;
}

static int compare_uid(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The UIDs above `after` on "* SEARCH" lines, ascending. */
static size_t search_uids(const char *text, int64_t after, int64_t *uids, size_t max)
{
    size_t n = 0;
    for (const char *line = strstr(text, "* SEARCH"); line; line = strstr(line + 1, "* SEARCH"))
        for (const char *p = line + 8; *p && *p != '\r' && *p != '\n' && n < max;) {
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p) break;
            if (v > after) uids[n++] = v;
            p = end;
        }
    qsort(uids, n, sizeof *uids, compare_uid);
    return n;
}

static bool contains(const int64_t *uids, size_t n, int64_t uid)
{
    return bsearch(&uid, uids, n, sizeof *uids, compare_uid) != NULL;
}

static enum rc read_new(struct conn *c, struct imap_cursor *cursor, size_t max_messages,
                        size_t max_bytes, imap_message_fn fn, void *ctx, struct err *err)
{
    char cmd[128], path[128];
    int64_t *uids = xcalloc(MAX_UIDS, sizeof *uids), *unseen = xcalloc(MAX_UIDS, sizeof *unseen);
    snprintf(cmd, sizeof cmd, "UID SEARCH UID %lld:*", (long long)cursor->last_uid + 1);
    enum rc rc = conn_run(c, "/INBOX", cmd, MAX_LISTING, err);
    if (rc != RC_OK) goto out;
    size_t n = search_uids(c->out.data ? c->out.data : "", cursor->last_uid, uids,
                           max_messages < MAX_UIDS ? max_messages : MAX_UIDS);
    snprintf(cmd, sizeof cmd, "UID SEARCH UNSEEN UID %lld:*", (long long)cursor->last_uid + 1);
    if (n > 0) rc = conn_run(c, "/INBOX", cmd, MAX_LISTING, err);
    if (rc != RC_OK) goto out;
    size_t n_unseen =
        n ? search_uids(c->out.data ? c->out.data : "", cursor->last_uid, unseen, MAX_UIDS) : 0;
    for (size_t i = 0; i < n && rc == RC_OK; i++) {
        snprintf(path, sizeof path, "/INBOX/;UID=%lld/;PARTIAL=0.%zu", (long long)uids[i],
                 max_bytes);
        rc = conn_run(c, path, NULL, max_bytes + 1, err);
        if (rc != RC_OK) break;
        fn(c->out.data ? c->out.data : "", c->out.len, uids[i], ctx);
        cursor->last_uid = uids[i];
        if (!contains(unseen, n_unseen, uids[i])) continue;
        snprintf(cmd, sizeof cmd, "UID STORE %lld -FLAGS (\\Seen)", (long long)uids[i]);
        rc = conn_run(c, "/INBOX", cmd, MAX_LISTING, err);
    }
out:
    free(uids);
    free(unseen);
    return rc;
}

enum rc imap_poll(const struct imap_server *server, struct imap_cursor *cursor, size_t max_messages,
                  size_t max_bytes, imap_message_fn fn, void *ctx, struct err *err)
{
    struct conn c = {0};
    buf_init(&c.out, MAX_LISTING);
    enum rc rc = RC_UPSTREAM;
    if (!conn_open(&c, server)) {
        err_set(err, RC_UPSTREAM, "libcurl could not start");
        goto out;
    }
    rc = conn_run(&c, "/", "STATUS INBOX (UIDVALIDITY UIDNEXT)", MAX_LISTING, err);
    if (rc != RC_OK) goto out;
    int64_t validity = number_after(c.out.data, "UIDVALIDITY "),
            next = number_after(c.out.data, "UIDNEXT ");
    if (validity < 0 || next < 1) {
        rc = err_set(err, RC_UPSTREAM, "%s: STATUS INBOX gave no UIDVALIDITY/UIDNEXT", c.base);
        goto out;
    }
    if (validity != cursor->uidvalidity) { /* first poll, or the mailbox was rebuilt */
        *cursor = (struct imap_cursor){.uidvalidity = validity, .last_uid = next - 1};
        goto out;
    }
    if (next - 1 > cursor->last_uid)
        rc = read_new(&c, cursor, max_messages, max_bytes, fn, ctx, err);
out:
    conn_close(&c);
    return rc;
}

/* A mailbox name as a URL path: every byte but letters, digits and the
 * hierarchy separator escaped, so "[Gmail]/Sent Mail" survives. */
static void folder_path(const char *folder, char *out, size_t size)
{
    size_t n = 0;
    out[n++] = '/';
    for (const unsigned char *p = (const unsigned char *)folder; *p && n + 4 < size; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '/' || *p == '-' || *p == '_' || *p == '.')
            out[n++] = (char)*p;
        else
            n += (size_t)snprintf(out + n, size - n, "%%%02X", *p);
    }
    out[n] = '\0';
}

enum rc imap_has_header(const struct imap_server *server, const char *folder, const char *name,
                        const char *value, bool *found, struct err *err)
{
    *found = false;
    if (strpbrk(value, "\"\\\r\n") || strpbrk(name, " \"\\\r\n"))
        return err_set(err, RC_INVALID, "a header to search for may not hold quotes or breaks");
    struct conn c = {0};
    buf_init(&c.out, MAX_LISTING);
    enum rc rc = RC_UPSTREAM;
    char path[512], cmd[600];
    if (!conn_open(&c, server)) {
        err_set(err, RC_UPSTREAM, "libcurl could not start");
        goto out;
    }
    folder_path(folder, path, sizeof path);
    snprintf(cmd, sizeof cmd, "UID SEARCH HEADER %s \"%s\"", name, value);
    rc = conn_run(&c, path, cmd, MAX_LISTING, err);
    if (rc != RC_OK) goto out;
    int64_t uid;
    *found = search_uids(c.out.data ? c.out.data : "", 0, &uid, 1) > 0;
out:
    conn_close(&c);
    return rc;
}

/* ---- a login check ------------------------------------------------------------ */

struct login_notes {
    char greeting[120], login[120];
    bool in_login;
};


/* The greeting ("* OK ...") and the tagged answer to LOGIN or AUTHENTICATE. */
static int on_login_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userdata)
{
    struct login_notes *n = userdata;
    (void)h;
    if (type == CURLINFO_HEADER_OUT && (memmem(data, size, " LOGIN ", 7) ||
                                        memmem(data, size, " AUTHENTICATE ", 14)))
        n->in_login = true;
    if (type != CURLINFO_HEADER_IN || size < 2) return 0;
    if (!n->greeting[0] && data[0] == '*')
        str_printable_line(n->greeting, sizeof n->greeting, data, size);
    else if (n->in_login && data[0] != '*' && data[0] != '+') {
        str_printable_line(n->login, sizeof n->login, data, size);
        n->in_login = false;
    }
    return 0;
}

enum rc imap_login(const struct imap_server *server, char *answer, size_t size, struct err *err)
{
    struct conn c = {0};
    struct login_notes notes = {0};
    buf_init(&c.out, 64 << 10);
    struct err run = {0};
    enum rc rc = RC_UPSTREAM;
    if (conn_open(&c, server)) {
        curl_easy_setopt(c.h, CURLOPT_DEBUGFUNCTION, on_login_debug);
        curl_easy_setopt(c.h, CURLOPT_DEBUGDATA, &notes);
        curl_easy_setopt(c.h, CURLOPT_VERBOSE, 1L); /* feeds on_login_debug; nothing printed */
        rc = conn_run(&c, "/", "NOOP", 64 << 10, &run);
    } else {
        err_set(&run, RC_UPSTREAM, "libcurl could not start");
    }
    if (rc != RC_OK && notes.login[0])
        err_set(err, RC_UPSTREAM, "%s: login refused: %s", c.base, notes.login);
    else if (rc != RC_OK)
        err_copy(err, &run);
    snprintf(answer, size, "%s%s%s", notes.greeting, notes.login[0] ? " / " : "", notes.login);
    conn_close(&c);
    return rc;
}
