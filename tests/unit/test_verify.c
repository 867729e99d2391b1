/* Unit tests for email verification: syntax on a table of classic cases and
 * on the isemail and python-email-validator vectors (when ../shared is
 * present), the SMTP reply parser and RCPT classifier, the TXT record
 * parsers, the lists, the per-host connection cap, the status rules, and the
 * store operations behind lead updates. */
#include "test.h"

#include "base/clock.h"
#include "core/keys.h"
#include "store/store.h"
#include "verify/hostlimit.h"
#include "verify/lists.h"
#include "verify/records.h"
#include "verify/report.h"
#include "verify/smtp_reply.h"
#include "verify/syntax.h"

#include <jansson.h>
#include <stdlib.h>

/* ---- syntax: the classic cases ------------------------------------------- */

struct syntax_case {
    const char *input;
    enum syntax_error error; /* SYN_OK: valid */
    const char *ascii_domain;
};

static const struct syntax_case syntax_cases[] = {
    {"john@example.com", SYN_OK, "example.com"},
    {"John.Doe+tag@Sub.Example.COM", SYN_OK, "sub.example.com"},
    {"!#$%&'*+-/=?^_`{|}~@example.org", SYN_OK, "example.org"},
    {"user@xn--bcher-kva.de", SYN_OK, "xn--bcher-kva.de"},
    {"user@bücher.de", SYN_OK, "xn--bcher-kva.de"},
    {"user@BÜCHER.de", SYN_OK, "xn--bcher-kva.de"},
    {"jeff@臺網中心.tw", SYN_OK, "xn--fiqq24b10vi0d.tw"},
    {"user@例え。テスト.jp", SYN_OK, NULL}, /* ideographic full stop separates labels */
    {"用户@example.com", SYN_OK, "example.com"},
    {"ñoñó@example.com", SYN_OK, "example.com"},
    {"a@b.co", SYN_OK, "b.co"},
    {"1234567890123456789012345678901234567890123456789012345678901234@example.com", SYN_OK,
     "example.com"},
    {"", SYN_EMPTY, NULL},
    {"plainaddress", SYN_NO_AT, NULL},
    {"@example.com", SYN_NO_LOCAL, NULL},
    {"john@", SYN_NO_DOMAIN, NULL},
    {"\"john doe\"@example.com", SYN_QUOTED, NULL},
    {"\"john\"@example.com", SYN_QUOTED, NULL},
    {"john(comment)@example.com", SYN_COMMENT, NULL},
    {"john@(comment)example.com", SYN_COMMENT, NULL},
    {"John Doe <john@example.com>", SYN_DISPLAY_NAME, NULL},
    {"john@[127.0.0.1]", SYN_IP_LITERAL, NULL},
    {"john@[IPv6:::1]", SYN_IP_LITERAL, NULL},
    {".john@example.com", SYN_LOCAL_DOT, NULL},
    {"john.@example.com", SYN_LOCAL_DOT, NULL},
    {"john..doe@example.com", SYN_LOCAL_DOT, NULL},
    {"john@.example.com", SYN_DOMAIN_DOT, NULL},
    {"john@example.com.", SYN_DOMAIN_DOT, NULL},
    {"john@example..com", SYN_DOMAIN_DOT, NULL},
    {"john doe@example.com", SYN_LOCAL_CHAR, NULL},
    {"john\\@x@example.com", SYN_LOCAL_CHAR, NULL},
    {"a@b@example.com", SYN_LOCAL_CHAR, NULL},
    {"john@exa_mple.com", SYN_DOMAIN_CHAR, NULL},
    {"john@exa mple.com", SYN_DOMAIN_CHAR, NULL},
    {"john@-example.com", SYN_DOMAIN_HYPHEN, NULL},
    {"john@example-.com", SYN_DOMAIN_HYPHEN, NULL},
    {"12345678901234567890123456789012345678901234567890123456789012345@example.com",
     SYN_LOCAL_TOO_LONG, NULL},
    {"john@1234567890123456789012345678901234567890123456789012345678901234.com",
     SYN_LABEL_TOO_LONG, NULL},
    {"john@localhost", SYN_NO_DOT, NULL},
    {"john@example.123", SYN_TLD, NULL},
    {"john@1.2.3.4", SYN_TLD, NULL},
    {"john@example.c", SYN_TLD, NULL},
    {"john@xn--0.com", SYN_IDNA, NULL},
    {"john@ab--cd.com", SYN_IDNA, NULL},
    {"john@host.test", SYN_RESERVED, NULL},
    {"john@host.localhost", SYN_RESERVED, NULL},
    {"john@x.invalid", SYN_RESERVED, NULL},
    {"john@x.onion", SYN_RESERVED, NULL},
    {"jo\xe2\x80\x8bhn@example.com", SYN_UNSAFE_CHAR, NULL}, /* zero-width space */
    {"\xcc\x80john@example.com", SYN_UNSAFE_CHAR, NULL},     /* combining mark first */
    {"jo\xe2\x80\xaehn@example.com", SYN_UNSAFE_CHAR, NULL}, /* right-to-left override */
    {"\xe2\x89\xaeme@example.com", SYN_LOCAL_CHAR, NULL},    /* U+226E: '<' + U+0338 */
    {"jo\xffhn@example.com", SYN_NOT_UTF8, NULL},
    {"me@\xe2\x92\x88wouldbeinvalid.com", SYN_DOMAIN_CHAR, NULL}, /* U+2488 maps to "1." */
};

TEST(verify_syntax_classic_cases)
{
    struct arena a;
    arena_init(&a);
    for (size_t i = 0; i < sizeof syntax_cases / sizeof syntax_cases[0]; i++) {
        const struct syntax_case *c = &syntax_cases[i];
        struct email_syntax s;
        bool valid = verify_syntax(c->input, &a, &s);
        if (s.error != c->error)
            fprintf(stderr, "    %s: error %d (%s), want %d\n", c->input, s.error,
                    s.reason ? s.reason : "-", c->error);
        CHECK_INT(s.error, c->error);
        CHECK(valid == (c->error == SYN_OK));
        CHECK(valid ? s.reason == NULL : s.reason != NULL && *s.reason);
        if (c->ascii_domain) CHECK_STR(s.ascii_domain, c->ascii_domain);
    }
    arena_cleanup(&a);
}

TEST(verify_syntax_outputs_and_lengths)
{
    struct arena a;
    arena_init(&a);
    struct email_syntax s;
    CHECK(verify_syntax("Jörg.Ü@BÜCHER.example.de", &a, &s));
    CHECK_STR(s.local, "Jörg.Ü");
    CHECK_STR(s.domain, "BÜCHER.example.de");
    CHECK_STR(s.ascii_domain, "xn--bcher-kva.example.de");
    CHECK_STR(s.address, "Jörg.Ü@xn--bcher-kva.example.de");
    CHECK(s.smtputf8);
    CHECK(verify_syntax("plain@example.com", &a, &s));
    CHECK(!s.smtputf8);
    /* 254 octets in all is the most; a 64-octet local part and a long domain */
    char local[65], domain[300], address[400];
    memset(local, 'l', 64);
    local[64] = '\0';
    snprintf(domain, sizeof domain, "%.63s.%.63s.%.57s.com", local, local, local);
    snprintf(address, sizeof address, "%s@%s", local, domain);
    CHECK_INT(strlen(address), 254);
    CHECK(verify_syntax(address, &a, &s));
    snprintf(domain, sizeof domain, "%.63s.%.63s.%.58s.com", local, local, local);
    snprintf(address, sizeof address, "%s@%s", local, domain);
    CHECK(!verify_syntax(address, &a, &s)); /* 255 */
    CHECK_INT(s.error, SYN_TOO_LONG);
    /* a domain over 253 characters, with a short local part */
    snprintf(domain, sizeof domain, "%.63s.%.63s.%.63s.%.63s.com", local, local, local, local);
    snprintf(address, sizeof address, "a@%s", domain);
    CHECK(!verify_syntax(address, &a, &s));
    CHECK_INT(s.error, SYN_DOMAIN_TOO_LONG);
    arena_cleanup(&a);
}

/* ---- syntax: the shared vectors ------------------------------------------ */

/* isemail's VALID and DNSWARN addresses we refuse, by their start and the
 * reason we give (see the README). */
static const struct {
    const char *prefix;
    enum syntax_error error;
} isemail_refused[] = {
    {"test@io", SYN_NO_DOT},               /* a single-label domain: no mail on the internet */
    {"test@iana.a", SYN_TLD},              /* one-letter top-level domains do not exist */
    {"+@b.c", SYN_TLD},                    /* idem */
    {"a@a.b.c.d.e.f.g.h.i.j.k.l", SYN_TLD}, /* idem, at 253 characters */
    {"test@iana.co-uk", SYN_TLD},          /* top-level domains are letters only (or an A-label) */
    {"test@123.123.123.x123", SYN_TLD},    /* idem */
    {"x@x23456789.x23456789.", SYN_TLD},   /* idem ("x2") */
    {"test@xn--example.com", SYN_IDNA},    /* not a valid A-label (IDNA2008) */
};

static bool refused_on_purpose(const char *address, const struct email_syntax *s)
{
    for (size_t i = 0; i < sizeof isemail_refused / sizeof isemail_refused[0]; i++)
        if (strncmp(address, isemail_refused[i].prefix, strlen(isemail_refused[i].prefix)) == 0)
            return s->error == isemail_refused[i].error;
    return false;
}

/* Decodes the .tsv escapes (\xNN, \\, \t) in place. */
static void tsv_unescape(char *s)
{
    char *out = s;
    for (char *p = s; *p; p++) {
        if (*p != '\\') {
            *out++ = *p;
        } else if (p[1] == 'x' && p[2] && p[3]) {
            char hex[3] = {p[2], p[3], 0};
            *out++ = (char)strtol(hex, NULL, 16);
            p += 3;
        } else if (p[1] == 't') {
            *out++ = '\t';
            p++;
        } else if (p[1] == '\\') {
            *out++ = '\\';
            p++;
        } else {
            *out++ = *p;
        }
    }
    *out = '\0';
}

/* Runs one isemail .tsv file; returns the number of disagreements. */
static int run_isemail(const char *path, int *cases)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[4096];
    int bad = 0;
    struct arena a;
    arena_init(&a);
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *id = strtok(line, "\t"), *category = strtok(NULL, "\t"), *diag = strtok(NULL, "\t");
        char *address = strtok(NULL, "");
        if (!id || !category || !diag) continue;
        static char empty[1];
        if (!address) address = empty;
        tsv_unescape(address);
        bool expect = strcmp(category, "ISEMAIL_VALID_CATEGORY") == 0 ||
                      strcmp(category, "ISEMAIL_DNSWARN") == 0;
        struct email_syntax s;
        bool got = verify_syntax(address, &a, &s);
        if (expect && !got && refused_on_purpose(address, &s)) expect = false;
        (*cases)++;
        if (got != expect) {
            bad++;
            fprintf(stderr, "    isemail %s %s [%s]: got %s (%s)\n", id, diag, address,
                    got ? "valid" : "invalid", s.reason ? s.reason : "-");
        }
    }
    fclose(f);
    arena_cleanup(&a);
    return bad;
}

TEST(verify_syntax_isemail_vectors)
{
    const char *dir = test_fixtures_dir();
    if (!dir) {
        printf("    (skipped: ../shared/fixtures not found)\n");
        return;
    }
    const char *files[] = {"email/isemail/tests.tsv", "email/isemail/tests-original.tsv"};
    int cases = 0;
    for (size_t i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        int bad = run_isemail(path, &cases);
        CHECK_INT(bad, 0);
    }
    CHECK(cases > 400);
}

/* The file's text with the lone surrogate escape (which no JSON parser that
 * checks Unicode accepts) replaced by a marker. */
static json_t *load_vectors(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = calloc(1, (size_t)n + 1);
    size_t got = fread(text, 1, (size_t)n, f);
    fclose(f);
    for (char *p = text; (p = strstr(p, "\\ud800"));) memcpy(p, "@SURRO", 6);
    json_error_t jerr;
    json_t *doc = json_loadb(text, got, JSON_ALLOW_NUL, &jerr);
    if (!doc) fprintf(stderr, "    %s: %s (line %d)\n", path, jerr.text, jerr.line);
    free(text);
    return doc;
}

/* A string with a NUL inside never reaches verify_syntax: the API's JSON
 * parser refuses \u0000 (400 invalid_param). */
static bool has_nul(json_t *s)
{
    return json_string_length(s) != strlen(json_string_value(s));
}

/* The input of a case, with the surrogate marker turned into its WTF-8 bytes. */
static const char *vector_input(struct arena *a, const char *s, const char *prefix,
                                const char *suffix)
{
    char *out = arena_sprintf(a, "%s%s%s", prefix, s, suffix);
    for (char *p = out; (p = strstr(p, "@SURRO"));) {
        memcpy(p, "\xed\xa0\x80", 3);
        memmove(p + 3, p + 6, strlen(p + 6) + 1);
    }
    return out;
}

/* Checks every case of group: accepted or not as expect says; returns disagreements. */
static int run_group(json_t *doc, const char *group, const char *param, bool expect,
                     const char *prefix, const char *suffix)
{
    json_t *cases = json_object_get(json_object_get(doc, group), "cases");
    struct arena a;
    arena_init(&a);
    int bad = 0;
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *value = json_object_get(json_array_get(cases, i), param);
        const char *raw = json_string_value(value);
        if (!raw) continue;
        const char *input = vector_input(&a, raw, prefix, suffix);
        struct email_syntax s = {0};
        if ((!has_nul(value) && verify_syntax(input, &a, &s)) != expect) {
            bad++;
            fprintf(stderr, "    %s [%s]: got %s (%s)\n", group, input,
                    expect ? "invalid" : "valid", s.reason ? s.reason : "-");
        }
    }
    arena_cleanup(&a);
    return json_array_size(cases) ? bad : -1;
}

/* The valid groups: each case accepted with the expected A-label domain,
 * except quoted local parts and display names, which we refuse with their
 * own reason. */
static int run_valid_group(json_t *doc, const char *group)
{
    json_t *cases = json_object_get(json_object_get(doc, group), "cases");
    struct arena a;
    arena_init(&a);
    int bad = 0;
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        const char *input = json_string_value(json_object_get(c, "email_input"));
        json_t *output = json_object_get(c, "output");
        struct email_syntax s;
        bool got = verify_syntax(input, &a, &s);
        bool quoted = input[0] == '"' || strchr(input, '<');
        const char *want = json_string_value(json_object_get(output, "ascii_domain"));
        bool ok = quoted ? !got && (s.error == SYN_QUOTED || s.error == SYN_DISPLAY_NAME)
                         : got && want && strcmp(s.ascii_domain, want) == 0 &&
                               s.smtputf8 == json_is_true(json_object_get(output, "smtputf8"));
        if (!ok) {
            bad++;
            fprintf(stderr, "    %s [%s]: %s (%s)\n", group, input,
                    got ? s.ascii_domain : "invalid", s.reason ? s.reason : "-");
        }
    }
    arena_cleanup(&a);
    return json_array_size(cases) ? bad : -1;
}

static int run_pyisemail(json_t *doc)
{
    json_t *cases = json_object_get(json_object_get(doc, "test_pyisemail_tests"), "cases");
    struct arena a;
    arena_init(&a);
    int bad = 0;
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        json_t *value = json_object_get(c, "email_input");
        const char *input = json_string_value(value);
        bool expect = strcmp(json_string_value(json_object_get(c, "status")), "ISEMAIL_VALID") == 0;
        struct email_syntax s;
        if ((!has_nul(value) && verify_syntax(vector_input(&a, input, "", ""), &a, &s)) != expect) {
            bad++;
            fprintf(stderr, "    pyisemail [%s]: got %s\n", input, expect ? "invalid" : "valid");
        }
    }
    arena_cleanup(&a);
    return json_array_size(cases) > 100 ? bad : -1;
}

TEST(verify_syntax_email_validator_vectors)
{
    const char *dir = test_fixtures_dir();
    if (!dir) {
        printf("    (skipped: ../shared/fixtures not found)\n");
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/email/python-email-validator/syntax_vectors.json", dir);
    json_t *doc = load_vectors(path);
    CHECK(doc);
    CHECK_INT(run_valid_group(doc, "test_email_valid"), 0);
    CHECK_INT(run_valid_group(doc, "test_email_valid_intl_local_part"), 0);
    CHECK_INT(run_group(doc, "test_email_valid_only_if_quoted_local_part", "email_input", false,
                        "", ""), 0);
    CHECK_INT(run_group(doc, "test_email_invalid_syntax", "email_input", false, "", ""), 0);
    CHECK_INT(run_group(doc, "test_email_invalid_syntax_strict", "email_input", false, "", ""), 0);
    CHECK_INT(run_group(doc, "test_email_invalid_reserved_domain", "email_input", false, "", ""),
              0);
    /* unsafe characters, as the local part and as a domain label */
    CHECK_INT(run_group(doc, "test_email_unsafe_character", "s", false, "", "@example.org"), 0);
    CHECK_INT(run_group(doc, "test_email_unsafe_character", "s", false, "test@", ".org"), 0);
    CHECK_INT(run_pyisemail(doc), 0);
    json_decref(doc);
}

/* ---- SMTP replies ------------------------------------------------------------ */

TEST(verify_smtp_reply_parser)
{
    struct verify_smtp_reply r;
    const char *one = "250 2.1.5 Ok\r\n";
    CHECK_INT(verify_smtp_reply_parse(one, strlen(one), &r), (long)strlen(one));
    CHECK_INT(r.code, 250);
    CHECK_STR(r.enhanced, "2.1.5");
    CHECK_STR(r.text, "Ok");
    CHECK_INT(r.lines, 1);

    const char *ehlo = "250-mx.example.com Hello\r\n250-PIPELINING\r\n250-STARTTLS\r\n"
                       "250 SMTPUTF8\r\n221 next reply";
    long used = verify_smtp_reply_parse(ehlo, strlen(ehlo), &r);
    CHECK_INT(used, (long)(strstr(ehlo, "221") - ehlo));
    CHECK_INT(r.lines, 4);
    CHECK_STR(r.enhanced, "");
    CHECK_STR(r.text, "mx.example.com Hello\nPIPELINING\nSTARTTLS\nSMTPUTF8");
    CHECK(verify_smtp_reply_has_keyword(&r, "starttls"));
    CHECK(verify_smtp_reply_has_keyword(&r, "SMTPUTF8"));
    CHECK(!verify_smtp_reply_has_keyword(&r, "SMTP"));
    CHECK(!verify_smtp_reply_has_keyword(&r, "8BITMIME"));

    const char *multi = "550-5.1.1 The email account that you tried to reach does\n"
                        "550-5.1.1 not exist. Please try\n550 5.1.1 double-checking.\n";
    CHECK_INT(verify_smtp_reply_parse(multi, strlen(multi), &r), (long)strlen(multi));
    CHECK_STR(r.enhanced, "5.1.1");
    CHECK_STR(r.text, "The email account that you tried to reach does\nnot exist. Please try\n"
                      "double-checking.");

    CHECK_INT(verify_smtp_reply_parse("250", 3, &r), 0);                 /* no line end yet */
    CHECK_INT(verify_smtp_reply_parse("250-a\r\n250", 10, &r), 0);       /* last line missing */
    CHECK_INT(verify_smtp_reply_parse("220\r\n", 5, &r), 5);             /* a bare code */
    CHECK_INT(r.code, 220);
    CHECK_INT(verify_smtp_reply_parse("HTTP/1.1 400\r\n", 14, &r), -1);
    CHECK_INT(verify_smtp_reply_parse("250-a\r\n251 b\r\n", 14, &r), -1); /* codes differ */
    CHECK_INT(verify_smtp_reply_parse("250xOk\r\n", 8, &r), -1);
    CHECK_INT(verify_smtp_reply_parse("650 Ok\r\n", 8, &r), -1);
    CHECK_INT(verify_smtp_reply_parse("550 5.1 partial\r\n", 17, &r),
              17); /* not an enhanced code */
    CHECK_STR(r.enhanced, "");
    CHECK_INT(verify_smtp_reply_parse("450 5.7.1 class differs\r\n", 25, &r), 25);
    CHECK_STR(r.enhanced, "");
    CHECK_INT(verify_smtp_reply_parse("250 ctl\x01\x7f\xff\r\n", 12, &r), 12);
    CHECK_STR(r.text, "ctl  ?"); /* controls become spaces, bad UTF-8 '?' */

    char *huge = malloc(VERIFY_SMTP_REPLY_MAX + 10);
    memset(huge, 'a', VERIFY_SMTP_REPLY_MAX + 10);
    memcpy(huge, "250 ", 4);
    CHECK_INT(verify_smtp_reply_parse(huge, VERIFY_SMTP_REPLY_MAX + 10, &r), -1);
    free(huge);
}

struct classify_case {
    const char *reply;
    enum verify_smtp_verdict verdict;
};

static const struct classify_case classify_cases[] = {
    {"250 2.1.5 Ok", VERIFY_SMTP_ACCEPTED},
    {"251 User not local; will forward", VERIFY_SMTP_ACCEPTED},
    {"252 2.1.5 Cannot VRFY user", VERIFY_SMTP_UNVERIFIABLE},
    {"550 5.1.1 <a@b.c>: Recipient address rejected: User unknown", VERIFY_SMTP_NO_MAILBOX},
    {"550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found", VERIFY_SMTP_NO_MAILBOX},
    {"553 5.1.3 Bad recipient address syntax", VERIFY_SMTP_NO_MAILBOX},
    {"550 5.1.8 Sender address rejected: Domain not found", VERIFY_SMTP_POLICY},
    {"550 5.2.1 The email account that you tried to reach is disabled", VERIFY_SMTP_DISABLED},
    {"552 5.2.2 Mailbox full", VERIFY_SMTP_FULL},
    {"452 4.2.2 The email account that you tried to reach is over quota", VERIFY_SMTP_FULL},
    {"452 4.5.3 Error: too many recipients", VERIFY_SMTP_TOO_MANY},
    {"452 Too many recipients received this hour", VERIFY_SMTP_TOO_MANY},
    {"451 4.7.1 Greylisted, please try again later", VERIFY_SMTP_TEMPORARY},
    {"450 4.1.1 User unknown in local recipient table (temporary)", VERIFY_SMTP_TEMPORARY},
    {"421 4.7.0 Try again later, closing connection", VERIFY_SMTP_TEMPORARY},
    {"452 Requested action not taken: insufficient system storage", VERIFY_SMTP_TEMPORARY},
    {"550 5.7.1 Service unavailable; client blocked using zen.spamhaus.org", VERIFY_SMTP_POLICY},
    {"554 5.7.1 Relay access denied", VERIFY_SMTP_POLICY},
    {"550 5.0.0 User unknown", VERIFY_SMTP_NO_MAILBOX},              /* x.0.0: the text decides */
    {"550 Requested action not taken: mailbox unavailable", VERIFY_SMTP_NO_MAILBOX},
    {"550 No such user here", VERIFY_SMTP_NO_MAILBOX},
    {"551 User not local; please try <forward@example.com>", VERIFY_SMTP_OTHER},
    {"553 sorry, that domain isn't in my list of allowed rcpthosts", VERIFY_SMTP_OTHER},
    {"550 Your IP is listed at spamcop; mailbox unavailable", VERIFY_SMTP_POLICY}, /* policy wins */
    {"554 Message rejected due to blacklisted IP", VERIFY_SMTP_POLICY},
    {"550 Mailbox disabled for this recipient", VERIFY_SMTP_DISABLED},
    {"550 User not listed in public Name & Address Book", VERIFY_SMTP_NO_MAILBOX},
    {"552 Requested mail action aborted: exceeded storage allocation", VERIFY_SMTP_FULL},
    {"500 5.5.1 Command unrecognized", VERIFY_SMTP_OTHER},
    {"554 5.4.14 Hop count exceeded", VERIFY_SMTP_OTHER},
};

TEST(verify_smtp_rcpt_classifier)
{
    for (size_t i = 0; i < sizeof classify_cases / sizeof classify_cases[0]; i++) {
        char line[512];
        snprintf(line, sizeof line, "%s\r\n", classify_cases[i].reply);
        struct verify_smtp_reply r;
        CHECK(verify_smtp_reply_parse(line, strlen(line), &r) > 0);
        enum verify_smtp_verdict v = verify_smtp_classify_rcpt(&r);
        if (v != classify_cases[i].verdict)
            fprintf(stderr, "    [%s]: %s\n", classify_cases[i].reply, verify_smtp_verdict_name(v));
        CHECK_INT(v, classify_cases[i].verdict);
    }
}

/* ---- TXT records ------------------------------------------------------------ */

TEST(verify_records_spf_dmarc_dkim)
{
    CHECK(records_is_spf("v=spf1 -all"));
    CHECK(records_is_spf("V=SPF1 include:_spf.google.com ~all"));
    CHECK(records_is_spf("v=spf1"));
    CHECK(!records_is_spf("v=spf10 -all"));
    CHECK(!records_is_spf(" v=spf1 -all"));
    CHECK(!records_is_spf("spf1"));

    struct dmarc_record d;
    CHECK(records_parse_dmarc("v=DMARC1; p=reject; rua=mailto:x@example.com", &d));
    CHECK_INT(d.policy, DMARC_REJECT);
    CHECK_INT(d.subdomain_policy, DMARC_REJECT);
    CHECK_INT(d.pct, 100);
    CHECK(records_parse_dmarc("v=DMARC1;p=quarantine;sp=none;pct=25;", &d));
    CHECK_INT(d.policy, DMARC_QUARANTINE);
    CHECK_INT(d.subdomain_policy, DMARC_NONE);
    CHECK_INT(d.pct, 25);
    CHECK(records_parse_dmarc("v=DMARC1; p=REJECT; pct=250", &d)); /* out of range: ignored */
    CHECK_INT(d.policy, DMARC_REJECT);
    CHECK_INT(d.pct, 100);
    CHECK(records_parse_dmarc("v=DMARC1; rua=mailto:x@example.com", &d)); /* no p: none */
    CHECK_INT(d.policy, DMARC_NONE);
    CHECK(!records_parse_dmarc("v=dmarc1; p=reject", &d)); /* must match precisely */
    CHECK(!records_parse_dmarc("p=reject; v=DMARC1", &d)); /* v must come first */
    CHECK(!records_parse_dmarc("v=spf1 -all", &d));
    CHECK(!records_parse_dmarc("v=DMARC1; p", &d)); /* malformed tag list */
    CHECK_STR(records_dmarc_policy_name(DMARC_QUARANTINE), "quarantine");

    CHECK(records_is_dkim_key("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEB"));
    CHECK(records_is_dkim_key("k=rsa; p=MIGfMA0G"));
    CHECK(records_is_dkim_key("v=DKIM1; p=")); /* revoked, but a key record */
    CHECK(!records_is_dkim_key("k=rsa; v=DKIM1; p=abc")); /* v not first */
    CHECK(!records_is_dkim_key("v=DKIM2; p=abc"));
    CHECK(!records_is_dkim_key("v=DKIM1; k=rsa"));
    CHECK(!records_is_dkim_key("not a key record"));
    CHECK(!records_is_dkim_key("v=spf1 -all"));
}

/* ---- lists -------------------------------------------------------------------- */

TEST(verify_lists_from_the_npm_data)
{
    CHECK(verify_list_size(LIST_DISPOSABLE) > 1000);
    CHECK(verify_list_size(LIST_FREE) > 1000);
    CHECK(verify_list_size(LIST_ROLE) > 100);
    CHECK(verify_is_disposable("mailinator.com"));
    CHECK(verify_is_disposable("MAILINATOR.COM"));
    CHECK(verify_is_disposable("eu.mailinator.com"));
    CHECK(!verify_is_disposable("gmail.com"));
    CHECK(!verify_is_disposable("com"));
    CHECK(verify_is_free_provider("gmail.com"));
    CHECK(verify_is_free_provider("yahoo.com"));
    CHECK(verify_is_free_provider("outlook.com"));
    CHECK(!verify_is_free_provider("mailinator.com")); /* disposable, not a provider */
    CHECK(!verify_is_free_provider("mail.gmail.com"));
    CHECK(!verify_is_free_provider("example.com"));
    CHECK(verify_is_role("info"));
    CHECK(verify_is_role("Sales"));
    CHECK(verify_is_role("support+tickets"));
    CHECK(verify_is_role("admin"));
    CHECK(!verify_is_role("john"));
    CHECK(!verify_is_role("jane.doe"));
    CHECK(!verify_is_role("+info"));
}

/* ---- the per-host cap ----------------------------------------------------------- */

TEST(verify_hostlimit_caps_connections_per_host)
{
    const char *host = "mx.hostlimit.test", *other = "mx.other.test";
    double now = clock_mono_ms();
    CHECK(hostlimit_acquire(host, 2, now + 1000));
    CHECK(hostlimit_acquire(host, 2, now + 1000));
    CHECK_INT(hostlimit_in_use(host), 2);
    CHECK(!hostlimit_acquire(host, 2, clock_mono_ms())); /* full, and no time to wait */
    CHECK(hostlimit_acquire(other, 2, clock_mono_ms())); /* another host is unaffected */
    hostlimit_release(host);
    CHECK(hostlimit_acquire(host, 2, clock_mono_ms()));
    hostlimit_release(host);
    hostlimit_release(host);
    hostlimit_release(other);
    CHECK_INT(hostlimit_in_use(host), 0);
    CHECK_INT(hostlimit_in_use(other), 0);
}

/* ---- status rules ------------------------------------------------------------------ */

struct scenario {
    struct email_syntax syntax;
    struct domain_report dns;
    struct probe_target target;
    struct probe_report probe;
    struct verify_facts facts;
};

static void scenario_init(struct scenario *s, const char *reply, enum check_state catch_all)
{
    memset(s, 0, sizeof *s);
    s->syntax = (struct email_syntax){.valid = true, .local = "john", .domain = "example.com",
                                      .ascii_domain = "example.com",
                                      .address = "john@example.com"};
    s->dns = (struct domain_report){.mx_status = DNS_OK, .exists = true, .nhosts = 1};
    s->probe = (struct probe_report){.reachable = true, .host = "mx.example.com",
                                     .catch_all = catch_all};
    if (reply) {
        char line[300];
        snprintf(line, sizeof line, "%s\r\n", reply);
        verify_smtp_reply_parse(line, strlen(line), &s->target.reply);
        s->target.answered = s->target.done = true;
        s->target.verdict = verify_smtp_classify_rcpt(&s->target.reply);
    }
    s->facts = (struct verify_facts){.syntax = &s->syntax, .dns = &s->dns, .smtp = &s->target,
                                     .probe = &s->probe};
}

static enum verify_status decide(struct scenario *s, struct arena *a, const char **reason)
{
    enum verify_status st;
    verify_decide(&s->facts, a, &st, reason);
    return st;
}

TEST(verify_status_rules)
{
    struct arena a;
    arena_init(&a);
    struct scenario s;
    const char *why;
    scenario_init(&s, "250 2.1.5 Ok", CHECK_NO);
    CHECK_INT(decide(&s, &a, &why), VERIFY_VALID);
    s.facts.free_provider = true; /* a property, not a risk */
    CHECK_INT(decide(&s, &a, &why), VERIFY_VALID);
    s.facts.role = true;
    CHECK_INT(decide(&s, &a, &why), VERIFY_RISKY);
    CHECK(strstr(why, "role account"));
    s.facts.disposable = true;
    CHECK_INT(decide(&s, &a, &why), VERIFY_RISKY);
    CHECK(strstr(why, "disposable") && strstr(why, "; role account"));

    scenario_init(&s, "250 2.1.5 Ok", CHECK_YES);
    CHECK_INT(decide(&s, &a, &why), VERIFY_RISKY);
    CHECK(strstr(why, "catch-all"));
    scenario_init(&s, "250 2.1.5 Ok", CHECK_UNKNOWN);
    CHECK_INT(decide(&s, &a, &why), VERIFY_RISKY);

    scenario_init(&s, "550 5.1.1 User unknown", CHECK_NO);
    s.facts.disposable = true; /* a rejected mailbox is invalid whatever else is true */
    CHECK_INT(decide(&s, &a, &why), VERIFY_INVALID);
    CHECK_STR(why, "the mailbox does not exist: 550 5.1.1 User unknown");
    scenario_init(&s, "452 4.2.2 Mailbox full", CHECK_NO);
    CHECK_INT(decide(&s, &a, &why), VERIFY_RISKY);
    scenario_init(&s, "451 4.7.1 Greylisted", CHECK_UNKNOWN);
    CHECK_INT(decide(&s, &a, &why), VERIFY_UNKNOWN);
    CHECK(strstr(why, "deferred") && strstr(why, "451 4.7.1 Greylisted"));
    scenario_init(&s, "550 5.7.1 Blocked by policy", CHECK_UNKNOWN);
    CHECK_INT(decide(&s, &a, &why), VERIFY_UNKNOWN);
    CHECK(strstr(why, "sender"));

    scenario_init(&s, NULL, CHECK_UNKNOWN);
    s.probe.reachable = false;
    s.probe.error = "mx.example.com: connect to 192.0.2.1 port 25: Connection timed out";
    CHECK_INT(decide(&s, &a, &why), VERIFY_UNKNOWN);
    CHECK(strstr(why, "no mail server could be reached") && strstr(why, "port 25"));

    scenario_init(&s, NULL, CHECK_UNKNOWN);
    s.dns.mx_status = DNS_NXDOMAIN;
    s.dns.exists = false;
    CHECK_INT(decide(&s, &a, &why), VERIFY_INVALID);
    scenario_init(&s, NULL, CHECK_UNKNOWN);
    s.dns.null_mx = true;
    CHECK_INT(decide(&s, &a, &why), VERIFY_INVALID);
    CHECK(strstr(why, "null MX"));
    scenario_init(&s, NULL, CHECK_UNKNOWN);
    s.dns.mx_status = DNS_FAIL;
    s.dns.dns_error = "timed out";
    CHECK_INT(decide(&s, &a, &why), VERIFY_UNKNOWN);
    CHECK(strstr(why, "timed out"));

    scenario_init(&s, NULL, CHECK_UNKNOWN);
    s.syntax.valid = false;
    s.syntax.reason = "there is no @-sign";
    CHECK_INT(decide(&s, &a, &why), VERIFY_INVALID);
    CHECK_STR(why, "invalid syntax: there is no @-sign");

    enum verify_status parsed;
    CHECK(verify_status_parse("risky", &parsed));
    CHECK_INT(parsed, VERIFY_RISKY);
    CHECK(!verify_status_parse("maybe", &parsed));
    arena_cleanup(&a);
}

TEST(verify_result_json_shape)
{
    struct arena a;
    arena_init(&a);
    struct scenario s;
    scenario_init(&s, "250 2.1.5 Ok", CHECK_NO);
    json_t *r = verify_result_json("john@example.com", &s.facts, VERIFY_VALID, "fine");
    CHECK(r);
    CHECK_INT(json_object_size(r), 5);
    CHECK(json_is_true(json_object_get(r, "valid")));
    CHECK_STR(json_string_value(json_object_get(r, "status")), "valid");
    json_t *checks = json_object_get(r, "checks");
    CHECK_INT(json_object_size(checks), 11);
    CHECK(json_is_true(json_object_get(json_object_get(checks, "smtp"), "deliverable")));
    CHECK(json_is_false(json_object_get(checks, "catch_all")));
    CHECK(json_is_null(json_object_get(checks, "spf"))); /* never answered */
    json_decref(r);
    s.syntax.valid = false;
    r = verify_result_json("x", &s.facts, VERIFY_INVALID, "bad");
    checks = json_object_get(r, "checks");
    CHECK(json_is_null(json_object_get(checks, "disposable")));
    json_decref(r);
    arena_cleanup(&a);
}

/* ---- the store: lead ownership and updates ------------------------------------------- */

static int64_t verify_user(struct store *st, const char *email)
{
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    int64_t id = 0;
    st->ops->user_create(st, email, 0, hash, &id, NULL);
    return id;
}

TEST(verify_store_lead_updates)
{
    struct err err = {0};
    struct store *st = test_store_fresh("verify");
    CHECK(st);
    int64_t alice = verify_user(st, "alice@x.com"), bob = verify_user(st, "bob@x.com"), project;
    CHECK_INT(st->ops->project_create(st, alice, "P", 1, &project, &err), RC_OK);
    struct lead leads[3] = {{.email = "a@x.com"}, {.email = "b@x.com"}, {.email = "c@x.com"}};
    struct leads_added added;
    CHECK_INT(st->ops->leads_add(st, alice, project, leads, 3, 1, &added, &err), RC_OK);
    struct arena a;
    arena_init(&a);
    struct lead *list;
    size_t n;
    int64_t total, missing = 0;
    CHECK_INT(st->ops->leads_list(st, alice, project, 10, 0, &a, &list, &n, &total, &err), RC_OK);
    int64_t ids[3] = {list[0].id, list[1].id, list[2].id};
    CHECK_INT(st->ops->leads_owned(st, alice, ids, 3, &missing, &err), RC_OK);
    CHECK_INT(st->ops->leads_owned(st, bob, ids, 3, &missing, NULL), RC_NOT_FOUND);
    CHECK_INT(missing, ids[0]);
    int64_t unknown[2] = {ids[1], 987654};
    CHECK_INT(st->ops->leads_owned(st, alice, unknown, 2, &missing, NULL), RC_NOT_FOUND);
    CHECK_INT(missing, 987654);
    int values[3] = {1, -1, 0};
    CHECK_INT(st->ops->leads_set_verified(st, bob, ids, values, 3, &err), RC_OK); /* no effect */
    CHECK_INT(st->ops->leads_list(st, alice, project, 10, 0, &a, &list, &n, &total, &err), RC_OK);
    CHECK(list[0].verified == 0 && list[1].verified == 0);
    CHECK_INT(st->ops->leads_set_verified(st, alice, ids, values, 3, &err), RC_OK);
    CHECK_INT(st->ops->leads_list(st, alice, project, 10, 0, &a, &list, &n, &total, &err), RC_OK);
    CHECK_INT(list[0].verified, 1);
    CHECK_INT(list[1].verified, -1);
    CHECK_INT(list[2].verified, 0);
    arena_cleanup(&a);
    store_close(st);
}
