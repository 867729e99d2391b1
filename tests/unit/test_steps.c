/* Unit tests for campaign/steps (step validation, HTML safety) and the AI
 * user-prompt template. */
#include "test.h"

#include "ai/ai.h"
#include "campaign/steps.h"

#include <stdlib.h>

static bool valid(const char *json_text, size_t expected, bool safe, char *why)
{
    json_t *steps = json_loads(json_text, 0, NULL);
    bool ok = steps_validate(steps, expected, safe, why, 256);
    json_decref(steps);
    return ok;
}

TEST(steps_accept_a_good_sequence)
{
    char why[256];
    CHECK(valid("[{\"subject\":\"{Hi|Hello} {{firstname|there}}\",\"body\":\"<p>x</p>\","
                "\"delay_days\":0},{\"subject\":\"Re: hi\",\"body\":\"<p>y</p>\",\"delay_days\":3}]",
                2, true, why));
}

/* README: integers may be decimal strings; the first step's delay can only be 0. */
TEST(steps_take_delay_days_as_a_string_and_default_the_first_to_zero)
{
    char why[256];
    json_t *steps = json_loads("[{\"subject\":\"s\",\"body\":\"b\"},"
                               "{\"subject\":\"t\",\"body\":\"c\",\"delay_days\":\"3\"}]",
                               0, NULL);
    CHECK(steps_validate(steps, 0, false, why, sizeof why));
    char *text = json_dumps(steps, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(text, "[{\"body\":\"b\",\"delay_days\":0,\"subject\":\"s\"},"
                    "{\"body\":\"c\",\"delay_days\":3,\"subject\":\"t\"}]");
    free(text);
    json_decref(steps);
}

TEST(steps_reject_with_a_message_naming_step_and_field)
{
    static const struct {
        const char *json, *want;
    } bad[] = {
        {"[]", "at least one step"},
        {"{}", "steps must be an array"},
        {"[1]", "steps[0] must be an object"},
        {"[{\"subject\":\"\",\"body\":\"b\",\"delay_days\":0}]", "steps[0].subject must be"},
        {"[{\"subject\":\"s\",\"delay_days\":0}]", "steps[0].body must be"},
        {"[{\"subject\":\"s\",\"body\":\"b\",\"delay_days\":1}]", "steps[0].delay_days must be 0"},
        {"[{\"subject\":\"s\",\"body\":\"b\",\"delay_days\":0},"
         "{\"subject\":\"s\",\"body\":\"b\",\"delay_days\":-1}]", "steps[1].delay_days must be between"},
        {"[{\"subject\":\"s\",\"body\":\"b\",\"delay_days\":\"x\"}]",
         "delay_days must be an integer"},
        {"[{\"subject\":\"s\",\"body\":\"b\",\"delay_days\":\"3\"}]",
         "steps[0].delay_days must be 0"},
        {"[{\"subject\":\"s\",\"body\":\"b\"},{\"subject\":\"s\",\"body\":\"b\"}]",
         "steps[1].delay_days must be an integer"},
        {"[{\"subject\":\"{a|b\",\"body\":\"b\",\"delay_days\":0}]", "steps[0].subject: unbalanced"},
        {"[{\"subject\":\"s\",\"body\":\"{{nope}}\",\"delay_days\":0}]", "steps[0].body: unknown merge field"},
    };
    char why[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!valid(bad[i].json, 0, false, why));
        if (!strstr(why, bad[i].want)) fprintf(stderr, "    %s -> %s\n", bad[i].json, why);
        CHECK(strstr(why, bad[i].want) != NULL);
    }
    CHECK(!valid("[{\"subject\":\"s\",\"body\":\"b\",\"delay_days\":0}]", 3, false, why));
    CHECK(strstr(why, "expected 3 steps, got 1") != NULL);
}

TEST(html_safety_blocks_scripts_handlers_and_external_resources)
{
    static const char *const unsafe[] = {
        "<script>alert(1)</script>", "<SCRIPT src=x></SCRIPT>", "<p onclick=\"x()\">a</p>",
        "<a href=\"javascript:alert(1)\">a</a>", "<img src=\"https://t.example/p.gif\">",
        "<iframe src=x></iframe>", "<link rel=stylesheet href=x>",
        "<div style=\"background:url(https://x/y.png)\">", "<style>@import url(x)</style>",
        "<body onload=x()>", "<svg><circle/></svg>", "<p style='x' onmouseover=y>",
    };
    char why[256];
    for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++) {
        bool safe = steps_html_safe(unsafe[i], why, sizeof why);
        if (safe) fprintf(stderr, "    passed: %s\n", unsafe[i]);
        CHECK(!safe);
    }
    CHECK(steps_html_safe("<p>Hi {{firstname|there}},</p><p><a href=\"https://acme.com\">"
                          "See <b>this</b></a><br></p><ul><li>one</li></ul> 3 < 4",
                          why, sizeof why));
}

TEST(user_prompt_template_substitutes_placeholders)
{
    struct arena a;
    arena_init(&a);
    char *s = ai_user_prompt(&a, "N={num_followups} P={prompt} {prompt} {other}", 3, "shoes");
    CHECK_STR(s, "N=3 P=shoes shoes {other}");
    s = ai_user_prompt(&a, ai_default_user_template, 2, "dentists");
    CHECK(strstr(s, "2 follow-up") && strstr(s, "dentists") && !strstr(s, "{prompt}"));
    CHECK_STR(ai_user_prompt(&a, "", 1, "x"), "");
    arena_cleanup(&a);
}
