/* Domain search (finder/domainsearch.h) and the email sightings it reads:
 * the provider table, the price, the store on both backends, recording the
 * addresses of public answers, and a whole answer without DNS. */
#include "test.h"

#include "base/clock.h"
#include "core/cache.h"
#include "finder/domainsearch.h"
#include "finder/finder.h"

TEST(domainsearch_mail_provider_from_the_preferred_mx)
{
    struct dns_mx google[] = {{"aspmx.l.google.com", 1}, {"alt1.aspmx.l.google.com", 5}};
    struct dns_mx ms[] = {{"acme-com.mail.protection.outlook.com", 0}};
    struct dns_mx gateway[] = {{"mx1.mimecast.com", 10}, {"aspmx.l.google.com", 20}};
    struct dns_mx lookalike[] = {{"mail.notgoogle.com", 10}};
    struct dns_mx null_mx[] = {{"", 0}};
    CHECK_STR(domainsearch_mail_provider(google, 2), "Google Workspace");
    CHECK_STR(domainsearch_mail_provider(ms, 1), "Microsoft 365");
    CHECK_STR(domainsearch_mail_provider(gateway, 2), "other");
    CHECK_STR(domainsearch_mail_provider(lookalike, 1), "other");
    CHECK(domainsearch_mail_provider(null_mx, 1) == NULL);
    CHECK(domainsearch_mail_provider(NULL, 0) == NULL);
}

TEST(domainsearch_costs_a_credit_per_ten_addresses)
{
    CHECK_INT(domainsearch_cost(0), 0);
    CHECK_INT(domainsearch_cost(1), 1);
    CHECK_INT(domainsearch_cost(10), 1);
    CHECK_INT(domainsearch_cost(11), 2);
    CHECK_INT(domainsearch_cost(DOMAINSEARCH_EMAILS_MAX), 10);
}

TEST(sightings_keep_the_first_and_last_time_per_address_and_page)
{
    struct store *st = test_store_fresh("sightings");
    CHECK(st);
    struct email_sighting rows[] = {
        {.email = "jane.doe@acme.com", .domain = "acme.com", .source = "https://acme.com/team"},
        {.email = "bob@beta.com", .domain = "beta.com", .source = "https://beta.com/"},
    };
    struct err err = {0};
    CHECK_INT(st->ops->sightings_record(st, rows, 2, 1000, &err), RC_OK);
    struct email_sighting later[] = {
        {.email = "jane.doe@acme.com", .domain = "acme.com", .source = "https://acme.com/team"},
        {.email = "jane.doe@acme.com", .domain = "acme.com", .source = "https://news.example/x"},
        {.email = "al@acme.com", .domain = "acme.com", .source = "https://acme.com/"},
    };
    CHECK_INT(st->ops->sightings_record(st, later, 3, 2000, &err), RC_OK);
    struct arena a;
    arena_init(&a);
    struct email_sighting *got;
    size_t n;
    CHECK_INT(st->ops->sightings_of_domain(st, "acme.com", 10, &a, &got, &n, &err), RC_OK);
    CHECK_INT(n, 3);
    CHECK_STR(got[0].email, "al@acme.com");
    CHECK_STR(got[1].email, "jane.doe@acme.com");
    CHECK_STR(got[1].source, "https://acme.com/team");
    CHECK_INT(got[1].first_seen, 1000);
    CHECK_INT(got[1].last_seen, 2000);
    CHECK_STR(got[2].source, "https://news.example/x");
    CHECK_INT(got[2].first_seen, 2000);
    CHECK_INT(st->ops->sightings_of_domain(st, "acme.com", 1, &a, &got, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    CHECK_INT(st->ops->sightings_of_domain(st, "nobody.com", 10, &a, &got, &n, &err), RC_OK);
    CHECK_INT(n, 0);
    arena_cleanup(&a);
    store_close(st);
}

TEST(sightings_recorded_from_public_answers)
{
    struct store *st = test_store_fresh("sightings_answers");
    CHECK(st);
    json_t *crawl = json_pack("{s:s, s:[s, s, s]}", "domain", "https://acme.com/", "emails",
                              "Jane.Doe@ACME.com", "not-an-address", "x@other.org");
    json_t *search =
        json_pack("{s:[{s:s, s:[s]}, {s:[s]}]}", "results", "url", "https://dir.example/acme",
                  "emails", "tom@acme.com", "emails", "nourl@acme.com");
    json_t *contact = json_pack("{s:[s]}", "emails", "ads@acme.com");
    finder_record_sightings(st, "crawl", crawl, NULL);
    finder_record_sightings(st, "search", search, NULL);
    finder_record_sightings(st, "ad", contact, "https://acme.com/landing");
    json_decref(crawl);
    json_decref(search);
    json_decref(contact);
    struct arena a;
    arena_init(&a);
    struct email_sighting *got;
    size_t n;
    struct err err = {0};
    CHECK_INT(st->ops->sightings_of_domain(st, "acme.com", 10, &a, &got, &n, &err), RC_OK);
    CHECK_INT(n, 3); /* an address without a page is not kept */
    CHECK_STR(got[0].email, "ads@acme.com");
    CHECK_STR(got[0].source, "https://acme.com/landing");
    CHECK_STR(got[1].email, "jane.doe@acme.com");
    CHECK_STR(got[1].source, "https://acme.com/");
    CHECK_STR(got[2].email, "tom@acme.com");
    CHECK_STR(got[2].source, "https://dir.example/acme");
    CHECK_INT(st->ops->sightings_of_domain(st, "other.org", 10, &a, &got, &n, &err), RC_OK);
    CHECK_INT(n, 1);
    arena_cleanup(&a);
    store_close(st);
}

static void put_verified(struct store *st, const char *email, const char *status, bool catch_all)
{
    struct arena a;
    arena_init(&a);
    json_t *r = json_pack("{s:s, s:s, s:{s:b}}", "email", email, "status", status, "checks",
                          "catch_all", catch_all);
    struct err err = {0};
    cache_put(st, verify_cache_key(email, &a), "verify", r, 3600, &err);
    json_decref(r);
    arena_cleanup(&a);
}

TEST(domainsearch_answer_from_sightings_and_cached_verifications)
{
    struct store *st = test_store_fresh("domainsearch");
    CHECK(st);
    struct email_sighting rows[] = {
        {.email = "jane.doe@acme.com", .domain = "acme.com", .source = "https://acme.com/team"},
        {.email = "jane.doe@acme.com", .domain = "acme.com", .source = "https://dir.example/"},
        {.email = "tom.jones@acme.com", .domain = "acme.com", .source = "https://acme.com/team"},
        {.email = "msmith@acme.com", .domain = "acme.com", .source = "https://acme.com/team"},
        {.email = "info@acme.com", .domain = "acme.com", .source = "https://acme.com/"},
    };
    struct err err = {0};
    CHECK_INT(st->ops->sightings_record(st, rows, 4, 1000, &err), RC_OK);
    CHECK_INT(st->ops->sightings_record(st, rows + 4, 1, 500, &err), RC_OK);
    put_verified(st, "Jane.Doe@acme.com", "valid", false);
    /* no DNS answers: a closed port and no time */
    struct verify_options vopt = {.dns = {.servers = "127.0.0.1:9", .timeout_ms = 1, .tries = 1}};
    struct domainsearch_query q = {.domain = "acme.com", .crawl = false};
    struct arena a;
    arena_init(&a);
    json_t *data = NULL;
    int64_t cost = -1;
    CHECK_INT(domainsearch_run(st, &q, &vopt, &a, &data, &cost, &err), RC_OK);
    CHECK_INT(cost, 1);
    json_t *emails = json_object_get(data, "emails");
    CHECK_INT(json_array_size(emails), 4);
    json_t *first = json_array_get(emails, 0); /* the most pages first */
    CHECK_STR(json_string_value(json_object_get(first, "email")), "jane.doe@acme.com");
    CHECK_INT(json_array_size(json_object_get(first, "sources")), 2);
    CHECK_STR(json_string_value(json_object_get(first, "verification")), "valid");
    char when[20];
    clock_format(1000, when);
    CHECK_STR(json_string_value(json_object_get(first, "first_seen")), when);
    json_t *second = json_array_get(emails, 1); /* then the earliest seen */
    CHECK_STR(json_string_value(json_object_get(second, "email")), "info@acme.com");
    CHECK(json_is_null(json_object_get(second, "verification")));
    CHECK_STR(json_string_value(json_object_get(data, "pattern")), "{first}.{last}");
    CHECK_INT(json_integer_value(json_object_get(data, "pattern_share")), 66); /* 2 of 3 */
    CHECK(json_is_false(json_object_get(data, "catch_all")));
    CHECK(json_is_false(json_object_get(data, "crawled")));
    CHECK(json_is_null(json_object_get(data, "mail_provider")));
    CHECK(json_is_null(json_object_get(data, "spf")));
    json_decref(data);

    q.domain = "nobody.com"; /* nothing known and no crawl: free */
    CHECK_INT(domainsearch_run(st, &q, &vopt, &a, &data, &cost, &err), RC_OK);
    CHECK_INT(cost, 0);
    CHECK_INT(json_array_size(json_object_get(data, "emails")), 0);
    CHECK(json_is_null(json_object_get(data, "pattern")));
    CHECK(json_is_null(json_object_get(data, "catch_all")));
    json_decref(data);
    arena_cleanup(&a);
    store_close(st);
}
