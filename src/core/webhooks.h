/* Signed webhooks. Each user has a signing secret (made on first use and kept
 * in the store). A delivery is written to the store's outbox first, so a crash
 * loses nothing, then POSTed by a deliverer thread, signed the way Stripe
 * signs (X-Leadgen-Signature: t=UNIX_TIME,v1=HEX, HEX = HMAC-SHA256 over
 * t "." body with the secret), and retried with exponential back-off for a
 * day while the target answers anything but 2xx. Targets pass the
 * private-address guard, as crawls do. */
#ifndef LEADGEN_CORE_WEBHOOKS_H
#define LEADGEN_CORE_WEBHOOKS_H

#include "base/rc.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

/* The campaign events a subscription may name. */
extern const char *const webhooks_events[];
extern const size_t webhooks_events_count;

/* The user's signing secret ("whsec_" + 64 hex digits), in a. */
enum rc webhooks_secret(struct store *st, int64_t user_id, struct arena *a, char **secret,
                        struct err *err);
/* The X-Leadgen-Signature value for body signed at t; out holds 128 bytes. */
void webhooks_sign(const char *secret, int64_t t, const char *body, size_t len, char out[128]);
/* Whether url is an absolute http:// or https:// URL with a host. */
bool webhooks_url_valid(const char *url);

/* Queues a delivery of body (JSON) to url; the event names it in the
 * X-Leadgen-Event header. */
enum rc webhooks_enqueue(struct store *st, int64_t user_id, const char *url, const char *event,
                         const char *body, struct err *err);
/* Queues event for every subscription of the user that names it; failures are logged. */
void webhooks_emit(struct store *st, int64_t user_id, const char *event, const char *body);
/* A campaign event ({"event","campaign_id","recipient_id","email","step","at"});
 * recipient_id 0 and email NULL for campaign.completed, step < 0 when not known. */
void webhooks_emit_campaign(struct store *st, int64_t user_id, const char *event,
                            int64_t campaign_id, int64_t recipient_id, const char *email,
                            int64_t step);

struct webhooks_options {
    bool guard_private; /* refuse private targets (unless LEADGEN_ALLOW_PRIVATE_TARGETS) */
    long timeout_ms;    /* per delivery attempt */
    int64_t first_retry; /* seconds before the first retry; doubles each time (default 30) */
    int64_t give_up;     /* seconds after which a delivery is abandoned (default a day) */
};

struct webhooks_deliverer;
/* Starts the thread that makes due deliveries; NULL with err set on failure. */
struct webhooks_deliverer *webhooks_start(struct store *st, const struct webhooks_options *o,
                                          struct err *err);
/* Wakes the deliverer (a delivery was just queued). */
void webhooks_wake(struct webhooks_deliverer *d);
void webhooks_stop(struct webhooks_deliverer *d);

#endif
