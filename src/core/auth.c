/* API key resolution: local hash lookup, then the optional licence service. */
#include "core/auth.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "core/keys.h"
#include "net/http.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static struct auth_options options;

void auth_configure(const struct auth_options *o)
{
    options = *o;
}

static bool remote_configured(void)
{
    return options.url && *options.url;
}

enum { KEY_MAX = 256, KEY_SLOTS = 4096, KEY_STRIPES = 64, KEY_CACHE_SECONDS = 60 };

/* Resolved keys, so the hot path does not touch the store: a direct-mapped
 * table indexed by the key hash, under striped locks. The short lifetime
 * bounds how long a key revoked by `leadgen key revoke` (another process)
 * or a vouched key past its AUTH_TTL keeps working, and makes the key's
 * last-used time (written on each store look-up) accurate to a minute. */
struct key_slot {
    char hash[KEY_HASH_LEN + 1];
    int64_t user_id; /* 0: the licence service refused the key */
    int64_t expires; /* wall clock seconds */
};
static struct key_slot key_slots[KEY_SLOTS];
static pthread_mutex_t key_locks[KEY_STRIPES];
static pthread_once_t key_locks_once = PTHREAD_ONCE_INIT;

static void key_locks_init(void)
{
    for (size_t i = 0; i < KEY_STRIPES; i++) pthread_mutex_init(&key_locks[i], NULL);
}

static size_t slot_of(const char *hash)
{
    pthread_once(&key_locks_once, key_locks_init);
    return (size_t)strtoul((char[]){hash[0], hash[1], hash[2], hash[3], 0}, NULL, 16) % KEY_SLOTS;
}

static bool cache_lookup(const char *hash, int64_t now, int64_t *user_id)
{
    size_t i = slot_of(hash);
    pthread_mutex_lock(&key_locks[i % KEY_STRIPES]);
    bool hit = key_slots[i].expires > now && strcmp(key_slots[i].hash, hash) == 0;
    if (hit) *user_id = key_slots[i].user_id;
    pthread_mutex_unlock(&key_locks[i % KEY_STRIPES]);
    return hit;
}

static void cache_store(const char *hash, int64_t user_id, int64_t expires)
{
    size_t i = slot_of(hash);
    pthread_mutex_lock(&key_locks[i % KEY_STRIPES]);
    memcpy(key_slots[i].hash, hash, sizeof key_slots[i].hash);
    key_slots[i].user_id = user_id;
    key_slots[i].expires = expires;
    pthread_mutex_unlock(&key_locks[i % KEY_STRIPES]);
}

void auth_cache_clear(void)
{
    for (size_t i = 0; i < KEY_SLOTS; i++) {
        pthread_mutex_lock(&key_locks[i % KEY_STRIPES]);
        key_slots[i].expires = 0;
        pthread_mutex_unlock(&key_locks[i % KEY_STRIPES]);
    }
}

enum auth_result auth_local(struct store *st, const char *key, int64_t *user_id, struct err *err)
{
    size_t len = strlen(key);
    if (len > KEY_MAX || !str_utf8_valid(key, len)) return AUTH_INVALID; /* no licence is like that */
    char hash[KEY_HASH_LEN + 1];
    keys_hash(key, hash);
    int64_t now = clock_now();
    int64_t cached = 0;
    /* a key the licence service refused lately is not asked about again; the
     * store is still read, so a key issued here since then works at once */
    bool refused = cache_lookup(hash, now, &cached) && !cached;
    if (cached) return *user_id = cached, AUTH_OK;
    struct key_owner owner;
    enum rc rc = st->ops->key_lookup(st, hash, &owner, err);
    if (rc == RC_NOT_FOUND)
        return remote_configured() && !refused ? AUTH_NEEDS_REMOTE : AUTH_INVALID;
    if (rc != RC_OK) return AUTH_STORE_ERROR;
    int64_t expires = now + KEY_CACHE_SECONDS;
    if (owner.source == KEY_EXTERNAL && remote_configured()) {
        int64_t vouched_until = owner.checked_at + options.ttl;
        if (now >= vouched_until) return refused ? AUTH_INVALID : AUTH_NEEDS_REMOTE;
        if (vouched_until < expires) expires = vouched_until;
    }
    /* best effort: a failed write only leaves `leadgen key list` a minute behind */
    struct err ignored = {0};
    st->ops->key_used(st, hash, now, &ignored);
    cache_store(hash, owner.user_id, expires);
    *user_id = owner.user_id;
    return AUTH_OK;
}

/* Reads the licence service's verdict from a 200 body. */
static enum auth_result parse_verdict(const char *body, const char **email, json_int_t *credits,
                                      json_t **doc, struct err *err)
{
    *doc = json_loads(body, 0, NULL);
    json_t *valid = json_object_get(*doc, "valid");
    if (!json_is_boolean(valid)) {
        err_set(err, RC_UPSTREAM, "licence service answered without a boolean \"valid\"");
        return AUTH_UNAVAILABLE;
    }
    if (!json_is_true(valid)) return AUTH_INVALID;
    *email = json_string_value(json_object_get(*doc, "email"));
    json_t *grant = json_object_get(*doc, "credits");
    *credits = json_is_integer(grant) ? json_integer_value(grant) : 0;
    if (!*email || !**email || *credits < 0) {
        err_set(err, RC_UPSTREAM, "licence service answered without an email");
        return AUTH_UNAVAILABLE;
    }
    return AUTH_OK;
}

/* ---- one check per key, a limit per address ---------------------------------- */

/* Checks in flight, by key hash: a request whose key is being checked waits
 * for that answer instead of asking again. */
enum { FLIGHTS = 64 };
struct flight {
    char hash[KEY_HASH_LEN + 1];
    bool busy, done;
    unsigned waiters;
    enum auth_result result;
    int64_t user_id;
};
static struct flight flights[FLIGHTS];
static pthread_mutex_t flight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flight_done = PTHREAD_COND_INITIALIZER;

/* The flight already checking hash (*mine false), or a new one (*mine true);
 * NULL when every slot is taken (the caller checks on its own). */
static struct flight *flight_join(const char *hash, bool *mine)
{
    struct flight *free_slot = NULL;
    for (size_t i = 0; i < FLIGHTS; i++) {
        struct flight *f = &flights[i];
        if (f->busy && !f->done && strcmp(f->hash, hash) == 0) {
            *mine = false;
            f->waiters++;
            return f;
        }
        if (!f->busy && !free_slot) free_slot = f;
    }
    if (free_slot) {
        *free_slot = (struct flight){.busy = true};
        memcpy(free_slot->hash, hash, sizeof free_slot->hash);
        *mine = true;
    }
    return free_slot;
}

static enum auth_result flight_wait(struct flight *f, int64_t *user_id)
{
    while (!f->done) pthread_cond_wait(&flight_done, &flight_lock);
    enum auth_result result = f->result;
    *user_id = f->user_id;
    if (--f->waiters == 0) f->busy = false;
    return result;
}

static void flight_land(struct flight *f, enum auth_result result, int64_t user_id)
{
    pthread_mutex_lock(&flight_lock);
    f->done = true;
    f->result = result;
    f->user_id = user_id;
    if (f->waiters == 0) f->busy = false;
    pthread_cond_broadcast(&flight_done);
    pthread_mutex_unlock(&flight_lock);
}

/* Checks started per address this minute; a key asked again from the same
 * address within the minute (it waits for the same check, or is refused from
 * memory) is not counted twice. */
enum { ADDRESS_SLOTS = 4096, PAIR_SLOTS = 16384 };
struct address_slot {
    uint64_t hash;
    int64_t minute;
    int64_t checks;
};
struct pair_slot {
    uint64_t hash;
    int64_t minute;
};
static struct address_slot address_slots[ADDRESS_SLOTS];
static struct pair_slot pair_slots[PAIR_SLOTS];
static pthread_mutex_t address_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

bool auth_remote_admit(const char *client, const char *key)
{
    if (options.checks_per_ip <= 0 || !client) return true;
    uint64_t h = fnv1a(14695981039346656037ULL, client), pair = fnv1a(h ^ 0xff, key);
    int64_t minute = (int64_t)(clock_mono_ms() / 60000.0);
    pthread_mutex_lock(&address_lock);
    struct pair_slot *p = &pair_slots[pair % PAIR_SLOTS];
    bool counted = p->hash == pair && p->minute == minute;
    struct address_slot *s = &address_slots[h % ADDRESS_SLOTS];
    if (s->hash != h || s->minute != minute) *s = (struct address_slot){h, minute, 0};
    bool ok = counted || s->checks < options.checks_per_ip;
    if (ok && !counted) {
        s->checks++;
        *p = (struct pair_slot){pair, minute};
    }
    pthread_mutex_unlock(&address_lock);
    return ok;
}

static enum auth_result ask_service(struct store *st, const char *key, int64_t *user_id,
                                    struct err *err);

enum auth_result auth_remote(struct store *st, const char *key, int64_t *user_id, struct err *err)
{
    char hash[KEY_HASH_LEN + 1];
    keys_hash(key, hash);
    bool mine = false;
    pthread_mutex_lock(&flight_lock);
    struct flight *f = flight_join(hash, &mine);
    if (f && !mine) {
        enum auth_result shared = flight_wait(f, user_id);
        pthread_mutex_unlock(&flight_lock);
        if (shared == AUTH_UNAVAILABLE)
            err_set(err, RC_UPSTREAM, "licence service unavailable (a concurrent check)");
        else if (shared == AUTH_STORE_ERROR)
            err_set(err, RC_DB, "recording the licence answer failed (a concurrent check)");
        return shared;
    }
    pthread_mutex_unlock(&flight_lock);
    enum auth_result result = ask_service(st, key, user_id, err);
    if (result == AUTH_INVALID) cache_store(hash, 0, clock_now() + AUTH_NEGATIVE_SECONDS);
    if (f) flight_land(f, result, result == AUTH_OK ? *user_id : 0);
    return result;
}

static enum auth_result ask_service(struct store *st, const char *key, int64_t *user_id,
                                    struct err *err)
{
    json_t *payload = json_pack("{s:s}", "api_key", key);
    char *body = json_dumps(payload, JSON_COMPACT);
    json_decref(payload);
    if (!body) {
        err_set(err, RC_INVALID, "licence request: cannot serialise the key");
        return AUTH_UNAVAILABLE;
    }
    static const char *const headers[] = {"Content-Type: application/json",
                                          "Accept: application/json", NULL};
    struct http_request req = {.method = "POST",
                               .url = options.url,
                               .headers = headers,
                               .body = body,
                               .body_len = strlen(body),
                               .timeout_ms = 10000,
                               .max_bytes = 64 << 10};
    struct http_response resp;
    enum rc rc = http_fetch(&req, &resp, err);
    free(body);
    enum auth_result result = AUTH_UNAVAILABLE;
    json_t *doc = NULL;
    if (rc != RC_OK) {
        log_warn("licence service unreachable: %s", err ? err->msg : "");
    } else if (resp.status == 401 || resp.status == 403 || resp.status == 404) {
        result = AUTH_INVALID;
    } else if (resp.status != 200) {
        err_set(err, RC_UPSTREAM, "licence service answered HTTP %ld", resp.status);
    } else {
        const char *email = NULL;
        json_int_t credits = 0;
        result = parse_verdict(resp.body.data ? resp.body.data : "", &email, &credits, &doc, err);
        if (result == AUTH_OK) {
            char hash[KEY_HASH_LEN + 1];
            keys_hash(key, hash);
            if (st->ops->key_vouch(st, hash, email, (int64_t)credits, clock_now(), user_id, err) !=
                RC_OK)
                result = AUTH_STORE_ERROR;
        }
    }
    json_decref(doc);
    http_response_free(&resp);
    return result;
}
