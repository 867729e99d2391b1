/* SMTP submission on one reused libcurl easy handle per account. libcurl keeps
 * the connection open between transfers on the same handle, so each further
 * message costs a MAIL/RCPT/DATA exchange, not a TCP and TLS handshake. */
#include "mail/smtp.h"

#include "base/mem.h"
#include "base/str.h"
#include "net/guard.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mail_session {
    CURL *h;
    char *url, *username, *password, *bearer;
    struct curl_slist *pins;
    struct net_guard guard;
    bool guard_private;
    enum mail_tls tls;
    long timeout_ms;
    char errbuf[CURL_ERROR_SIZE];
    char reply[200]; /* the server's first 4xx/5xx reply line, e.g. "550 5.1.1 no such user" */
    /* for mail_login: the greeting, and the reply that ended the AUTH exchange */
    char greeting[120], auth_reply[120];
    bool in_auth;
};

struct upload {
    const char *p;
    size_t left;
};

static size_t on_read(char *dst, size_t size, size_t n, void *userdata)
{
    struct upload *u = userdata;
    size_t take = size * n < u->left ? size * n : u->left;
    memcpy(dst, u->p, take);
    u->p += take;
    u->left -= take;
    return take;
}

/* The greeting and the end of AUTH (not its 334 challenges), for mail_login. */
static void note_login(struct mail_session *s, curl_infotype type, const char *data, size_t size)
{
    if (type == CURLINFO_HEADER_OUT && size >= 5 && strncmp(data, "AUTH ", 5) == 0)
        s->in_auth = true;
    if (type != CURLINFO_HEADER_IN || size < 4) return;
    if (!s->greeting[0] && strncmp(data, "220", 3) == 0)
        str_printable_line(s->greeting, sizeof s->greeting, data, size);
    if (s->in_auth && strncmp(data, "334", 3) != 0) {
        str_printable_line(s->auth_reply, sizeof s->auth_reply, data, size);
        s->in_auth = false;
    }
}

/* Keeps the server's first refusal: libcurl's own error text names only the
 * command and code, while the reason a user reads is in the reply (the 221 to
 * the QUIT that follows is not it). */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userdata)
{
    struct mail_session *s = userdata;
    (void)h;
    note_login(s, type, data, size);
    if (type != CURLINFO_HEADER_IN || s->reply[0] || size == 0 ||
        (data[0] != '4' && data[0] != '5'))
        return 0;
    str_printable_line(s->reply, sizeof s->reply, data, size);
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

struct mail_session *mail_session_new(const struct mail_server *server)
{
    struct mail_session *s = xcalloc(1, sizeof *s);
    char url[600];
    snprintf(url, sizeof url, "%s://%s:%d", server->tls == MAIL_TLS_IMPLICIT ? "smtps" : "smtp",
             server->host, server->port);
    s->url = xstrdup(url);
    s->username = dup_or_null(server->username);
    s->password = dup_or_null(server->password);
    s->bearer = dup_or_null(server->bearer);
    s->pins = net_resolve_pins(server->resolve);
    s->guard_private = server->guard_private;
    s->tls = server->tls;
    s->timeout_ms = server->timeout_ms > 0 ? server->timeout_ms : 60000;
    return s;
}

/* Options that stay the same for every message of the session. */
static bool session_open(struct mail_session *s)
{
    if (s->h) return true;
    s->h = curl_easy_init();
    if (!s->h) return false;
    CURL *h = s->h;
    curl_easy_setopt(h, CURLOPT_URL, s->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     s->tls == MAIL_TLS_STARTTLS ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (s->username) curl_easy_setopt(h, CURLOPT_USERNAME, s->username);
    if (s->bearer)
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, s->bearer);
    else if (s->password)
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->password);
    curl_easy_setopt(h, CURLOPT_RESOLVE, s->pins);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->timeout_ms < 15000 ? s->timeout_ms : 15000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, s);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* feeds on_debug; nothing is printed */
    if (s->guard_private) net_guard_apply(h, &s->guard);
    return true;
}

static void result_set(struct mail_result *out, enum mail_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void result_set(struct mail_result *out, enum mail_outcome outcome, const char *fmt, ...)
{
    out->outcome = outcome;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
}

/* Sorts a failed transfer: libcurl's error text names the SMTP command that
 * failed ("MAIL failed: 550", "RCPT failed: 550"), and the reply code says
 * whether it was final. */
static void classify(struct mail_session *s, CURLcode cc, struct mail_result *out)
{
    long code = out->code;
    const char *why = code >= 400 && s->reply[0] ? s->reply
                      : s->errbuf[0]             ? s->errbuf
                                                 : curl_easy_strerror(cc);
    bool final = code >= 500 && code < 600;
    if (s->guard.refused)
        result_set(out, MAIL_ACCOUNT, "%s resolves to a private or local address", s->url);
    else if (cc == CURLE_LOGIN_DENIED)
        result_set(out, MAIL_ACCOUNT, "login refused (%ld): %s", code, why);
    else if (cc == CURLE_USE_SSL_FAILED || cc == CURLE_SSL_CONNECT_ERROR ||
             cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE)
        result_set(out, MAIL_ACCOUNT, "TLS failed: %s", why);
    else if (strncmp(s->errbuf, "MAIL failed", 11) == 0)
        result_set(out, final ? MAIL_ACCOUNT : MAIL_DEFERRED, "sender refused: %s", why);
    else
        result_set(out, final ? MAIL_REJECTED : MAIL_DEFERRED, "%s", why);
}

void mail_send(struct mail_session *s, const char *from, const char *to, const char *msg,
               size_t len, struct mail_result *out)
{
    *out = (struct mail_result){.outcome = MAIL_DEFERRED};
    if (!session_open(s)) {
        result_set(out, MAIL_DEFERRED, "libcurl could not start");
        return;
    }
    char from_arg[400];
    snprintf(from_arg, sizeof from_arg, "<%s>", from);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    if (!rcpt) {
        result_set(out, MAIL_DEFERRED, "out of memory");
        return;
    }
    struct upload up = {msg, len};
    s->errbuf[0] = s->reply[0] = '\0';
    s->guard.refused = false;
    curl_easy_setopt(s->h, CURLOPT_MAIL_FROM, from_arg);
    curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(s->h, CURLOPT_READDATA, &up);
    curl_easy_setopt(s->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    CURLcode cc = curl_easy_perform(s->h);
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &out->code);
    /* libcurl 7.88 reports a refusal of the sent data as a weird reply (smtp.c) */
    out->after_data = cc == CURLE_WEIRD_SERVER_REPLY;
    curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(rcpt);
    if (cc == CURLE_OK) {
        result_set(out, MAIL_SENT, "%ld accepted", out->code);
        return;
    }
    classify(s, cc, out);
}

void mail_login(struct mail_session *s, struct mail_result *out)
{
    *out = (struct mail_result){.outcome = MAIL_DEFERRED};
    if (!session_open(s)) {
        result_set(out, MAIL_DEFERRED, "libcurl could not start");
        return;
    }
    s->errbuf[0] = s->reply[0] = s->greeting[0] = s->auth_reply[0] = '\0';
    s->in_auth = s->guard.refused = false;
    /* no recipients and no upload: libcurl logs in and sends the custom command */
    curl_easy_setopt(s->h, CURLOPT_UPLOAD, 0L);
    curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, "NOOP");
    CURLcode cc = curl_easy_perform(s->h);
    curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(s->h, CURLOPT_UPLOAD, 1L);
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &out->code);
    if (cc == CURLE_OK) {
        result_set(out, MAIL_SENT, "%s%s%s", s->greeting, s->auth_reply[0] ? " / " : "",
                   s->auth_reply[0] ? s->auth_reply : "(no login asked)");
        return;
    }
    classify(s, cc, out);
    if (out->outcome == MAIL_REJECTED) out->outcome = MAIL_ACCOUNT;
}

void mail_session_free(struct mail_session *s)
{
    if (!s) return;
    if (s->h) curl_easy_cleanup(s->h);
    curl_slist_free_all(s->pins);
    if (s->password) sodium_memzero(s->password, strlen(s->password));
    if (s->bearer) sodium_memzero(s->bearer, strlen(s->bearer));
    free(s->url);
    free(s->username);
    free(s->password);
    free(s->bearer);
    free(s);
}

const char *mail_outcome_name(enum mail_outcome outcome)
{
    static const char *const names[] = {
        [MAIL_SENT] = "sent",
        [MAIL_REJECTED] = "rejected",
        [MAIL_DEFERRED] = "deferred",
        [MAIL_ACCOUNT] = "account",
    };
    return (unsigned)outcome < sizeof names / sizeof names[0] ? names[outcome] : "unknown";
}
