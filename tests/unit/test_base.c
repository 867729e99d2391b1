/* Unit tests for base/: arena, capped buffer, string helpers, clock format. */
#include "test.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/str.h"

TEST(arena_allocations_are_zeroed_aligned_and_survive_growth)
{
    struct arena a;
    arena_init(&a);
    char *first = arena_strdup(&a, "first");
    for (int i = 0; i < 2000; i++) {
        unsigned char *p = arena_alloc(&a, (size_t)(i % 97) + 1);
        CHECK(((uintptr_t)p & 15) == 0);
        CHECK(p[0] == 0);
        p[0] = 0xAA;
    }
    char *big = arena_alloc(&a, 100000); /* larger than a block */
    big[99999] = 'x';
    CHECK_STR(first, "first");
    CHECK_STR(arena_sprintf(&a, "%s-%d", "n", 42), "n-42");
    CHECK_STR(arena_strndup(&a, "abcdef", 3), "abc");
    arena_cleanup(&a);
    CHECK(a.head == NULL);
}

TEST(arena_json_dumps_matches_json_dumps_and_refuses_what_jansson_refuses)
{
    struct arena a;
    arena_init(&a);
    json_t *doc = json_pack("{s:s, s:[i, b], s:{}}", "name", "caf\u00e9 \"x\"", "list", 1, 1,
                            "empty");
    char *expected = json_dumps(doc, JSON_COMPACT);
    CHECK_STR(arena_json_dumps(&a, doc, JSON_COMPACT), expected);
    free(expected);
    json_t *big = json_array();
    for (int i = 0; i < 5000; i++) json_array_append_new(big, json_string("a longer string"));
    char *text = arena_json_dumps(&a, big, JSON_INDENT(2));
    CHECK(text && strlen(text) > 5000 * 17 && text[0] == '[');
    json_t *s = json_string("x");
    CHECK(arena_json_dumps(&a, s, JSON_COMPACT) == NULL);
    CHECK_STR(arena_json_dumps(&a, s, JSON_ENCODE_ANY), "\"x\"");
    CHECK(arena_json_dumps(&a, NULL, JSON_ENCODE_ANY) == NULL);
    json_decref(s);
    json_decref(big);
    json_decref(doc);
    arena_cleanup(&a);
}

TEST(buf_refuses_to_pass_its_limit)
{
    struct buf b;
    buf_init(&b, 8);
    CHECK(buf_puts(&b, "12345"));
    CHECK(!buf_puts(&b, "6789"));
    CHECK(b.too_big);
    CHECK_STR(b.data, "12345");
    CHECK(buf_puts(&b, "678"));
    CHECK_INT(b.len, 8);
    buf_free(&b);
    buf_init(&b, 0);
    for (int i = 0; i < 1000; i++) CHECK(buf_printf(&b, "%d,", i));
    CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
    buf_free(&b);
}

TEST(utf8_validation_rejects_overlongs_surrogates_and_truncation)
{
    CHECK(str_utf8_valid("plain", 5));
    CHECK(str_utf8_valid("caf\xc3\xa9", 5));
    CHECK(str_utf8_valid("\xf0\x9f\x98\x80", 4));
    CHECK(!str_utf8_valid("\xff", 1));
    CHECK(!str_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!str_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!str_utf8_valid("\xe2\x82", 2));         /* truncated */
    CHECK(!str_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
}

TEST(int_parsing_is_strict)
{
    int64_t v;
    CHECK(str_parse_int64("42", &v) && v == 42);
    CHECK(str_parse_int64("-7", &v) && v == -7);
    CHECK(!str_parse_int64("", &v));
    CHECK(!str_parse_int64("4x", &v));
    CHECK(!str_parse_int64(" 4", &v));
    CHECK(!str_parse_int64("1.5", &v));
    CHECK(!str_parse_int64("99999999999999999999", &v));
    CHECK(!str_parse_int64(NULL, &v));
}

TEST(trim_lower_hex_and_random)
{
    char s[] = "  Hello World \t\n";
    CHECK_STR(str_trim(s), "Hello World");
    char l[] = "MiXeD@Case.COM";
    str_ascii_lower(l);
    CHECK_STR(l, "mixed@case.com");
    char hex[9];
    str_hex((const unsigned char *)"\x01\xab\xff\x10", 4, hex);
    CHECK_STR(hex, "01abff10");
    char r1[33], r2[33];
    str_random_hex(16, r1);
    str_random_hex(16, r2);
    CHECK_INT(strlen(r1), 32);
    CHECK(strcmp(r1, r2) != 0);
}

TEST(clock_formats_the_reference_datetime_and_moves_with_offset)
{
    char out[20], iso[21];
    clock_format(1705330200, out);
    CHECK_STR(out, "2024-01-15 14:50:00");
    clock_format_iso(0, iso);
    CHECK_STR(iso, "1970-01-01T00:00:00Z");
    int64_t before = clock_now();
    clock_set_offset(86400);
    CHECK(clock_now() - before >= 86400);
    clock_set_offset(0);
}

TEST(first_error_wins)
{
    struct err e = {0};
    CHECK_INT(err_set(&e, RC_UPSTREAM, "connect to %s: timed out", "mx.example"), RC_UPSTREAM);
    err_set(&e, RC_DB, "verify failed");
    CHECK_INT(e.rc, RC_UPSTREAM);
    CHECK_STR(e.msg, "connect to mx.example: timed out");
    CHECK_INT(err_set(NULL, RC_DB, "ignored"), RC_DB);
}

TEST(utf8_scrub_replaces_only_invalid_bytes)
{
    char s[] = "ok \xc3\xa9 \xff bad \xe2\x82";
    str_utf8_scrub(s);
    CHECK_STR(s, "ok \xc3\xa9 ? bad ??");
    CHECK(str_utf8_valid(s, strlen(s)));
}

TEST(casefold_lowers_unicode_and_keeps_invalid_bytes)
{
    struct arena a;
    arena_init(&a);
    CHECK_STR(str_casefold(&a, "CAF\xc3\x89 Owners"), "caf\xc3\xa9 owners");
    CHECK_STR(str_casefold(&a, "\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90"),
              "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"); /* МОСКВА -> москва */
    CHECK_STR(str_casefold(&a, "\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91"),
              "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1"); /* ΣΟΦΙΑ -> σοφια */
    CHECK_STR(str_casefold(&a, "ABC\xff"), "abc\xff");
    arena_cleanup(&a);
}
