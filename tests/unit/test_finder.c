/* The email finder's pure parts (finder/finder.h): names, patterns, ranking. */
#include "test.h"

#include "finder/finder.h"

static const char *top(const char *const *locals, size_t n, int *count, size_t *classified) {
    size_t np;
    const struct finder_pattern *t = finder_patterns(&np);
    struct finder_rank r[32];
    *classified = finder_rank_patterns(locals, n, r);
    *count = r[0].count;
    return t[r[0].pattern].name;
}

TEST(finder_names_to_ascii) {
    struct arena a;
    arena_init(&a);
    CHECK_STR(finder_name_ascii("José", &a), "jose");
    CHECK_STR(finder_name_ascii("Müller-Lüdenscheid", &a), "muller-ludenscheid");
    CHECK_STR(finder_name_ascii("  O'Brien ", &a), "obrien");
    CHECK_STR(finder_name_ascii("van der Berg", &a), "vanderberg");
    CHECK_STR(finder_name_ascii("Łukasz", &a), "lukasz");
    CHECK_STR(finder_name_ascii("Strauß", &a), "strauss");
    CHECK_STR(finder_name_ascii("-Anne--Marie-", &a), "anne-marie");
    CHECK(finder_name_ascii("李", &a) == NULL);
    CHECK(finder_name_ascii("--", &a) == NULL);
    struct finder_name jose = {.first = "jose", .last = "muller-ludenscheid"};
    CHECK_STR(finder_render("{first}.{last}", &jose, &a), "jose.muller-ludenscheid");
    CHECK_STR(finder_render("{f}{last}", &jose, &a), "jmuller-ludenscheid");
    CHECK_STR(finder_render("{first}{l}", &jose, &a), "josem");
    CHECK(finder_render("{first}.{m}.{last}", &jose, &a) == NULL);
    jose.middle = "maria";
    CHECK_STR(finder_render("{first}.{m}.{last}", &jose, &a), "jose.m.muller-ludenscheid");
    arena_cleanup(&a);
}

TEST(finder_classifies_address_shapes) {
    static const struct {
        const char *local, *pattern;
    } cases[] = {
        {"jane.doe", "{first}.{last}"},
        {"doe.jane", "{last}.{first}"},
        {"jdoe", "{f}{last}"},
        {"j.doe", "{f}.{last}"},
        {"jane", "{first}"},
        {"janedoe", "{first}{last}"},
        {"janed", "{first}{l}"},
        {"jane_doe", "{first}_{last}"},
        {"jane-doe", "{first}-{last}"},
        {"jane.m.doe", "{first}.{m}.{last}"},
        {"info", NULL},
        {"sales", NULL},
        {"abc", NULL},
        {"user42", NULL},
        {"a.b.c.d", NULL},
        {"", NULL},
    };
    size_t np;
    const struct finder_pattern *t = finder_patterns(&np);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int p = finder_classify(cases[i].local);
        if (!cases[i].pattern) {
            CHECK(p < 0);
            continue;
        }
        CHECK(p >= 0);
        CHECK_STR(t[p].name, cases[i].pattern);
    }
}

TEST(finder_ranking_ties_and_thin_evidence) {
    int count;
    size_t classified;
    /* no evidence: the prior order */
    CHECK_STR(top(NULL, 0, &count, &classified), "{first}.{last}");
    CHECK(count == 0 && classified == 0);
    /* evidence wins over the prior */
    const char *const fl[] = {"jdoe", "msmith", "info", "tom.jones"};
    CHECK_STR(top(fl, 4, &count, &classified), "{f}{last}");
    CHECK(count == 2 && classified == 3);
    /* a tie goes to the more common pattern */
    const char *const tie[] = {"jdoe", "mary.smith"};
    CHECK_STR(top(tie, 2, &count, &classified), "{first}.{last}");
    const char *const tie2[] = {"jane_doe", "peter"};
    CHECK_STR(top(tie2, 2, &count, &classified), "{first}");
    /* confidence: thin evidence is damped, a catch-all never reaches 100 */
    CHECK(finder_confidence(1, 1, FINDER_VERIFIED) < finder_confidence(3, 3, FINDER_VERIFIED));
    CHECK(finder_confidence(3, 3, FINDER_VERIFIED) == 99);
    CHECK(finder_confidence(0, 0, FINDER_VERIFIED) == 90);
    CHECK(finder_confidence(10, 10, FINDER_CATCH_ALL) == 80);
    CHECK(finder_confidence(1, 1, FINDER_CATCH_ALL) < finder_confidence(2, 4, FINDER_CATCH_ALL) ||
          finder_confidence(1, 1, FINDER_CATCH_ALL) == 33);
    CHECK(finder_confidence(0, 0, FINDER_UNVERIFIED) == 5);
}

static const char *pattern_name(int p) {
    size_t np;
    return p >= 0 ? finder_patterns(&np)[p].name : "(none)";
}

TEST(finder_reads_the_pattern_of_a_name_pairing) {
    struct arena a;
    arena_init(&a);
    CHECK_STR(pattern_name(finder_pair_pattern("Clara Hughes", "clara.hughes", &a)),
              "{first}.{last}");
    CHECK_STR(pattern_name(finder_pair_pattern("Clara Hughes", "clara", &a)), "{first}");
    CHECK_STR(pattern_name(finder_pair_pattern("Clara Hughes", "hughes.clara", &a)),
              "{last}.{first}");
    /* the shape alone reads {f}{last} here: the name says otherwise */
    CHECK_STR(pattern_name(finder_classify("xiomaraq")), "{f}{last}");
    CHECK_STR(pattern_name(finder_pair_pattern("Xiomara Quist", "xiomaraq", &a)), "{first}{l}");
    CHECK_STR(pattern_name(finder_pair_pattern("José Müller-Lüdenscheid",
                                               "jose.muller-ludenscheid", &a)),
              "{first}.{last}");
    CHECK_STR(pattern_name(finder_pair_pattern("José Müller-Lüdenscheid", "jmuller", &a)),
              "{f}{last}");
    CHECK_STR(pattern_name(finder_pair_pattern("Jan van der Berg", "j.vanderberg", &a)),
              "{f}.{last}");
    CHECK_STR(pattern_name(finder_pair_pattern("Jane A. Doe", "jane.a.doe", &a)),
              "{first}.{m}.{last}");
    CHECK_STR(pattern_name(finder_pair_pattern("Dr. Peter O'Neil", "poneil", &a)), "{f}{last}");
    CHECK(finder_pair_pattern("Clara Hughes", "info", &a) < 0);
    CHECK(finder_pair_pattern("Clara", "clara", &a) < 0); /* one word is no full name */
    CHECK(finder_pair_pattern("", "clara", &a) < 0);
    CHECK(finder_pair_pattern(NULL, "clara", &a) < 0);
    arena_cleanup(&a);
}

static const char *top_samples(const struct finder_sample *s, size_t n, struct finder_rank *r,
                               int *total) {
    *total = finder_rank_samples(s, n, r);
    return pattern_name(r[0].pattern);
}

TEST(finder_ranking_weighs_a_pairing_above_bare_addresses) {
    struct finder_rank r[32];
    int total;
    size_t np;
    const struct finder_pattern *t = finder_patterns(&np);
    int first_l = -1;
    for (size_t i = 0; i < np; i++)
        if (strcmp(t[i].name, "{first}{l}") == 0) first_l = (int)i;
    /* one pairing beats two addresses read by shape */
    const struct finder_sample one_pair[] = {
        {"jdoe", -1}, {"msmith", -1}, {"xiomaraq", first_l}, {"info", -1}};
    CHECK_STR(top_samples(one_pair, 4, r, &total), "{first}{l}");
    CHECK(r[0].count == 1 && r[0].paired == 1 && r[0].weight == FINDER_WEIGHT_PAIRED);
    CHECK_STR(t[r[1].pattern].name, "{f}{last}");
    CHECK(r[1].count == 2 && r[1].weight == 2 && total == 5);
    /* the same address seen bare is read by its shape instead */
    const struct finder_sample bare[] = {
        {"jdoe", -1}, {"msmith", -1}, {"xiomaraq", -1}};
    CHECK_STR(top_samples(bare, 3, r, &total), "{f}{last}");
    CHECK(r[0].count == 3 && total == 3);
    /* a tie in weight goes to the pattern with the pairing, not to the prior */
    const struct finder_sample tie[] = {{"jdoe", -1},    {"msmith", -1},
                                        {"tgreen", -1},  {"xiomaraq", first_l},
                                        {"peter", -1}};
    CHECK_STR(top_samples(tie, 5, r, &total), "{first}{l}");
    CHECK(r[0].weight == 3 && r[1].weight == 3 && r[1].paired == 0);
    /* thin evidence: a single pairing alone decides, at full strength */
    const struct finder_sample single[] = {{"xiomaraq", first_l}};
    CHECK_STR(top_samples(single, 1, r, &total), "{first}{l}");
    CHECK(finder_confidence(r[0].weight, (size_t)total, FINDER_VERIFIED) == 99);
    CHECK(finder_confidence(1, 1, FINDER_VERIFIED) <
          finder_confidence(r[0].weight, (size_t)total, FINDER_VERIFIED));
    /* an out-of-range pairing is ignored rather than trusted; nothing at all: the prior */
    const struct finder_sample junk[] = {{"info", 999}, {"sales", -1}};
    CHECK_STR(top_samples(junk, 2, r, &total), "{first}.{last}");
    CHECK(total == 0 && r[0].weight == 0);
    CHECK_STR(top_samples(NULL, 0, r, &total), "{first}.{last}");
}

TEST(finder_records_a_crawls_name_pairings_with_their_page) {
    struct store *st = test_store_fresh("sighting_people");
    CHECK(st);
    struct crawl_person people[] = {
        {"Clara Hughes", "clara.hughes@acme.com", "https://acme.com/team"},
        {"Gone Person", "gone.person@acme.com", "https://acme.com/team"}, /* erased */
        {"Tom Baker", "tom@acme.com", "https://acme.com/about"},
    };
    struct crawl_result r = {.people = people, .people_count = 3};
    /* the answer as crawl.php keeps it: an erased address has left all_emails */
    json_t *data = json_pack("{s:s, s:[s, s], s:[s, s]}", "domain", "https://acme.com/",
                             "emails", "clara.hughes@acme.com", "tom@acme.com", "all_emails",
                             "clara.hughes@acme.com", "tom@acme.com");
    finder_record_sightings(st, "crawl", data, NULL);
    finder_record_people(st, &r, data);
    /* a later bare sighting of the same page keeps the name */
    struct err err = {0};
    struct email_sighting bare = {.email = "tom@acme.com", .domain = "acme.com",
                                  .source = "https://acme.com/about"};
    CHECK_INT(st->ops->sightings_record(st, &bare, 1, 5000, &err), RC_OK);
    json_decref(data);
    struct arena a;
    arena_init(&a);
    struct email_sighting *got;
    size_t n;
    CHECK_INT(st->ops->sightings_of_domain(st, "acme.com", 10, &a, &got, &n, &err), RC_OK);
    CHECK_INT(n, 4);
    CHECK_STR(got[0].email, "clara.hughes@acme.com"); /* the crawl's own row, no name */
    CHECK_STR(got[0].source, "https://acme.com/");
    CHECK_STR(got[0].person, "");
    CHECK_STR(got[1].source, "https://acme.com/team");
    CHECK_STR(got[1].person, "Clara Hughes");
    CHECK_STR(got[2].email, "tom@acme.com");
    CHECK_STR(got[2].source, "https://acme.com/");
    CHECK_STR(got[3].source, "https://acme.com/about");
    CHECK_STR(got[3].person, "Tom Baker");
    CHECK_INT(got[3].last_seen, 5000);
    arena_cleanup(&a);
    store_close(st);
}
