/* store copy's table list (store_copy.c) names every table and column of the
 * schema, so a migration that adds one cannot leave it behind unnoticed. The
 * schema is read from a fresh SQLite store; PostgreSQL's migrations create the
 * same tables and columns (the e2e copy test compares the two). */
#include "test.h"

#include "store/store_int.h"

#include <sqlite3.h>

/* Tables kept by triggers as the rows they count arrive: not copied. */
static const char *const derived[] = {"campaign_counts", "schema_migrations"};

static bool is_derived(const char *name)
{
    for (size_t i = 0; i < sizeof derived / sizeof derived[0]; i++)
        if (strcmp(derived[i], name) == 0) return true;
    return false;
}

static const struct store_table *listed(const char *name)
{
    size_t n;
    const struct store_table *t = store_copy_tables(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0) return &t[i];
    return NULL;
}

/* The table's columns as "a, b, c", in schema order. */
static void schema_columns(sqlite3 *db, const char *table, char *out, size_t size)
{
    char sql[200];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    sqlite3_stmt *q = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) return;
    size_t len = 0;
    while (sqlite3_step(q) == SQLITE_ROW && len < size)
        len += (size_t)snprintf(out + len, size - len, "%s%s", len ? ", " : "",
                                (const char *)sqlite3_column_text(q, 1));
    sqlite3_finalize(q);
}

/* Whether the comma-separated list holds the name p[0..n). */
static bool list_has(const char *list, const char *p, size_t n)
{
    for (const char *q = list; *q;) {
        while (*q == ' ' || *q == ',') q++;
        size_t m = strcspn(q, ",");
        while (m > 0 && q[m - 1] == ' ') m--;
        if (m == n && strncmp(q, p, n) == 0) return true;
        q += strcspn(q, ",");
    }
    return false;
}

/* The same set of names, whatever the order ("a, b" and "b, a"). */
static bool same_columns(const char *a, const char *b)
{
    size_t count_a = 1, count_b = 1;
    for (const char *p = a; *p; p++) count_a += *p == ',';
    for (const char *p = b; *p; p++) count_b += *p == ',';
    if (count_a != count_b) return false;
    for (const char *p = a; *p;) {
        while (*p == ' ' || *p == ',') p++;
        size_t n = strcspn(p, ",");
        while (n > 0 && p[n - 1] == ' ') n--;
        if (n && !list_has(b, p, n)) return false;
        p += strcspn(p, ",");
    }
    return true;
}

TEST(store_copy_lists_every_table_and_column_of_the_schema)
{
    char path[600];
    snprintf(path, sizeof path, "%s/copylist.db", test_tmpdir());
    struct err err = {0};
    struct store *st = store_open(path, &err);
    CHECK(st);
    store_close(st);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_prepare_v2(db,
                             "SELECT name FROM sqlite_master WHERE type = 'table' "
                             "AND name NOT LIKE 'sqlite_%' ORDER BY name",
                             -1, &q, NULL) == SQLITE_OK);
    bool ok = true;
    size_t tables = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (is_derived(name)) continue;
        tables++;
        const struct store_table *t = listed(name);
        char columns[4096];
        schema_columns(db, name, columns, sizeof columns);
        if (!t) {
            fprintf(stderr, "    table %s is not in store_copy.c's list\n", name);
            ok = false;
        } else if (!same_columns(t->columns, columns)) {
            fprintf(stderr, "    %s: the list has (%s), the schema (%s)\n", name, t->columns,
                    columns);
            ok = false;
        }
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    size_t n;
    store_copy_tables(&n);
    CHECK_INT(tables, n); /* and the list names no table the schema lacks */
    CHECK(ok);
}
