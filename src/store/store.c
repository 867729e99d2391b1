/* Chooses the backend for a store URL, and the few helpers both backends share. */
#include "store/store_int.h"

#include "base/str.h"

#include <stddef.h>
#include <string.h>

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

void store_stats_add(struct recipient_stats *s, const char *status, int64_t n)
{
    static const struct {
        const char *name;
        size_t offset;
    } fields[] = {
        {"pending", offsetof(struct recipient_stats, pending)},
        {"in_progress", offsetof(struct recipient_stats, in_progress)},
        {"completed", offsetof(struct recipient_stats, completed)},
        {"replied", offsetof(struct recipient_stats, replied)},
        {"bounced", offsetof(struct recipient_stats, bounced)},
        {"unsubscribed", offsetof(struct recipient_stats, unsubscribed)},
        {"failed", offsetof(struct recipient_stats, failed)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i].name, status) == 0)
            *(int64_t *)(void *)((char *)s + fields[i].offset) += n;
}
