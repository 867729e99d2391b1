/* Sign-in sessions and their guards. The session cookie holds a random token; the store
 * keeps only its hash (as it does API keys), with the session's CSRF token, so any
 * process can check either. Failed logins are counted per account and per client
 * address: past a first limit each attempt is slowed, past a second one refused with
 * 429 for a while (counted in this process). */
#include "web/web_int.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/keys.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

bool web_tokens_equal(const char *a, const char *b)
{
    size_t n = a ? strlen(a) : 0;
    return a && b && n > 0 && n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

bool web_session_load(struct web *w)
{
    const char *token = cookie_get(w->req, "lg_session");
    if (!token || strlen(token) != 64) return false;
    char hash[KEY_HASH_LEN + 1];
    keys_hash(token, hash);
    struct web_session s;
    struct user u;
    struct err err = {0};
    struct store *st = w->req->store;
    enum rc rc = st->ops->session_get(st, hash, clock_now(), w->a, &s, &err);
    if (rc == RC_OK) rc = st->ops->user_get(st, s.user_id, w->a, &u, &err);
    if (rc != RC_OK) {
        if (rc != RC_NOT_FOUND) log_error("web session: %s", err.msg);
        return false;
    }
    w->user_id = s.user_id;
    w->email = u.email;
    w->csrf = s.csrf;
    w->oauth_state = s.oauth_state;
    w->token_hash = arena_strdup(w->a, hash);
    w->req->user_id = s.user_id; /* for the access log */
    return true;
}

bool web_csrf_ok(struct web *w)
{
    return web_tokens_equal(form_get(&w->form, "csrf"), w->csrf);
}

/* ---- login throttling ------------------------------------------------------ */

/* Policy: how many failures within `window` seconds slow each further attempt, and how
 * many lock the account or address out for `lock_for` seconds. */
static const struct throttle_policy {
    const char *kind;
    unsigned slow_after, lock_after;
    int64_t window, lock_for;
} policies[] = {
    {"account", 3, 5, 900, 900},
    {"address", 10, 20, 900, 900},
};
enum { POLICY_ACCOUNT, POLICY_ADDRESS, SLOTS = 1024 };

struct counter {
    uint64_t key; /* 0: free */
    unsigned failures;
    int64_t first_at, locked_until;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct counter counters[SLOTS];

static uint64_t key_of(const char *kind, const char *value)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a over "kind:value", lower-cased */
    for (const char *p = kind; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ ':') * 1099511628211ULL;
    for (const char *p = value ? value : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * 1099511628211ULL;
    }
    return h ? h : 1;
}

/* The counter for key (a stale or the oldest one is reused); called with the lock held. */
static struct counter *counter_for(uint64_t key, int64_t now, bool create)
{
    struct counter *c = &counters[key % SLOTS];
    if (c->key == key) return c;
    if (!create) return NULL;
    *c = (struct counter){.key = key, .first_at = now};
    return c;
}

static enum throttle_verdict judge(const struct throttle_policy *p, struct counter *c,
                                   int64_t now, unsigned *retry_after)
{
    if (!c) return THROTTLE_OK;
    if (c->locked_until > now) {
        unsigned left = (unsigned)(c->locked_until - now);
        if (left > *retry_after) *retry_after = left;
        return THROTTLE_LOCKED;
    }
    if (now - c->first_at > p->window) {
        *c = (struct counter){.key = c->key, .first_at = now};
        return THROTTLE_OK;
    }
    return c->failures >= p->slow_after ? THROTTLE_SLOW : THROTTLE_OK;
}

enum throttle_verdict throttle_check(const char *email, const char *addr, unsigned *retry_after)
{
    int64_t now = clock_now();
    *retry_after = 0;
    pthread_mutex_lock(&lock);
    enum throttle_verdict a = judge(&policies[POLICY_ACCOUNT],
                                    counter_for(key_of("account", email), now, false), now,
                                    retry_after);
    enum throttle_verdict b = judge(&policies[POLICY_ADDRESS],
                                    counter_for(key_of("address", addr), now, false), now,
                                    retry_after);
    pthread_mutex_unlock(&lock);
    return a > b ? a : b;
}

static void count_failure(const struct throttle_policy *p, const char *value, int64_t now)
{
    struct counter *c = counter_for(key_of(p->kind, value), now, true);
    if (now - c->first_at > p->window) *c = (struct counter){.key = c->key, .first_at = now};
    if (++c->failures >= p->lock_after) c->locked_until = now + p->lock_for;
}

void throttle_failed(const char *email, const char *addr)
{
    int64_t now = clock_now();
    pthread_mutex_lock(&lock);
    count_failure(&policies[POLICY_ACCOUNT], email, now);
    count_failure(&policies[POLICY_ADDRESS], addr, now);
    pthread_mutex_unlock(&lock);
}

void throttle_succeeded(const char *email)
{
    pthread_mutex_lock(&lock);
    struct counter *c = counter_for(key_of("account", email), 0, false);
    if (c) *c = (struct counter){0};
    pthread_mutex_unlock(&lock);
}
