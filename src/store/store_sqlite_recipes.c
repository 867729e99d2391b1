/* SQLite backend: Lead Search recipes (read-only through the API; seeded by
 * migration 005). */
#include "store/store_sqlite_int.h"

#include <string.h>

enum rq { R_LIST, R_GET, R_COUNT };

#define RECIPE_COLUMNS "code, name, template, description"

static const char *const rq_sql[R_COUNT] = {
    [R_LIST] = "SELECT " RECIPE_COLUMNS " FROM recipes ORDER BY position, code",
    [R_GET] = "SELECT " RECIPE_COLUMNS " FROM recipes WHERE code = ?1",
};

_Static_assert((int)SQ_RECIPES_BASE + (int)R_COUNT <= (int)SQ_ADS_BASE,
               "recipe statements overflow their slots");

#define Q(var_, id_)                                                                               \
    sqlite3_stmt *var_ = sq_stmt(c, SQ_RECIPES_BASE + (id_), rq_sql[id_], err);                    \
    if (!var_) return RC_DB

static void recipe_from_row(sqlite3_stmt *q, struct arena *a, struct recipe *out)
{
    *out = (struct recipe){
        .code = sq_col_text(q, 0, a),
        .name = sq_col_text(q, 1, a),
        .template = sq_col_text(q, 2, a),
        .description = sq_col_text(q, 3, a),
    };
}

enum rc sq_recipe_list(struct store *st, struct arena *a, struct recipe **out, size_t *count,
                       struct err *err)
{
    CONN(st, err);
    Q(q, R_LIST);
    size_t n = 0, cap = 0;
    struct recipe *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        recipe_from_row(q, a, &list[n++]);
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "recipes");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

enum rc sq_recipe_get(struct store *st, const char *code, struct arena *a, struct recipe *out,
                      struct err *err)
{
    CONN(st, err);
    Q(q, R_GET);
    sq_bind_text(q, 1, code);
    int r = sqlite3_step(q);
    enum rc rc = RC_OK;
    if (r == SQLITE_ROW)
        recipe_from_row(q, a, out);
    else if (r == SQLITE_DONE)
        rc = err_set(err, RC_NOT_FOUND, "no recipe %s", code);
    else
        rc = sq_fail(c, err, "recipe");
    sq_done(q);
    return rc;
}
