/* Chooses the backend for a store URL, and the few helpers both backends share. */
#include "store/store_int.h"

#include "base/str.h"
#include "version.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char holder[300];
static pthread_once_t holder_once = PTHREAD_ONCE_INIT;

static void holder_init(void)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    snprintf(holder, sizeof holder, "%s:%ld", host, (long)getpid());
}

const char *store_holder(void)
{
    pthread_once(&holder_once, holder_init);
    return holder;
}

static _Thread_local unsigned lock_bound_ms;
static _Thread_local bool lock_wrote, lock_cut;

void store_lock_bound(unsigned ms)
{
    lock_bound_ms = ms;
    lock_wrote = lock_cut = false;
}

bool store_lock_cut_short(void)
{
    return lock_cut;
}

unsigned store_lock_wait_bound(void)
{
    return lock_wrote ? 0 : lock_bound_ms;
}

void store_note_write(void)
{
    lock_wrote = true;
}

void store_note_cut_short(void)
{
    lock_cut = true;
}

const char *store_like_mention(struct arena *a, const char *domain)
{
    char *out = arena_alloc(a, strlen(domain) * 2 + 4), *o = out;
    *o++ = '%', *o++ = '@';
    for (const char *d = domain; *d; d++) {
        if (*d == '%' || *d == '_' || *d == '\\') *o++ = '\\';
        *o++ = *d;
    }
    *o++ = '%';
    return out;
}

const char *store_like_contains(struct arena *a, const char *text)
{
    char *out = arena_alloc(a, strlen(text) * 2 + 3), *o = out;
    *o++ = '%';
    for (const char *t = text; *t; t++) {
        if (*t == '%' || *t == '_' || *t == '\\') *o++ = '\\';
        *o++ = *t;
    }
    *o++ = '%';
    return out;
}

bool store_is_postgres(const char *url)
{
    return str_has_prefix(url, "postgres://") || str_has_prefix(url, "postgresql://");
}

struct store *store_open_with(const char *url, const struct store_options *opt, struct err *err)
{
    if (store_is_postgres(url)) return store_pg_open(url, opt ? opt->pool : 0, err);
    return store_sqlite_open(url, err);
}

struct store *store_open(const char *url, struct err *err)
{
    return store_open_with(url, NULL, err);
}

void store_close(struct store *st)
{
    if (st) st->ops->close(st);
}

bool store_due_or_held(int64_t next_send_at, const struct send_claim *claim)
{
    if (next_send_at <= claim->now) return true;
    return claim->lease_until > claim->now && next_send_at == claim->lease_until;
}

bool store_any_leased(const struct send_recipient *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (list[i].lease_until) return true;
    return false;
}

static const struct {
    const char *name;
    size_t offset;
} stats_fields[] = {
    {"pending", offsetof(struct recipient_stats, pending)},
    {"in_progress", offsetof(struct recipient_stats, in_progress)},
    {"completed", offsetof(struct recipient_stats, completed)},
    {"replied", offsetof(struct recipient_stats, replied)},
    {"bounced", offsetof(struct recipient_stats, bounced)},
    {"unsubscribed", offsetof(struct recipient_stats, unsubscribed)},
    {"failed", offsetof(struct recipient_stats, failed)},
};
enum { STATS_FIELDS = sizeof stats_fields / sizeof stats_fields[0] };

void store_stats_add(struct recipient_stats *s, const char *status, int64_t n)
{
    for (size_t i = 0; i < STATS_FIELDS; i++)
        if (strcmp(stats_fields[i].name, status) == 0)
            *(int64_t *)(void *)((char *)s + stats_fields[i].offset) += n;
}

int64_t store_stats_of(const struct recipient_stats *s, const char *status)
{
    int64_t n = 0;
    for (size_t i = 0; i < STATS_FIELDS; i++)
        if (!status || strcmp(stats_fields[i].name, status) == 0)
            n += *(const int64_t *)(const void *)((const char *)s + stats_fields[i].offset);
    return n;
}

enum rc store_plan(const char *url, struct store_plan *out, struct err *err)
{
    memset(out, 0, sizeof *out);
    if (store_is_postgres(url)) return store_pg_plan(url, out, err);
    return store_sqlite_plan(url, out, err);
}

void store_plan_fill(struct store_plan *p, const int *known, size_t nknown, const int *applied,
                     size_t napplied)
{
    p->known_max = nknown ? known[nknown - 1] : 0;
    p->store_max = napplied ? applied[napplied - 1] : 0;
    p->npending = 0;
    for (size_t i = 0; i < nknown && p->npending < STORE_PLAN_MAX; i++) {
        bool done = false;
        for (size_t j = 0; j < napplied && !done; j++) done = applied[j] == known[i];
        if (!done) p->pending[p->npending++] = known[i];
    }
}

enum rc store_refuse_newer(int store_max, int known_max, struct err *err)
{
    if (store_max <= known_max) return RC_OK;
    return err_set(err, RC_DB,
                   "this store is at schema version %d but this leadgen (" LEADGEN_VERSION
                   ") knows schema versions up to %d: a newer leadgen has used it; run that "
                   "version (or newer), or restore a backup taken before the upgrade",
                   store_max, known_max);
}

/* The key columns: the first nkey names of the column list. */
static const char *table_key(struct arena *a, const struct store_table *t)
{
    const char *end = t->columns;
    for (int i = 0; i < t->nkey && end; i++) {
        end = strchr(end, ',');
        if (end && i + 1 < t->nkey) end++;
    }
    return end ? arena_strndup(a, t->columns, (size_t)(end - t->columns)) : t->columns;
}

char *store_table_select(struct arena *a, const struct store_table *t, bool after, size_t limit,
                         char mark)
{
    const char *key = table_key(a, t);
    char *where = "";
    if (after) {
        where = arena_sprintf(a, " WHERE (%s) > (", key);
        for (int i = 1; i <= t->nkey; i++)
            where = arena_sprintf(a, "%s%s%c%d", where, i > 1 ? ", " : "", mark, i);
        where = arena_sprintf(a, "%s)", where);
    }
    return arena_sprintf(a, "SELECT %s FROM %s%s ORDER BY %s LIMIT %zu", t->columns, t->name,
                         where, key, limit);
}
