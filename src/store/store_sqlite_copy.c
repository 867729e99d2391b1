/* Whole-table row streams of the SQLite backend for `store copy`: the SQL is
 * built from the table list's columns (store_copy.c), so it is prepared per
 * call rather than cached in a slot. */
#include "store/store_sqlite_int.h"

#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

static sqlite3_stmt *prepare(struct conn *c, const char *sql, struct err *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(sq_db(c), sql, -1, &q, NULL) != SQLITE_OK) {
        sq_fail(c, err, "prepare");
        sqlite3_finalize(q);
        return NULL;
    }
    return q;
}

/* Binds values[0..n) as t's first n columns are typed. */
static void bind_row(sqlite3_stmt *q, const struct store_table *t, const char *const *values,
                     size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!values[i]) sqlite3_bind_null(q, (int)i + 1);
        else if (t->types[i] == 'i')
            sqlite3_bind_int64(q, (int)i + 1, strtoll(values[i], NULL, 10));
        else sqlite3_bind_text(q, (int)i + 1, values[i], -1, SQLITE_STATIC);
    }
}

/* The table list's types against the schema's, so a wrong letter in a new
 * row fails every copy (and the tests) instead of changing values. */
static enum rc check_types(sqlite3_stmt *q, const struct store_table *t, struct err *err)
{
    size_t ncols = strlen(t->types);
    if ((size_t)sqlite3_column_count(q) != ncols)
        return err_set(err, RC_INVALID, "%s: %d columns, %zu types", t->name,
                       sqlite3_column_count(q), ncols);
    for (size_t i = 0; i < ncols; i++) {
        const char *decl = sqlite3_column_decltype(q, (int)i);
        char want = decl && strcmp(decl, "INTEGER") == 0 ? 'i' : 't';
        if (t->types[i] != want)
            return err_set(err, RC_INVALID, "%s.%s is %s, not '%c'", t->name,
                           sqlite3_column_name(q, (int)i), decl ? decl : "untyped", t->types[i]);
    }
    return RC_OK;
}

static enum rc run_simple(struct store *st, const char *sql, struct err *err)
{
    CONN(st, err);
    sqlite3_stmt *q = prepare(c, sql, err);
    if (!q) return RC_DB;
    enum rc rc = sqlite3_step(q) == SQLITE_DONE ? RC_OK : sq_fail(c, err, sql);
    sqlite3_finalize(q);
    return rc;
}

enum rc sq_table_count(struct store *st, const struct store_table *t, int64_t *count,
                       struct err *err)
{
    CONN(st, err);
    struct arena a;
    arena_init(&a);
    sqlite3_stmt *q = prepare(c, arena_sprintf(&a, "SELECT count(*) FROM %s", t->name), err);
    enum rc rc = q ? sq_step_int(c, q, count, err, t->name) : RC_DB;
    sqlite3_finalize(q);
    arena_cleanup(&a);
    return rc;
}

enum rc sq_table_read(struct store *st, const struct store_table *t, const char *const *after,
                      size_t limit, struct arena *a, const char ***rows, size_t *count,
                      struct err *err)
{
    CONN(st, err);
    size_t ncols = strlen(t->types), cap = 0, n = 0;
    const char **out = NULL;
    sqlite3_stmt *q = prepare(c, store_table_select(a, t, after != NULL, limit, '?'), err);
    if (!q) return RC_DB;
    if (after) bind_row(q, t, after, (size_t)t->nkey);
    enum rc rc = check_types(q, t, err);
    int r;
    while (rc == RC_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
        for (size_t i = 0; i < ncols; i++) {
            out = sq_grow(a, out, n, &cap, sizeof *out);
            out[n++] = sqlite3_column_type(q, (int)i) == SQLITE_NULL
                           ? NULL
                           : sq_col_text(q, (int)i, a);
        }
    }
    if (rc == RC_OK && r != SQLITE_DONE) rc = sq_fail(c, err, t->name);
    sqlite3_finalize(q);
    *rows = out;
    *count = rc == RC_OK ? n / ncols : 0;
    return rc;
}

enum rc sq_table_write(struct store *st, const struct store_table *t, const char *const *rows,
                       size_t count, struct err *err)
{
    CONN(st, err);
    size_t ncols = strlen(t->types);
    struct arena a;
    arena_init(&a);
    char *sql = arena_sprintf(&a, "INSERT INTO %s (%s) VALUES (?", t->name, t->columns);
    for (size_t i = 1; i < ncols; i++) sql = arena_sprintf(&a, "%s, ?", sql);
    sql = arena_sprintf(&a, "%s)", sql);
    sqlite3_stmt *q = NULL;
    enum rc rc = sq_begin(c, err);
    if (rc == RC_OK && !(q = prepare(c, sql, err))) rc = RC_DB;
    for (size_t r = 0; rc == RC_OK && r < count; r++) {
        bind_row(q, t, rows + r * ncols, ncols);
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_fail(c, err, t->name);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    rc = sq_end(c, rc, err);
    arena_cleanup(&a);
    return rc;
}

enum rc sq_table_clear(struct store *st, const struct store_table *t, struct err *err)
{
    struct arena a;
    arena_init(&a);
    enum rc rc = run_simple(st, arena_sprintf(&a, "DELETE FROM %s", t->name), err);
    arena_cleanup(&a);
    return rc;
}

/* SQLite numbers a new row past the largest id: nothing to advance. */
enum rc sq_table_done(struct store *st, const struct store_table *t, struct err *err)
{
    (void)st, (void)t, (void)err;
    return RC_OK;
}
