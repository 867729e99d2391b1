/* Unit tests for Ad Spy's pure rules and its history store operations. */
#include "test.h"

#include "ads/ads.h"

TEST(ads_query_key_folds_case_and_whitespace)
{
    struct arena a;
    arena_init(&a);
    CHECK_STR(ads_query_key("  Marketing \t AGENCY  ", &a), "marketing agency");
    CHECK_STR(ads_query_key("Zahnarzt M\xc3\x9cNCHEN", &a), "zahnarzt m\xc3\xbcnchen");
    CHECK_STR(ads_query_key("", &a), "");
    arena_cleanup(&a);
}

TEST(ads_cost_follows_the_reference)
{
    CHECK_INT(ads_cost(0, 0), 0);
    CHECK_INT(ads_cost(3, 2), 2);
    CHECK_INT(ads_cost(7, 7), 7);
    CHECK_INT(ads_cost(8, 0), 10);
    CHECK_INT(ads_cost(15, 15), 10);
}

TEST(ads_history_upserts_on_identity)
{
    struct store *st = test_store_fresh("ads");
    CHECK(st);
    struct ad batch[2] = {
        {.domain = "acme.com", .title_key = "best ads", .title = "Best Ads", .url = "https://acme.com/a", .position = 1},
        {.domain = "beta.com", .title_key = "beta", .title = "Beta", .url = "https://beta.com/", .position = 2},
    };
    struct err err = {0};
    CHECK_INT(st->ops->ads_record(st, "q", "google", batch, 2, 1000, &err), RC_OK);
    int64_t first_id = batch[0].id;
    struct ad again = {.domain = "acme.com", .title_key = "best ads", .title = "Best ADS",
                       .url = "https://acme.com/b?utm=1", .position = 3};
    CHECK_INT(st->ops->ads_record(st, "q", "google", &again, 1, 2000, &err), RC_OK);
    CHECK_INT(again.id, first_id);
    CHECK_INT(st->ops->ads_record(st, "q", "bing", &again, 1, 3000, &err), RC_OK);
    CHECK(again.id != first_id); /* another engine, another history */
    CHECK_INT(st->ops->ads_set_contact(st, first_id, "{\"emails\":[\"a@acme.com\"]}", 2000, &err),
              RC_OK);
    struct arena a;
    arena_init(&a);
    struct ad *list;
    size_t n;
    CHECK_INT(st->ops->ads_history(st, "q", "google", &a, &list, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    CHECK_INT(list[0].id, first_id); /* most recently seen first */
    CHECK_INT(list[0].first_seen, 1000);
    CHECK_INT(list[0].last_seen, 2000);
    CHECK_STR(list[0].url, "https://acme.com/b?utm=1");
    CHECK_INT(list[0].position, 3);
    CHECK_STR(list[0].contact_data, "{\"emails\":[\"a@acme.com\"]}");
    CHECK(list[1].contact_data == NULL);
    arena_cleanup(&a);
    store_close(st);
}
