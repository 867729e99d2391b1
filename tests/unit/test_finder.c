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
