/* Resolves an API key to its user. Keys issued here are found by hash in the
 * store. With LEADGEN_AUTH_URL set, a key the store does not know (or whose
 * vouching is older than LEADGEN_AUTH_TTL) is checked with that licence
 * service: POST {"api_key": K} -> 200 {"valid": true, "email": E, "credits": N}.
 * A 200 with "valid": false, or a 401/403/404, means the key is invalid;
 * anything else (unreachable, 5xx, malformed) is RC_UPSTREAM. A key the
 * service refused is refused from memory for AUTH_NEGATIVE_SECONDS; concurrent
 * requests with the same unknown key share one check; and one client address
 * may start at most checks_per_ip checks a minute. */
#ifndef LEADGEN_CORE_AUTH_H
#define LEADGEN_CORE_AUTH_H

#include "base/rc.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

enum auth_result {
    AUTH_OK,           /* *user_id is set */
    AUTH_INVALID,      /* unknown, expired or refused key */
    AUTH_NEEDS_REMOTE, /* only auth_local: ask the licence service (blocking I/O) */
    AUTH_UNAVAILABLE,  /* licence service unreachable */
    AUTH_STORE_ERROR,  /* err says why */
};

struct auth_options {
    const char *url;   /* LEADGEN_AUTH_URL: the licence service, or NULL */
    int64_t ttl;       /* LEADGEN_AUTH_TTL: seconds its answer is trusted */
    int64_t checks_per_ip; /* LEADGEN_AUTH_CHECKS_PER_IP: a minute; 0: no limit */
};

enum { AUTH_NEGATIVE_SECONDS = 60 };
/* Set once at start-up, before any request (until then: no licence service). */
void auth_configure(const struct auth_options *o);

/* Store-only check: never blocks on the network. */
enum auth_result auth_local(struct store *st, const char *key, int64_t *user_id, struct err *err);
/* Forgets every cached key resolution (tests, and after keys change). */
void auth_cache_clear(void);
/* Counts a licence check of key for a client address (text); false when that
 * address has asked about checks_per_ip other keys this minute already. */
bool auth_remote_admit(const char *client, const char *key);
/* Asks the licence service and records its answer; may block for seconds. */
enum auth_result auth_remote(struct store *st, const char *key, int64_t *user_id, struct err *err);

#endif
