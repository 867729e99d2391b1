/* store_copy between two fresh stores of the backend under test: rows,
 * ids, NULLs and awkward text arrive unchanged, new ids continue past the
 * copied ones, and a non-empty target is refused with nothing written.
 * (SQLite <-> PostgreSQL is the e2e test test_store_copy.) */
#include "test.h"

#include "store/store.h"

static int64_t rows_of(const struct store_copy_count *counts, size_t n, const char *table)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(counts[i].table, table) == 0) return counts[i].rows;
    return -1;
}

TEST(store_copy_keeps_rows_ids_and_text_and_refuses_a_full_target)
{
    struct store *from = test_store_fresh("copy_from"), *to = test_store_fresh("copy_to");
    CHECK(from && to);
    struct err err = {0};
    struct arena a;
    arena_init(&a);
    int64_t u1, u2, p, gone;
    CHECK(from->ops->user_create(from, "one@copy.test", 5, "hash-one", &u1, &err) == RC_OK);
    CHECK(from->ops->user_create(from, "two@copy.test", 7, "hash-two", &u2, &err) == RC_OK);
    CHECK(from->ops->project_create(from, u2, "Zoë\ttab\nline \\ back", 100, &gone, &err) ==
          RC_OK);
    CHECK(from->ops->project_create(from, u2, "second", 101, &p, &err) == RC_OK);
    struct lead leads[] = {{.email = "a@x.test", .firstname = "A", .lastname = "", .company = "",
                            .website = "", .phones = "", .description = "multi\nline"},
                           {.email = "b@x.test", .firstname = "", .lastname = "", .company = "",
                            .website = "", .phones = "", .description = ""}};
    struct leads_added added;
    CHECK(from->ops->leads_add(from, u2, p, leads, 2, 102, &added, &err) == RC_OK);
    CHECK(from->ops->cache_put(from, "k1", "crawl", "{\"a\":\"\\u00e9\"}", 999, &err) == RC_OK);

    struct store_copy_count *counts;
    size_t n;
    CHECK(store_copy(from, to, NULL, NULL, &a, &counts, &n, &err) == RC_OK);
    CHECK(n >= 15);
    CHECK_INT(rows_of(counts, n, "users"), 2);
    CHECK_INT(rows_of(counts, n, "projects"), 2);
    CHECK_INT(rows_of(counts, n, "leads"), 2);
    CHECK_INT(rows_of(counts, n, "cache"), 1);
    CHECK_INT(rows_of(counts, n, "recipes"), 14);

    struct project got;
    CHECK(to->ops->project_get(to, u2, gone, &a, &got, &err) == RC_OK);
    CHECK_STR(got.name, "Zoë\ttab\nline \\ back");
    struct lead *list;
    size_t count;
    int64_t total;
    CHECK(to->ops->leads_list(to, u2, p, 10, 0, &a, &list, &count, &total, &err) == RC_OK);
    CHECK_INT(count, 2);
    CHECK_STR(list[0].description, "multi\nline");
    char *body;
    CHECK(to->ops->cache_get(to, "k1", 5, &a, &body, &err) == RC_OK);
    CHECK_STR(body, "{\"a\":\"\\u00e9\"}");
    struct key_owner owner;
    CHECK(to->ops->key_lookup(to, "hash-two", &owner, &err) == RC_OK);
    CHECK_INT(owner.user_id, u2);
    int64_t balance;
    CHECK(to->ops->credits_balance(to, u2, &balance, &err) == RC_OK);
    CHECK_INT(balance, 7);

    int64_t next;
    CHECK(to->ops->project_create(to, u1, "after", 103, &next, &err) == RC_OK);
    CHECK(next > p);

    struct err refused = {0};
    CHECK(store_copy(from, to, NULL, NULL, &a, &counts, &n, &refused) == RC_CONFLICT);
    CHECK(strstr(refused.msg, "not empty") != NULL);
    CHECK_INT(n, 0);
    arena_cleanup(&a);
    store_close(to);
    store_close(from);
}
