/* Unit tests for mail/inbound.c on messages shaped like the ones real servers
 * send (tests/data/inbound/: a Gmail delivery-status report, an Exchange
 * out-of-office, a threaded reply, an LF-only delay report). */
#include "test.h"

#include "mail/inbound.h"

#include <stdlib.h>

static bool parse_file(const char *name, struct arena *a, struct inbound *out)
{
    char path[512];
    const char *dir = getenv("LEADGEN_TEST_DATA");
    snprintf(path, sizeof path, "%s/inbound/%s", dir ? dir : "tests/data", name);
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char *raw = arena_alloc(a, 65536);
    size_t n = fread(raw, 1, 65535, f);
    fclose(f);
    inbound_parse(raw, n, a, out);
    return true;
}

TEST(inbound_gmail_report_is_a_bounce_of_our_message)
{
    struct arena a;
    arena_init(&a);
    struct inbound in;
    CHECK(parse_file("bounce-gmail.eml", &a, &in));
    CHECK_STR(inbound_kind_name(in.kind), "bounce");
    CHECK_STR(in.status, "5.1.1");
    CHECK_STR(in.recipient, "nobody@smile.test");
    CHECK_INT(in.refs_count, 1);
    CHECK_STR(in.refs[0], "<c1.r7.s0.abc@acme.test>");
    CHECK(in.diagnostic && strstr(in.diagnostic, "550-5.1.1 The email account"));
    CHECK(strstr(in.diagnostic, "does not exist.")); /* unfolded */
    arena_cleanup(&a);
}

TEST(inbound_out_of_office_is_not_a_reply)
{
    struct arena a;
    arena_init(&a);
    struct inbound in;
    CHECK(parse_file("ooo-exchange.eml", &a, &in));
    CHECK_STR(inbound_kind_name(in.kind), "auto_reply");
    CHECK_STR(in.from, "jane.doe@smile.test");
    CHECK_STR(in.refs[0], "<c1.r7.s0.abc@acme.test>");
    arena_cleanup(&a);
}

TEST(inbound_reply_lists_every_reference_once)
{
    struct arena a;
    arena_init(&a);
    struct inbound in;
    CHECK(parse_file("reply.eml", &a, &in));
    CHECK_STR(inbound_kind_name(in.kind), "message");
    CHECK_STR(in.from, "jane.doe@smile.test");
    CHECK_STR(in.subject, "Re: Quick question");
    CHECK_INT(in.refs_count, 2);
    CHECK_STR(in.refs[0], "<c1.r7.s1.def@acme.test>");
    CHECK_STR(in.refs[1], "<c1.r7.s0.abc@acme.test>");
    CHECK(!in.status);
    arena_cleanup(&a);
}

TEST(inbound_transient_report_is_a_delay)
{
    struct arena a;
    arena_init(&a);
    struct inbound in;
    CHECK(parse_file("delay-lf.eml", &a, &in));
    CHECK_STR(inbound_kind_name(in.kind), "delay");
    CHECK_STR(in.status, "4.4.7");
    CHECK_STR(in.recipient, "late@smile.test");
    CHECK_STR(in.refs[0], "<c1.r9.s0.zzz@acme.test>");
    arena_cleanup(&a);
}

TEST(inbound_headers_decide_automatic_answers)
{
    static const struct {
        const char *raw, *kind;
    } cases[] = {
        {"From: a@b.test\r\nSubject: hello\r\n\r\nbody", "message"},
        {"From: a@b.test\r\nAuto-Submitted: no\r\nSubject: hi\r\n\r\n", "message"},
        {"From: a@b.test\r\nAuto-Submitted: auto-generated\r\n\r\n", "auto_reply"},
        {"From: a@b.test\r\nX-Autoreply: yes\r\n\r\n", "auto_reply"},
        {"From: a@b.test\r\nPrecedence: auto_reply\r\n\r\n", "auto_reply"},
        {"From: a@b.test\r\nSubject: Out of Office: back Monday\r\n\r\n", "auto_reply"},
        {"From: a@b.test\r\nSubject: Abwesenheitsnotiz\r\n\r\n", "auto_reply"},
        {"From: MAILER-DAEMON@b.test\r\nSubject: Undelivered Mail\r\n\r\n", "auto_reply"},
        /* a report without a status is still not a person's reply */
        {"From: x@b.test\r\nContent-Type: multipart/report; report-type=delivery-status; "
         "boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nhi\r\n--q--\r\n",
         "auto_reply"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct arena a;
        arena_init(&a);
        struct inbound in;
        inbound_parse(cases[i].raw, strlen(cases[i].raw), &a, &in);
        const char *kind = inbound_kind_name(in.kind);
        arena_cleanup(&a);
        CHECK_STR(kind, cases[i].kind);
    }
}

TEST(inbound_survives_truncated_and_odd_input)
{
    static const char *const cases[] = {
        "",
        "From",
        "From:",
        "From: <>\r\n",
        "Content-Type: multipart/report; boundary=\"",
        "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x",
        "References: <<<@>>>\r\n\r\n",
        "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n"
        "Content-Type: message/delivery-status\r\n\r\n\r\nStatus: 5\r\n--x--",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct arena a;
        arena_init(&a);
        struct inbound in;
        inbound_parse(cases[i], strlen(cases[i]), &a, &in);
        CHECK(in.refs_count <= INBOUND_MAX_REFS);
        arena_cleanup(&a);
    }
}
