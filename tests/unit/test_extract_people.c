/* Names paired with addresses (extract_result.people, src/extract/people.c):
 * real-looking page shapes that pair, and names that sit near an address they
 * do not spell, which must not. */
#include "test.h"

#include "extract/extract.h"

static struct extract_result page(struct arena *a, const char *html)
{
    struct extract_result r;
    extract_page(html, strlen(html), "https://acme-tools.com/team/", a, &r);
    return r;
}

/* The name paired with email, or NULL. */
static const char *person(const struct extract_result *r, const char *email)
{
    for (size_t i = 0; i < r->people_count; i++)
        if (strcmp(r->people[i].email, email) == 0) return r->people[i].name;
    return NULL;
}

TEST(people_pair_on_one_line_and_in_table_rows)
{
    struct arena a;
    arena_init(&a);
    struct extract_result r =
        page(&a, "<p>Clara Hughes &mdash; clara.hughes@acme-tools.com</p>"
                 "<p>Questions about billing? Peter O'Neil (poneil@acme-tools.com) answers.</p>"
                 "<table><tr><th>Name</th><th>Role</th><th>Email</th></tr>"
                 "<tr><td>Mary Smith</td><td>Head of Sales</td>"
                 "<td>msmith@acme-tools.com</td></tr>"
                 "<tr><td>Tom Baker</td><td>Support</td><td>tom@acme-tools.com</td></tr>"
                 "</table>");
    CHECK_STR(person(&r, "clara.hughes@acme-tools.com"), "Clara Hughes");
    CHECK_STR(person(&r, "poneil@acme-tools.com"), "Peter O'Neil");
    CHECK_STR(person(&r, "msmith@acme-tools.com"), "Mary Smith");
    CHECK_STR(person(&r, "tom@acme-tools.com"), "Tom Baker");
    CHECK(r.people_count == 4);
    CHECK(r.emails_count == 4);
    arena_cleanup(&a);
}

TEST(people_pair_mailto_links_cards_and_accents)
{
    struct arena a;
    arena_init(&a);
    struct extract_result r = page(
        &a,
        "<ul><li><a href=\"mailto:Anna.Berg@acme-tools.com\">Anna Berg</a></li></ul>"
        "<div class=\"card\"><h3>Dr. José Müller-Lüdenscheid</h3><p>Chief Technology "
        "Officer</p><p>+49 89 1234567</p><a href=\"mailto:jose.muller-ludenscheid@acme-tools.com"
        "?subject=Hi\"><i class=\"icon\"></i> Email</a></div>"
        "<div class=\"card\"><h3>Jan van der Berg</h3><p>Sales</p>"
        "<a href=\"mailto:j.vanderberg@acme-tools.com\">Write to me</a></div>");
    CHECK_STR(person(&r, "anna.berg@acme-tools.com"), "Anna Berg");
    CHECK_STR(person(&r, "jose.muller-ludenscheid@acme-tools.com"), "José Müller-Lüdenscheid");
    CHECK_STR(person(&r, "j.vanderberg@acme-tools.com"), "Jan van der Berg");
    arena_cleanup(&a);
}

TEST(people_pair_schema_org_person)
{
    struct arena a;
    arena_init(&a);
    struct extract_result r =
        page(&a, "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
                 "\"@graph\":[{\"@type\":\"Organization\",\"name\":\"Acme Tools\","
                 "\"email\":\"info@acme-tools.com\",\"employee\":[{\"@type\":\"Person\","
                 "\"name\":\"Lena Fischer\",\"email\":\"mailto:lfischer@acme-tools.com\"},"
                 "{\"@type\":[\"Person\"],\"givenName\":\"Karl\",\"familyName\":\"Weber\","
                 "\"email\":\"karl.weber@acme-tools.com\"},{\"@type\":\"Person\",\"name\":\"Ola "
                 "Nordmann\",\"email\":\"press@acme-tools.com\"}]}]}</script>");
    CHECK_STR(person(&r, "lfischer@acme-tools.com"), "Lena Fischer");
    CHECK_STR(person(&r, "karl.weber@acme-tools.com"), "Karl Weber");
    CHECK(person(&r, "press@acme-tools.com") == NULL); /* the name does not spell it */
    CHECK(person(&r, "info@acme-tools.com") == NULL);
    CHECK(r.people_count == 2);
    arena_cleanup(&a);
}

TEST(people_near_but_unrelated_do_not_pair)
{
    struct arena a;
    arena_init(&a);
    struct extract_result r = page(
        &a, "<article><p class=\"byline\">Posted by Jane Doe</p>"
            "<p>For press enquiries write to press@acme-tools.com.</p></article>"
            "<footer><p>Contact Sales: sales@acme-tools.com</p>"
            "<p>Our founder John Smith started Acme in 1999. Mail mary.jones@acme-tools.com "
            "for jobs.</p>"
            "<p>Anna Schmidt</p><p>Technical Director</p><p>Munich office</p><p>Opening hours</p>"
            "<p>anna.schmidt@acme-tools.com</p>"
            "<p>Initials only: Jane Doe, jd@acme-tools.com</p>"
            "<p>KEEP IN TOUCH WITH ACME TOOLS NEWS TEAM - tools@acme-tools.com</p></footer>");
    CHECK(r.emails_count == 6);
    CHECK(person(&r, "press@acme-tools.com") == NULL);
    CHECK(person(&r, "sales@acme-tools.com") == NULL);        /* "Contact Sales" is no name */
    CHECK(person(&r, "mary.jones@acme-tools.com") == NULL);   /* John Smith is near, not hers */
    CHECK(person(&r, "anna.schmidt@acme-tools.com") == NULL); /* four lines away */
    CHECK(person(&r, "jd@acme-tools.com") == NULL);           /* initials alone say too little */
    CHECK(person(&r, "tools@acme-tools.com") == NULL);
    CHECK(r.people_count == 0);
    arena_cleanup(&a);
}

TEST(people_nearest_name_wins_and_merge_keeps_the_first)
{
    struct arena a;
    arena_init(&a);
    /* two people of one family: each address goes with the name beside it */
    struct extract_result r =
        page(&a, "<tr><td>Sarah Lee</td><td>slee@acme-tools.com</td></tr>"
                 "<tr><td>Simon Lee</td><td>simon.lee@acme-tools.com</td></tr>"
                 "<p>Simon Lee</p><p>slee2@acme-tools.com</p>");
    CHECK_STR(person(&r, "slee@acme-tools.com"), "Sarah Lee");
    CHECK_STR(person(&r, "simon.lee@acme-tools.com"), "Simon Lee");
    CHECK(person(&r, "slee2@acme-tools.com") == NULL); /* digits: no name spells it */
    struct extract_result other = page(&a, "<p>Sally Lee: slee@acme-tools.com, "
                                           "Bob Stone: bob.stone@acme-tools.com</p>");
    CHECK_STR(person(&other, "slee@acme-tools.com"), "Sally Lee");
    CHECK_STR(person(&other, "bob.stone@acme-tools.com"), "Bob Stone");
    extract_merge(&r, &other, &a);
    CHECK(r.people_count == 3);
    CHECK_STR(person(&r, "slee@acme-tools.com"), "Sarah Lee");
    CHECK_STR(person(&r, "bob.stone@acme-tools.com"), "Bob Stone");
    arena_cleanup(&a);
}
