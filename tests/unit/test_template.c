/* Unit tests for campaign/template: spintax, merge fields, escapes, errors,
 * and the uniformity of option choice. */
#include "test.h"

#include "campaign/template.h"

#include <math.h>
#include <stdlib.h>

static char rendered[4096];

static const char *render(const char *text, const struct tpl_vars *vars, uint64_t seed)
{
    struct buf out;
    buf_init(&out, 0);
    char why[256];
    uint64_t rng = seed;
    if (!tpl_render(text, vars, &rng, &out, why, sizeof why)) snprintf(rendered, sizeof rendered, "ERROR: %s", why);
    else snprintf(rendered, sizeof rendered, "%s", out.data ? out.data : "");
    buf_free(&out);
    return rendered;
}

TEST(template_valid_forms)
{
    static const char *const ok[] = {
        "plain text, no braces",
        "{Hi|Hello|Hey} {{firstname|there}},",
        "{a|{b|{c|d}}|e}",
        "{{ company }} and {{Company}}",
        "Escaped \\{not spintax\\} and a \\| bar",
        "Top-level | bar is text",
        "{single}",
        "{|empty first}",
        "{{description|a fallback with spaces, commas}}",
    };
    char why[256];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        bool valid = tpl_validate(ok[i], why, sizeof why);
        if (!valid) fprintf(stderr, "    %s -> %s\n", ok[i], why);
        CHECK(valid);
    }
}

TEST(template_invalid_forms_say_where)
{
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{Hi|Hello", "unbalanced '{' at character 1"},
        {"Hello}", "unexpected '}' at character 6"},
        {"{a|{b|c}", "unbalanced '{' at character 1"},
        {"Hi {{firstname", "unterminated merge field at character 4"},
        {"Hi {{first_name}}", "unknown merge field '{{first_name}}'"},
        {"Hi {{}}", "empty merge field"},
        {"Hi {{ |x}}", "empty merge field"},
    };
    char why[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!tpl_validate(bad[i].text, why, sizeof why));
        if (!strstr(why, bad[i].want)) fprintf(stderr, "    %s -> %s\n", bad[i].text, why);
        CHECK(strstr(why, bad[i].want) != NULL);
    }
    char deep[200] = {0};
    for (int i = 0; i < 40; i++) strcat(deep, "{a|");
    CHECK(!tpl_validate(deep, why, sizeof why));
    CHECK(strstr(why, "deeper") != NULL);
}

TEST(template_merge_fields_and_fallbacks)
{
    struct tpl_vars vars = {{0}};
    vars.values[TPL_FIRSTNAME] = "Ada";
    vars.values[TPL_COMPANY] = "";
    CHECK_STR(render("Hi {{firstname|there}}, {{company|your team}}!", &vars, 1),
              "Hi Ada, your team!");
    CHECK_STR(render("Hi {{lastname}}.", &vars, 1), "Hi .");
    CHECK_STR(render("Hi {{ FIRSTNAME }}", &vars, 1), "Hi Ada");
    CHECK_STR(render("\\{x\\|y\\} \\\\ \\n", NULL, 1), "{x|y} \\ \\n");
    CHECK_STR(render("{only}", NULL, 7), "only");
    CHECK(strncmp(render("{a|b", NULL, 1), "ERROR", 5) == 0);
}

TEST(template_nested_choice_yields_only_real_options)
{
    for (uint64_t seed = 1; seed < 200; seed++) {
        const char *r = render("{a|{b|c}|d{e|f}}", NULL, seed);
        bool known = !strcmp(r, "a") || !strcmp(r, "b") || !strcmp(r, "c") || !strcmp(r, "de") ||
                     !strcmp(r, "df");
        if (!known) fprintf(stderr, "    seed %llu gave %s\n", (unsigned long long)seed, r);
        CHECK(known);
    }
}

TEST(template_options_are_equally_likely)
{
    /* chi-square over 4 options, 40000 draws, fixed seed: 3 degrees of freedom,
     * 16.27 is the 0.001 critical value */
    enum { DRAWS = 40000 };
    int counts[4] = {0};
    uint64_t rng = 12345;
    for (int i = 0; i < DRAWS; i++) {
        struct buf out;
        buf_init(&out, 0);
        CHECK(tpl_render("{0|1|2|3}", NULL, &rng, &out, NULL, 0));
        counts[out.data[0] - '0']++;
        buf_free(&out);
    }
    double expected = DRAWS / 4.0, chi = 0;
    for (int k = 0; k < 4; k++) chi += (counts[k] - expected) * (counts[k] - expected) / expected;
    if (chi >= 16.27) fprintf(stderr, "    counts %d %d %d %d chi %.2f\n", counts[0], counts[1], counts[2], counts[3], chi);
    CHECK(chi < 16.27);
    CHECK(counts[0] > 0 && counts[3] > 0);
}
