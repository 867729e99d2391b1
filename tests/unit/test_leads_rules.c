/* Unit tests for domain/leads: lead email syntax and name derivation. */
#include "test.h"

#include "leads/leads.h"

TEST(lead_email_accepts_real_addresses)
{
    static const char *const good[] = {"john@example.com", "john.doe+tag@sub.example.co.uk",
                                       "a_b-c@x-y.io", "o'brien@irish.ie", "x@xn--bcher-kva.de"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) CHECK(lead_email_valid(good[i]));
}

TEST(lead_email_rejects_malformed_addresses)
{
    static const char *const bad[] = {"",
                                      "plain",
                                      "@example.com",
                                      "john@",
                                      "john@localhost",
                                      "john@@example.com",
                                      "jo hn@example.com",
                                      ".john@example.com",
                                      "john.@example.com",
                                      "jo..hn@example.com",
                                      "john@-example.com",
                                      "john@example-.com",
                                      "john@example..com",
                                      "john@example.c",
                                      "john@example.123",
                                      "john@exa_mple.com",
                                      "\"quoted\"@example.com",
                                      "john@[127.0.0.1]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (lead_email_valid(bad[i])) fprintf(stderr, "    accepted: %s\n", bad[i]);
        CHECK(!lead_email_valid(bad[i]));
    }
    char long_local[80] = {0};
    memset(long_local, 'a', 65);
    strcat(long_local, "@x.com");
    CHECK(!lead_email_valid(long_local));
}

static void names(const char *email, const char **first, const char **last, struct arena *a)
{
    lead_names_from_email(email, a, first, last);
}

TEST(names_come_from_the_local_part)
{
    struct arena a;
    arena_init(&a);
    const char *f, *l;
    names("john.doe@x.com", &f, &l, &a);
    CHECK_STR(f, "John");
    CHECK_STR(l, "Doe");
    names("JOHN_DOE@x.com", &f, &l, &a);
    CHECK_STR(f, "John");
    CHECK_STR(l, "Doe");
    names("mary-ann.smith@x.com", &f, &l, &a);
    CHECK_STR(f, "Mary");
    CHECK_STR(l, "Smith");
    names("john@x.com", &f, &l, &a);
    CHECK_STR(f, "John");
    CHECK_STR(l, "");
    arena_cleanup(&a);
}

TEST(names_are_not_invented_for_role_or_numeric_mailboxes)
{
    struct arena a;
    arena_init(&a);
    const char *f, *l;
    static const char *const none[] = {"info@x.com",  "sales@x.com", "no-reply@x.com",
                                       "j@x.com",     "john2@x.com", "sales.team@x.com",
                                       "a.b.c.d@x.com", "123@x.com"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        names(none[i], &f, &l, &a);
        if (*f || *l) fprintf(stderr, "    %s gave '%s' '%s'\n", none[i], f, l);
        CHECK_STR(f, "");
        CHECK_STR(l, "");
    }
    arena_cleanup(&a);
}
