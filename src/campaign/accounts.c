/* Sending accounts as the sender talks to them: the sealed secret opened
 * (an SMTP password or a Gmail refresh token), Gmail's servers and a cached
 * OAuth access token, refreshed a minute before it expires. */
#include "campaign/sender_int.h"

#include "base/clock.h"
#include "base/log.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TOKEN_SLOTS = 64, TOKEN_MARGIN = 60 };

/* Access tokens by account, shared by every run of this process. */
static struct token_slot {
    int64_t account_id, expires_at;
    char token[2048];
} tokens[TOKEN_SLOTS];
static pthread_mutex_t tokens_lock = PTHREAD_MUTEX_INITIALIZER;

static bool token_cached(int64_t account_id, int64_t now, struct arena *a, const char **out)
{
    pthread_mutex_lock(&tokens_lock);
    struct token_slot *t = &tokens[(uint64_t)account_id % TOKEN_SLOTS];
    bool hit = t->account_id == account_id && t->expires_at - TOKEN_MARGIN > now;
    if (hit) *out = arena_strdup(a, t->token);
    pthread_mutex_unlock(&tokens_lock);
    return hit;
}

static void token_keep(int64_t account_id, const char *token, int64_t expires_at)
{
    pthread_mutex_lock(&tokens_lock);
    struct token_slot *t = &tokens[(uint64_t)account_id % TOKEN_SLOTS];
    if (strlen(token) < sizeof t->token) {
        *t = (struct token_slot){.account_id = account_id, .expires_at = expires_at};
        memcpy(t->token, token, strlen(token) + 1);
    }
    pthread_mutex_unlock(&tokens_lock);
}

void sender_token_forget(int64_t account_id)
{
    pthread_mutex_lock(&tokens_lock);
    struct token_slot *t = &tokens[(uint64_t)account_id % TOKEN_SLOTS];
    if (t->account_id == account_id) sodium_memzero(t, sizeof *t);
    pthread_mutex_unlock(&tokens_lock);
}

/* "smtps://host:port" into host, port and TLS mode. */
static bool parse_server_url(const char *url, struct arena *a, const char **host, int *port,
                             enum mail_tls *tls)
{
    const char *sep = url ? strstr(url, "://") : NULL;
    if (!sep) return false;
    size_t scheme_len = (size_t)(sep - url);
    *tls = url[scheme_len - 1] == 's' ? MAIL_TLS_IMPLICIT : MAIL_TLS_NONE;
    const char *h = sep + 3, *colon = strrchr(h, ':');
    size_t host_len = colon ? (size_t)(colon - h) : strcspn(h, "/");
    *host = arena_strndup(a, h, host_len);
    *port = colon ? atoi(colon + 1) : 0;
    return host_len > 0 && *port > 0 && *port < 65536;
}

static enum rc open_secret(const struct account *acc, const unsigned char key[SECRETS_KEY_LEN],
                           struct arena *a, const char **plain, struct err *err)
{
    *plain = NULL;
    if (!acc->secret || !*acc->secret) return RC_OK;
    char *context = arena_sprintf(a, "account:%lld:%s:%s", (long long)acc->user_id, acc->type,
                                  acc->address);
    char *opened = NULL;
    enum rc rc = secrets_open(key, acc->secret, context, &opened, err);
    if (rc != RC_OK) return rc;
    *plain = arena_strdup(a, opened);
    sodium_memzero(opened, strlen(opened));
    free(opened);
    return RC_OK;
}

static enum rc gmail_token(const struct sender_options *o, const struct account *acc,
                           const char *refresh_token, struct arena *a, const char **token,
                           struct err *err)
{
    int64_t now = clock_now();
    if (token_cached(acc->id, now, a, token)) return RC_OK;
    if (!refresh_token)
        return err_set(err, RC_FORBIDDEN, "gmail account %s has no refresh token", acc->address);
    char *fresh = NULL;
    int64_t ttl = 0;
    enum rc rc = oauth_refresh(&o->oauth, refresh_token, a, &fresh, &ttl, err);
    if (rc != RC_OK) return rc;
    token_keep(acc->id, fresh, now + ttl);
    *token = fresh;
    return RC_OK;
}

static enum mail_tls tls_of(const char *mode)
{
    return strcmp(mode, "tls") == 0        ? MAIL_TLS_IMPLICIT
           : strcmp(mode, "starttls") == 0 ? MAIL_TLS_STARTTLS
                                           : MAIL_TLS_NONE;
}

enum rc sender_account_servers(const struct sender_options *o, const struct account *acc,
                               const unsigned char key[SECRETS_KEY_LEN], struct arena *a,
                               struct mail_server *smtp, struct imap_server *imap,
                               bool *has_imap, struct err *err)
{
    const char *secret = NULL;
    enum rc rc = open_secret(acc, key, a, &secret, err);
    if (rc != RC_OK) return rc;
    *smtp = (struct mail_server){.timeout_ms = o->timeout_ms, .guard_private = o->guard_private,
                                 .resolve = o->resolve};
    *imap = (struct imap_server){.timeout_ms = o->timeout_ms, .guard_private = o->guard_private,
                                 .resolve = o->resolve};
    if (strcmp(acc->type, "gmail") == 0) {
        const char *token = NULL;
        rc = gmail_token(o, acc, secret, a, &token, err);
        if (rc != RC_OK) return rc;
        if (!parse_server_url(o->gmail_smtp, a, &smtp->host, &smtp->port, &smtp->tls) ||
            !parse_server_url(o->gmail_imap, a, &imap->host, &imap->port, &imap->tls))
            return err_set(err, RC_INVALID, "LEADGEN_GMAIL_SMTP/IMAP must be scheme://host:port");
        smtp->username = imap->username = acc->address;
        smtp->bearer = imap->bearer = token;
        *has_imap = true;
        return RC_OK;
    }
    smtp->host = acc->smtp_host;
    smtp->port = (int)acc->smtp_port;
    smtp->tls = tls_of(acc->tls_mode);
    smtp->username = acc->username && *acc->username ? acc->username : NULL;
    smtp->password = secret;
    *has_imap = acc->imap_host && *acc->imap_host;
    imap->host = acc->imap_host;
    imap->port = (int)acc->imap_port;
    /* the IMAP port says the mode: 993 is implicit TLS (RFC 8314), others upgrade */
    imap->tls = acc->imap_port == 993 ? MAIL_TLS_IMPLICIT
                : strcmp(acc->tls_mode, "none") == 0 ? MAIL_TLS_NONE
                                                     : MAIL_TLS_STARTTLS;
    imap->username = smtp->username ? smtp->username : acc->address;
    imap->password = secret;
    return RC_OK;
}

void sender_account_revoked(struct store *st, const struct account *acc, const char *why)
{
    struct err err = {0};
    log_warn("sender: account %lld (%s) needs authorising again: %s", (long long)acc->id,
             acc->type, why);
    if (st->ops->account_set_state(st, acc->id, "reauth", why, &err) != RC_OK)
        log_error("sender: marking account %lld: %s", (long long)acc->id, err.msg);
}

enum rc sender_account_check(struct store *st, const struct sender_options *o,
                             const struct account *acc, struct account_check *out,
                             struct err *err)
{
    *out = (struct account_check){0};
    unsigned char key[SECRETS_KEY_LEN];
    struct arena a;
    arena_init(&a);
    struct mail_server smtp;
    struct imap_server imap;
    sender_token_forget(acc->id); /* the check is of the grant itself, not a cached token */
    enum rc rc = secrets_key(st, key, err);
    if (rc == RC_OK)
        rc = sender_account_servers(o, acc, key, &a, &smtp, &imap, &out->has_imap, err);
    sodium_memzero(key, sizeof key);
    if (rc == RC_FORBIDDEN) sender_account_revoked(st, acc, err->msg);
    if (rc != RC_OK) goto done;
    struct mail_session *s = mail_session_new(&smtp);
    struct mail_result r;
    mail_login(s, &r);
    mail_session_free(s);
    out->smtp_ok = r.outcome == MAIL_SENT;
    snprintf(out->smtp, sizeof out->smtp, "%s", r.message);
    if (out->has_imap) {
        struct err ierr = {0};
        char answer[260];
        out->imap_ok = imap_login(&imap, answer, sizeof answer, &ierr) == RC_OK;
        snprintf(out->imap, sizeof out->imap, "%s", out->imap_ok ? answer : ierr.msg);
    }
done:
    arena_cleanup(&a);
    return rc;
}
