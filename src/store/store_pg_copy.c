/* Whole-table row streams of the PostgreSQL backend for `store copy`: keyset
 * pages out, COPY ... FROM STDIN in (a batch per transaction), and identity
 * sequences moved past the copied ids at the end. */
#include "store/store_pg_int.h"

#include "base/buf.h"
#include "store/store_int.h"

#include <string.h>

static enum rc count_on(struct pgc *c, const struct store_table *t, int64_t *count,
                        struct err *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", t->name);
    PGresult *r = pg_run_text(c, sql, NULL, err, t->name);
    if (!r) return RC_DB;
    *count = pg_int(r, 0, 0);
    PQclear(r);
    return RC_OK;
}

enum rc pg_table_count(struct store *st, const struct store_table *t, int64_t *count,
                       struct err *err)
{
    PG_OP(st, err, count_on(c, t, count, err));
}

static enum rc read_on(struct pgc *c, const struct store_table *t, const char *const *after,
                       size_t limit, struct arena *a, const char ***rows, size_t *count,
                       struct err *err)
{
    struct pg_args args = {0};
    for (int i = 0; after && i < t->nkey; i++) pg_arg_text(&args, after[i]);
    PGresult *r = pg_run_text(c, store_table_select(a, t, after != NULL, limit, '$'), &args, err,
                              t->name);
    if (!r) return RC_DB;
    size_t ncols = strlen(t->types), n = (size_t)PQntuples(r);
    enum rc rc = RC_OK;
    if ((size_t)PQnfields(r) != ncols)
        rc = err_set(err, RC_INVALID, "%s: %d columns, %zu types", t->name, PQnfields(r), ncols);
    const char **out = arena_alloc(a, (n * ncols + 1) * sizeof *out);
    for (size_t row = 0; rc == RC_OK && row < n; row++)
        for (size_t col = 0; col < ncols; col++)
            out[row * ncols + col] =
                pg_null(r, (int)row, (int)col) ? NULL : pg_text(r, (int)row, (int)col, a);
    PQclear(r);
    *rows = out;
    *count = rc == RC_OK ? n : 0;
    return rc;
}

enum rc pg_table_read(struct store *st, const struct store_table *t, const char *const *after,
                      size_t limit, struct arena *a, const char ***rows, size_t *count,
                      struct err *err)
{
    PG_OP(st, err, read_on(c, t, after, limit, a, rows, count, err));
}

/* One value in COPY's text format: backslash escapes for the separators. */
static void copy_value(struct buf *b, const char *v)
{
    if (!v) {
        buf_puts(b, "\\N");
        return;
    }
    for (const char *p = v; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n"
                          : *p == '\r' ? "\\r" : NULL;
        if (esc) buf_puts(b, esc);
        else buf_append(b, p, 1);
    }
}

static enum rc write_on(struct pgc *c, const struct store_table *t, const char *const *rows,
                        size_t count, struct err *err)
{
    size_t ncols = strlen(t->types);
    struct buf data;
    buf_init(&data, 0);
    for (size_t r = 0; r < count; r++)
        for (size_t col = 0; col < ncols; col++) {
            copy_value(&data, rows[r * ncols + col]);
            buf_append(&data, col + 1 < ncols ? "\t" : "\n", 1);
        }
    char sql[600];
    snprintf(sql, sizeof sql, "COPY %s (%s) FROM STDIN", t->name, t->columns);
    enum rc rc = pg_copy_in(c, sql, data.data ? data.data : "", data.len, err, t->name);
    buf_free(&data);
    return rc;
}

enum rc pg_table_write(struct store *st, const struct store_table *t, const char *const *rows,
                       size_t count, struct err *err)
{
    PG_TX(st, err, write_on(c, t, rows, count, err));
}

static enum rc statement_on(struct pgc *c, const char *sql, struct err *err, const char *what)
{
    PGresult *r = pg_run_text(c, sql, NULL, err, what);
    bool ok = r != NULL;
    PQclear(r);
    return ok ? RC_OK : RC_DB;
}

enum rc pg_table_clear(struct store *st, const struct store_table *t, struct err *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM %s", t->name);
    PG_OP(st, err, statement_on(c, sql, err, t->name));
}

/* The identity's next value: one past the largest copied id (1 when none). */
enum rc pg_table_done(struct store *st, const struct store_table *t, struct err *err)
{
    if (!t->identity) return RC_OK;
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE(MAX(%s), 0) + 1, false) "
             "FROM %s",
             t->name, t->identity, t->identity, t->name);
    PG_OP(st, err, statement_on(c, sql, err, t->name));
}
