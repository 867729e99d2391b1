/* Webhook secrets, signatures, the outbox and the thread that delivers from
 * it. Deliveries are claimed from the store with a lease, so a crash mid-POST
 * only delays a delivery, and several processes never make one at once. */
#include "core/webhooks.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "net/http.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const webhooks_events[] = {"email.sent", "email.replied", "email.bounced",
                                       "email.unsubscribed", "campaign.completed"};
const size_t webhooks_events_count = sizeof webhooks_events / sizeof webhooks_events[0];

enum { LEASE_S = 120, DEFAULT_FIRST_RETRY_S = 30, DEFAULT_GIVE_UP_S = 86400 };

enum rc webhooks_secret(struct store *st, int64_t user_id, struct arena *a, char **secret,
                        struct err *err)
{
    char hex[65], fresh[72];
    str_random_hex(32, hex);
    snprintf(fresh, sizeof fresh, "whsec_%s", hex);
    return st->ops->webhook_secret(st, user_id, fresh, clock_now(), a, secret, err);
}

void webhooks_sign(const char *secret, int64_t t, const char *body, size_t len, char out[128])
{
    char stamp[24];
    int n = snprintf(stamp, sizeof stamp, "%lld.", (long long)t);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state s;
    crypto_auth_hmacsha256_init(&s, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)stamp, (unsigned long long)n);
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&s, mac);
    char hex[2 * sizeof mac + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, 128, "t=%lld,v1=%s", (long long)t, hex);
}

bool webhooks_url_valid(const char *url)
{
    const char *rest = str_has_prefix(url, "https://")  ? url + 8
                       : str_has_prefix(url, "http://") ? url + 7
                                                         : NULL;
    if (!rest || !*rest || *rest == '/' || *rest == ':') return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) return false;
    return true;
}

/* ---- the outbox ----------------------------------------------------------------- */

static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static struct webhooks_deliverer *active; /* woken when a delivery is queued */

enum rc webhooks_enqueue(struct store *st, int64_t user_id, const char *url, const char *event,
                         const char *body, struct err *err)
{
    enum rc rc = st->ops->outbox_add(st, user_id, url, event, body, clock_now(), err);
    if (rc != RC_OK) return rc;
    pthread_mutex_lock(&active_lock);
    if (active) webhooks_wake(active);
    pthread_mutex_unlock(&active_lock);
    return RC_OK;
}

static bool names_event(const char *events, const char *event)
{
    size_t n = strlen(event);
    for (const char *p = events; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, event, n) == 0) return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

void webhooks_emit(struct store *st, int64_t user_id, const char *event, const char *body)
{
    struct arena a;
    arena_init(&a);
    struct webhook *hooks = NULL;
    size_t count = 0;
    struct err err = {0};
    if (st->ops->webhook_list(st, user_id, &a, &hooks, &count, &err) != RC_OK)
        log_warn("webhooks of user %lld: %s", (long long)user_id, err.msg);
    for (size_t i = 0; i < count; i++)
        if (names_event(hooks[i].events, event) &&
            webhooks_enqueue(st, user_id, hooks[i].url, event, body, &err) != RC_OK)
            log_warn("queueing %s webhook: %s", event, err.msg);
    arena_cleanup(&a);
}

void webhooks_emit_campaign(struct store *st, int64_t user_id, const char *event,
                            int64_t campaign_id, int64_t recipient_id, const char *email,
                            int64_t step)
{
    char at[21];
    clock_format_iso(clock_now(), at);
    json_t *doc = json_pack("{s:s, s:I, s:s}", "event", event, "campaign_id",
                            (json_int_t)campaign_id, "at", at);
    if (recipient_id) json_object_set_new(doc, "recipient_id", json_integer(recipient_id));
    if (email) json_object_set_new(doc, "email", json_string(email));
    if (step >= 0) json_object_set_new(doc, "step", json_integer(step));
    char *body = json_dumps(doc, JSON_COMPACT);
    if (body) webhooks_emit(st, user_id, event, body);
    free(body);
    json_decref(doc);
}

/* ---- the deliverer -------------------------------------------------------------- */

struct webhooks_deliverer {
    struct store *st;
    struct webhooks_options opt;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping, woken;
};

/* One POST; true when the target answered 2xx, else why not in why. */
static bool post_signed(struct webhooks_deliverer *d, const struct webhook_delivery *w,
                        const char *secret, char *why, size_t why_len)
{
    char signature[128], sig_header[160], event_header[96], id_header[64];
    size_t len = strlen(w->body);
    webhooks_sign(secret, clock_now(), w->body, len, signature);
    snprintf(sig_header, sizeof sig_header, "X-Leadgen-Signature: %s", signature);
    snprintf(event_header, sizeof event_header, "X-Leadgen-Event: %s", w->event);
    snprintf(id_header, sizeof id_header, "X-Leadgen-Delivery: %lld", (long long)w->id);
    const char *headers[] = {"Content-Type: application/json", sig_header, event_header, id_header,
                             NULL};
    struct http_request req = {.method = "POST", .url = w->url, .headers = headers,
                               .body = w->body, .body_len = len, .timeout_ms = d->opt.timeout_ms,
                               .max_bytes = 65536, .truncate = true,
                               .guard_private = d->opt.guard_private};
    struct http_response resp = {0};
    struct err err = {0};
    bool ok = false;
    if (http_fetch(&req, &resp, &err) != RC_OK)
        snprintf(why, why_len, "%s", err.msg);
    else if (resp.status >= 200 && resp.status < 300)
        ok = true;
    else
        snprintf(why, why_len, "HTTP %ld", resp.status);
    http_response_free(&resp);
    return ok;
}

/* Makes one due delivery; false when none was due. */
static bool deliver_one(struct webhooks_deliverer *d)
{
    struct arena a;
    arena_init(&a);
    struct webhook_delivery w;
    struct err err = {0};
    int64_t now = clock_now();
    enum rc rc = d->st->ops->outbox_claim(d->st, now, now + LEASE_S, &a, &w, &err);
    if (rc != RC_OK) {
        if (rc != RC_NOT_FOUND) log_warn("webhook outbox: %s", err.msg);
        arena_cleanup(&a);
        return false;
    }
    char *secret = NULL, why[256] = "";
    bool ok = webhooks_secret(d->st, w.user_id, &a, &secret, &err) == RC_OK &&
              post_signed(d, &w, secret, why, sizeof why);
    if (!secret) snprintf(why, sizeof why, "%s", err.msg);
    int64_t attempts = w.attempts + 1, backoff = d->opt.first_retry;
    for (int64_t i = 1; i < attempts && backoff < d->opt.give_up; i++) backoff *= 2;
    now = clock_now();
    const char *state = ok ? "delivered"
                        : now + backoff > w.created_at + d->opt.give_up ? "failed"
                                                                         : "pending";
    if (!ok) log_warn("webhook %lld to %s: %s (%s)", (long long)w.id, w.url, why, state);
    if (d->st->ops->outbox_done(d->st, w.id, state, attempts, now + backoff, why, &err) != RC_OK)
        log_warn("webhook outbox: %s", err.msg);
    arena_cleanup(&a);
    return true;
}

static void *deliver_loop(void *arg)
{
    struct webhooks_deliverer *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        d->woken = false;
        pthread_mutex_unlock(&d->lock);
        while (deliver_one(d)) {
            pthread_mutex_lock(&d->lock);
            bool stop = d->stopping;
            pthread_mutex_unlock(&d->lock);
            if (stop) break;
        }
        pthread_mutex_lock(&d->lock);
        if (d->stopping || d->woken) continue;
        /* retries fall due with time, and other processes queue deliveries too */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&d->wake, &d->lock, &until);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

struct webhooks_deliverer *webhooks_start(struct store *st, const struct webhooks_options *o,
                                          struct err *err)
{
    struct webhooks_deliverer *d = xcalloc(1, sizeof *d);
    d->st = st;
    d->opt = *o;
    if (d->opt.first_retry <= 0) d->opt.first_retry = DEFAULT_FIRST_RETRY_S;
    if (d->opt.give_up <= 0) d->opt.give_up = DEFAULT_GIVE_UP_S;
    if (d->opt.timeout_ms <= 0) d->opt.timeout_ms = 10000;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    if (pthread_create(&d->thread, NULL, deliver_loop, d) != 0) {
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        err_set(err, RC_IO, "cannot start the webhook deliverer");
        return NULL;
    }
    pthread_mutex_lock(&active_lock);
    active = d;
    pthread_mutex_unlock(&active_lock);
    return d;
}

void webhooks_wake(struct webhooks_deliverer *d)
{
    pthread_mutex_lock(&d->lock);
    d->woken = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void webhooks_stop(struct webhooks_deliverer *d)
{
    if (!d) return;
    pthread_mutex_lock(&active_lock);
    if (active == d) active = NULL;
    pthread_mutex_unlock(&active_lock);
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}
