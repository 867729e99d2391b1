/* Chooses the backend for a store URL. */
#include "store/store.h"

#include "base/str.h"

struct store *store_open(const char *url, struct err *err)
{
    if (str_has_prefix(url, "postgres://") || str_has_prefix(url, "postgresql://")) {
        err_set(err, RC_INVALID, "the PostgreSQL store is not built yet; use an SQLite path");
        return NULL;
    }
    return store_sqlite_open(url, err);
}

void store_close(struct store *st)
{
    if (st) st->ops->close(st);
}
