/* The store interface: every persistent operation leadgen performs, as
 * operations rather than SQL. Backends (SQLite now, PostgreSQL later)
 * implement struct store_ops; callers call st->ops->op(st, ...).
 * The store is shared by all threads. Strings and arrays handed back are
 * allocated in the caller's arena. Failures return RC_DB (store unreachable
 * or unwritable) or the documented rc, with the reason in err. */
#ifndef LEADGEN_STORE_H
#define LEADGEN_STORE_H

#include "base/mem.h"
#include "base/rc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct user {
    int64_t id;
    const char *email;
    int64_t credits;
};

/* How an API key came to be known: issued here, or vouched for by LEADGEN_AUTH_URL. */
enum key_source { KEY_LOCAL = 0, KEY_EXTERNAL = 1 };

struct key_owner {
    int64_t user_id;
    enum key_source source;
    int64_t checked_at; /* when the licence service last vouched (external keys) */
};

struct campaign_ref {
    int64_t id;
    const char *name;
    const char *status;
};

struct project {
    int64_t id;
    const char *name;
    const char *type;
    int64_t leads_count;
    size_t campaigns_count;
    struct campaign_ref *campaigns;
};

struct lead {
    int64_t id;
    const char *email;
    const char *firstname, *lastname, *company, *website, *phones, *description;
    int verified; /* 1 valid, 0 unknown, -1 invalid */
    int64_t created_at;
};

struct leads_added {
    int64_t added, duplicates, total;
};

struct store;

struct store_ops {
    const char *name;
    void (*close)(struct store *st);
    enum rc (*ping)(struct store *st, struct err *err);

    enum rc (*meta_get)(struct store *st, const char *key, struct arena *a, char **value,
                        struct err *err);
    enum rc (*meta_set_once)(struct store *st, const char *key, const char *value,
                             struct err *err);

    enum rc (*user_create)(struct store *st, const char *email, int64_t credits,
                           const char *key_hash, int64_t *user_id, struct err *err);
    enum rc (*user_by_email)(struct store *st, const char *email, struct arena *a,
                             struct user *out, struct err *err);
    enum rc (*user_count)(struct store *st, int64_t *count, struct err *err);
    enum rc (*key_add)(struct store *st, int64_t user_id, const char *key_hash, struct err *err);
    enum rc (*key_lookup)(struct store *st, const char *key_hash, struct key_owner *out,
                          struct err *err);
    /* Links a key the licence service vouched for to the user with that email
     * (created if new); grant is credited only when the key is new here. */
    enum rc (*key_vouch)(struct store *st, const char *key_hash, const char *email,
                         int64_t grant, int64_t now, int64_t *user_id, struct err *err);

    enum rc (*credits_add)(struct store *st, int64_t user_id, int64_t amount, const char *reason,
                           int64_t *balance, struct err *err);
    enum rc (*credits_balance)(struct store *st, int64_t user_id, int64_t *balance,
                               struct err *err);
    /* Takes min(max, balance) from the balance; RC_NO_CREDITS when it is 0. */
    enum rc (*credits_reserve)(struct store *st, int64_t user_id, const char *endpoint,
                               int64_t max, const char *request_id, int64_t *reserved,
                               int64_t *reservation, struct err *err);
    /* Charges min(cost, reserved) and refunds the rest; cost 0 releases. */
    enum rc (*credits_settle)(struct store *st, int64_t reservation, int64_t cost,
                              int64_t *charged, struct err *err);
    /* Refunds reservations made before `before` that were never settled (a crash). */
    enum rc (*credits_release_stale)(struct store *st, int64_t before, int64_t *released,
                                     struct err *err);

    enum rc (*cache_get)(struct store *st, const char *key, int64_t now, struct arena *a,
                         char **body, struct err *err);
    enum rc (*cache_put)(struct store *st, const char *key, const char *endpoint,
                         const char *body, int64_t expires_at, struct err *err);
    enum rc (*cache_purge)(struct store *st, int64_t now, int64_t *removed, struct err *err);

    enum rc (*project_list)(struct store *st, int64_t user_id, const char *search,
                            struct arena *a, struct project **out, size_t *count,
                            struct err *err);
    enum rc (*project_create)(struct store *st, int64_t user_id, const char *name,
                              int64_t now, int64_t *project_id, struct err *err);
    enum rc (*project_get)(struct store *st, int64_t user_id, int64_t project_id,
                           struct arena *a, struct project *out, struct err *err);

    enum rc (*leads_list)(struct store *st, int64_t user_id, int64_t project_id, int64_t limit,
                          int64_t offset, struct arena *a, struct lead **out, size_t *count,
                          int64_t *total, struct err *err);
    enum rc (*leads_add)(struct store *st, int64_t user_id, int64_t project_id,
                         const struct lead *leads, size_t count, int64_t now,
                         struct leads_added *out, struct err *err);
};

struct store {
    const struct store_ops *ops;
};

/* Opens the store named by url (a file path, or postgres://...) and applies
 * pending migrations. Returns NULL with err set on failure. */
struct store *store_open(const char *url, struct err *err);
void store_close(struct store *st);

/* Backends. */
struct store *store_sqlite_open(const char *path, struct err *err);

#endif
