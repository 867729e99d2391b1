/* Tombstones, the erased-address filter for public answers, and data-subject
 * export and erasure on top of the store's operations. */
#include "core/privacy.h"

#include "base/clock.h"
#include "base/mem.h"
#include "base/str.h"
#include "core/secrets.h"

#include <sodium.h>
#include <string.h>

static const char tombstone_context[] = "leadgen erasure tombstone v1";

enum rc privacy_key(struct store *st, unsigned char key[32], struct err *err)
{
    unsigned char sealing[SECRETS_KEY_LEN];
    enum rc rc = secrets_key(st, sealing, err);
    if (rc != RC_OK) return rc;
    /* a key of its own: a tombstone never reveals anything about the sealing key */
    crypto_generichash(key, 32, (const unsigned char *)tombstone_context,
                       sizeof tombstone_context - 1, sealing, sizeof sealing);
    sodium_memzero(sealing, sizeof sealing);
    return RC_OK;
}

void privacy_tombstone(const unsigned char key[32], const char *address,
                       char out[PRIVACY_TOMBSTONE_LEN + 1])
{
    size_t n = strlen(address);
    char *lower = xmalloc(n + 1);
    memcpy(lower, address, n + 1);
    str_ascii_lower(lower);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state s;
    crypto_auth_hmacsha256_init(&s, key, 32);
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)lower, n);
    crypto_auth_hmacsha256_final(&s, mac);
    sodium_bin2hex(out, PRIVACY_TOMBSTONE_LEN + 1, mac, sizeof mac);
    free(lower);
}

enum rc privacy_mark_leads(struct store *st, struct lead *leads, size_t count, struct arena *a,
                           struct err *err)
{
    if (count == 0) return RC_OK;
    unsigned char key[32];
    enum rc rc = privacy_key(st, key, err);
    if (rc != RC_OK) return rc;
    for (size_t i = 0; i < count; i++) {
        char *t = arena_alloc(a, PRIVACY_TOMBSTONE_LEN + 1);
        privacy_tombstone(key, leads[i].email, t);
        leads[i].tombstone = t;
    }
    sodium_memzero(key, sizeof key);
    return RC_OK;
}

/* ---- the answer filter ----------------------------------------------------- */

/* An address-shaped string: one '@' with text before it and a dot after it. */
static bool address_like(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at > s && !strchr(at + 1, '@') && strchr(at + 1, '.') && !strpbrk(s, " \t<>");
}

struct candidates {
    const char **items;
    size_t count, cap;
};

static void add_candidate(struct candidates *c, const char *s, struct arena *a)
{
    if (!address_like(s)) return;
    for (size_t i = 0; i < c->count; i++)
        if (strcasecmp(c->items[i], s) == 0) return;
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        const char **grown = arena_alloc(a, cap * sizeof *grown);
        if (c->count) memcpy(grown, c->items, c->count * sizeof *grown);
        c->items = grown;
        c->cap = cap;
    }
    c->items[c->count++] = arena_strdup(a, s); /* outlives the JSON it came from */
}

/* Every address-shaped string and member name in v. */
static void collect(json_t *v, struct candidates *c, struct arena *a)
{
    if (json_is_string(v)) {
        add_candidate(c, json_string_value(v), a);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) collect(item, c, a);
    } else if (json_is_object(v)) {
        const char *name;
        json_t *item;
        json_object_foreach(v, name, item)
        {
            add_candidate(c, name, a);
            collect(item, c, a);
        }
    }
}

static bool is_erased(const char *s, const struct candidates *erased)
{
    for (size_t i = 0; s && i < erased->count; i++)
        if (strcasecmp(erased->items[i], s) == 0) return true;
    return false;
}

static bool item_erased(json_t *item, const struct candidates *erased)
{
    if (json_is_string(item)) return is_erased(json_string_value(item), erased);
    return json_is_object(item) &&
           is_erased(json_string_value(json_object_get(item, "email")), erased);
}

static void remove_erased(json_t *v, const struct candidates *erased)
{
    if (json_is_array(v)) {
        for (size_t i = json_array_size(v); i-- > 0;) {
            json_t *item = json_array_get(v, i);
            if (item_erased(item, erased)) json_array_remove(v, i);
            else remove_erased(item, erased);
        }
    } else if (json_is_object(v)) {
        const char *name;
        json_t *item;
        void *tmp;
        json_object_foreach_safe(v, tmp, name, item)
        {
            if (is_erased(name, erased)) json_object_del(v, name);
            else remove_erased(item, erased);
        }
    }
}

enum rc privacy_scrub_answer(struct store *st, json_t *data, struct err *err)
{
    struct arena a;
    arena_init(&a);
    struct candidates found = {0}, erased = {0};
    collect(data, &found, &a);
    enum rc rc = RC_OK;
    if (found.count) {
        unsigned char key[32];
        rc = privacy_key(st, key, err);
        const char **tombstones = arena_alloc(&a, found.count * sizeof *tombstones);
        bool *hit = arena_alloc(&a, found.count * sizeof *hit);
        for (size_t i = 0; rc == RC_OK && i < found.count; i++) {
            char *t = arena_alloc(&a, PRIVACY_TOMBSTONE_LEN + 1);
            privacy_tombstone(key, found.items[i], t);
            tombstones[i] = t;
        }
        sodium_memzero(key, sizeof key);
        if (rc == RC_OK) rc = st->ops->erased_check(st, tombstones, found.count, hit, err);
        for (size_t i = 0; rc == RC_OK && i < found.count; i++)
            if (hit[i]) add_candidate(&erased, found.items[i], &a);
    }
    if (erased.count) remove_erased(data, &erased);
    arena_cleanup(&a);
    return rc;
}

/* ---- export and erasure ---------------------------------------------------- */

static char *lowered(const char *address, struct arena *a)
{
    char *s = str_trim(arena_strdup(a, address));
    str_ascii_lower(s);
    return s;
}

static enum rc tombstone_of(struct store *st, const char *address, char out[65], struct err *err)
{
    unsigned char key[32];
    enum rc rc = privacy_key(st, key, err);
    if (rc == RC_OK) privacy_tombstone(key, address, out);
    sodium_memzero(key, sizeof key);
    return rc;
}

enum rc privacy_export(struct store *st, const char *address, json_t **out, struct err *err)
{
    struct arena a;
    arena_init(&a);
    const char *addr = lowered(address, &a);
    struct subject_record *recs = NULL;
    size_t n = 0;
    char tomb[PRIVACY_TOMBSTONE_LEN + 1];
    bool erased = false;
    const char *tombs[1] = {tomb};
    enum rc rc = tombstone_of(st, addr, tomb, err);
    if (rc == RC_OK) rc = st->ops->erased_check(st, tombs, 1, &erased, err);
    if (rc == RC_OK) rc = st->ops->subject_records(st, addr, &a, &recs, &n, err);
    if (rc == RC_OK) {
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *rec = json_loads(recs[i].json, 0, NULL);
            json_array_append_new(list, json_pack("{s:s, s:I, s:o}", "kind", recs[i].kind,
                                                  "user_id", (json_int_t)recs[i].user_id,
                                                  "record", rec ? rec : json_null()));
        }
        *out = json_pack("{s:s, s:b, s:o}", "address", addr, "erased", erased, "records", list);
    }
    arena_cleanup(&a);
    return rc;
}

enum rc privacy_erase(struct store *st, const char *address, struct subject_erased *out,
                      struct err *err)
{
    struct arena a;
    arena_init(&a);
    const char *addr = lowered(address, &a);
    char tomb[PRIVACY_TOMBSTONE_LEN + 1];
    enum rc rc = tombstone_of(st, addr, tomb, err);
    if (rc == RC_OK) rc = st->ops->subject_erase(st, addr, tomb, clock_now(), out, err);
    arena_cleanup(&a);
    return rc;
}
