/* Unit tests for campaign/message (rendering one email) and
 * campaign/unsubscribe (signed tokens): headers, threading, spintax seeds,
 * merge fields, both MIME parts decoded back, RFC 2047 words, header
 * injection, line lengths, and token tampering. */
#include "test.h"

#include "base/buf.h"
#include "base/str.h"
#include "campaign/message.h"
#include "campaign/unsubscribe.h"

#include <sodium.h>
#include <stdlib.h>
#include <strings.h>

#define UNSUB_URL "https://leadgen.example/u/TOKEN"

static struct msg_input base_input(void)
{
    return (struct msg_input){
        .subject = "{Hi|Hello} {{firstname|there}}",
        .body_html = "<p>Hello {{firstname|there}},</p><p>I saw <a href=\"https://example.com/x"
                     "\">your site</a> for {{company|your team}}.</p>",
        .lead = {{"Ada", "Lovelace", "Acme", "acme.example", "ada@acme.example", "", ""}},
        .seed = 42,
        .from_addr = "sam@send.example",
        .from_name = "Sam Sender",
        .to_addr = "ada@acme.example",
        .message_id = "<abc123@send.example>",
        .unsubscribe_url = UNSUB_URL,
        .date = 1767268800, /* 2026-01-01 12:00:00 UTC, a Thursday */
    };
}

static const char *render_ok(const struct msg_input *in, struct arena *a, struct msg_output *out)
{
    struct err err = {0};
    enum rc rc = msg_render(in, a, out, &err);
    if (rc != RC_OK) fprintf(stderr, "    msg_render: %s\n", err.msg);
    return rc == RC_OK ? out->data : NULL;
}

/* The header's value, continuation lines unfolded (CRLF + space -> space). */
static const char *header(struct arena *a, const char *msg, const char *name)
{
    size_t n = strlen(name);
    const char *end = strstr(msg, "\r\n\r\n");
    for (const char *line = msg; line && line < end; line = strstr(line, "\r\n") + 2) {
        if (strncasecmp(line, name, n) != 0 || line[n] != ':') continue;
        struct buf b;
        buf_init(&b, 0);
        const char *p = line + n + 1;
        for (;;) {
            const char *eol = strstr(p, "\r\n");
            buf_append(&b, p, (size_t)(eol - p));
            if (eol[2] != ' ' && eol[2] != '\t') break;
            p = eol + 2;
        }
        char *v = arena_strndup(a, b.data, b.len);
        buf_free(&b);
        while (*v == ' ') v++;
        return v;
    }
    return NULL;
}

static int header_count(const char *msg, const char *name)
{
    int count = 0;
    size_t n = strlen(name);
    const char *end = strstr(msg, "\r\n\r\n");
    for (const char *line = msg; line < end; line = strstr(line, "\r\n") + 2)
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') count++;
    return count;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Quoted-printable decoding (RFC 2045 6.7); CRLF becomes LF. NULL on bad input. */
static const char *qp_decode(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' && i + 2 < n + 1 && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (s[i] == '=') {
            if (i + 2 >= n + 1 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) return NULL;
            *o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
            *o++ = '\n';
            i++;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* The decoded content of the part of this type, or NULL. */
static const char *part(struct arena *a, const char *msg, const char *type)
{
    const char *ct = strstr(msg, "boundary=\"");
    if (!ct) return NULL;
    ct += 10;
    char *boundary = arena_sprintf(a, "\r\n--%.*s", (int)(strchr(ct, '"') - ct), ct);
    char *want = arena_sprintf(a, "Content-Type: %s; charset=UTF-8\r\n", type);
    for (const char *p = strstr(msg, boundary); p; p = strstr(p + 1, boundary)) {
        const char *head = p + strlen(boundary) + 2;
        if (strncmp(head, want, strlen(want)) != 0) continue;
        if (!strstr(head, "Content-Transfer-Encoding: quoted-printable\r\n")) return NULL;
        const char *body = strstr(head, "\r\n\r\n") + 4;
        const char *end = strstr(body, boundary);
        return end ? qp_decode(a, body, (size_t)(end - body)) : NULL;
    }
    return NULL;
}

/* Every line ends in CRLF, no bare CR or LF, at most max octets. */
static bool lines_ok(const char *msg, size_t len, size_t max)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\r') {
            if (i + 1 >= len || msg[i + 1] != '\n') return false;
            i++;
            col = 0;
        } else if (msg[i] == '\n') {
            return false;
        } else if (++col > max) {
            fprintf(stderr, "    line too long at offset %zu\n", i);
            return false;
        }
    }
    return len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n';
}

/* The UTF-8 text of a header value made of RFC 2047 "B" words (or plain text). */
static const char *decode_words(struct arena *a, const char *v)
{
    struct buf b;
    buf_init(&b, 0);
    while (*v) {
        const char *word = v + strspn(v, " ");
        if (strncmp(word, "=?UTF-8?B?", 10) != 0) {
            buf_puts(&b, b.len ? v : word); /* space between words and text is text */
            break;
        }
        v = word + 10;
        const char *end = strstr(v, "?=");
        unsigned char bin[256];
        size_t got = 0;
        if (!end || sodium_base642bin(bin, sizeof bin, v, (size_t)(end - v), NULL, &got, NULL,
                                      sodium_base64_VARIANT_ORIGINAL) != 0) {
            buf_free(&b);
            return NULL;
        }
        buf_append(&b, bin, got);
        v = end + 2;
    }
    const char *out = arena_strndup(a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return out;
}

TEST(message_headers_well_formed)
{
    struct arena a;
    arena_init(&a);
    struct msg_input in = base_input();
    struct msg_output out;
    const char *m = render_ok(&in, &a, &out);
    CHECK(m);
    CHECK(lines_ok(m, out.len, 78));
    CHECK_STR(header(&a, m, "Date"), "Thu, 01 Jan 2026 12:00:00 +0000");
    CHECK_STR(header(&a, m, "From"), "\"Sam Sender\" <sam@send.example>");
    CHECK_STR(header(&a, m, "To"), "ada@acme.example");
    CHECK(strcmp(out.subject, "Hi Ada") == 0 || strcmp(out.subject, "Hello Ada") == 0);
    CHECK_STR(header(&a, m, "Subject"), out.subject);
    CHECK_STR(header(&a, m, "Message-ID"), "<abc123@send.example>");
    CHECK_STR(header(&a, m, "MIME-Version"), "1.0");
    CHECK_STR(header(&a, m, "List-Unsubscribe"), "<" UNSUB_URL ">");
    CHECK_STR(header(&a, m, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    CHECK(strstr(header(&a, m, "Content-Type"), "multipart/alternative;") != NULL);
    CHECK(!header(&a, m, "In-Reply-To"));
    CHECK(!header(&a, m, "References"));
    static const char *const once[] = {"Date", "From", "To", "Subject", "Message-ID",
                                       "MIME-Version", "Content-Type"};
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++)
        CHECK_INT(header_count(m, once[i]), 1);
    /* no display name: the bare address */
    in.from_name = NULL;
    m = render_ok(&in, &a, &out);
    CHECK_STR(header(&a, m, "From"), "sam@send.example");
    arena_cleanup(&a);
}

TEST(message_followup_threads_and_re_subject)
{
    struct arena a;
    arena_init(&a);
    static const char *const earlier[] = {"<one@send.example>", "<two@send.example>"};
    struct msg_input in = base_input();
    in.subject = "";
    in.first_subject = "Hello Ada";
    in.earlier_ids = earlier;
    in.earlier_count = 2;
    struct msg_output out;
    const char *m = render_ok(&in, &a, &out);
    CHECK(m);
    CHECK_STR(header(&a, m, "Subject"), "Re: Hello Ada");
    CHECK_STR(header(&a, m, "In-Reply-To"), "<two@send.example>");
    CHECK_STR(header(&a, m, "References"), "<one@send.example> <two@send.example>");
    in.subject = NULL; /* absent like empty; an existing "Re:" is not doubled */
    in.first_subject = "RE: earlier";
    m = render_ok(&in, &a, &out);
    CHECK_STR(header(&a, m, "Subject"), "RE: earlier");
    in.subject = "Still {{company}}?"; /* a follow-up with its own subject keeps it */
    m = render_ok(&in, &a, &out);
    CHECK_STR(out.subject, "Still Acme?");
    /* the first step must have a subject */
    in.subject = "  ";
    in.first_subject = NULL;
    struct err err = {0};
    CHECK_INT(msg_render(&in, &a, &out, &err), RC_INVALID);
    CHECK(strstr(err.msg, "subject") != NULL);
    arena_cleanup(&a);
}

TEST(message_spintax_seeded_from_allowed_set)
{
    struct arena a;
    arena_init(&a);
    struct msg_input in = base_input();
    in.subject = "{Quick|Short|Brief} {question|note}";
    in.body_html = "<p>{Hi|Hello|Hey} {{firstname}}</p>";
    static const char *const subjects[] = {"Quick question", "Quick note", "Short question",
                                           "Short note",     "Brief question", "Brief note"};
    int seen[6] = {0};
    for (int r = 0; r < 60; r++) {
        in.seed = msg_seed(7, r, 1);
        struct msg_output one, two;
        const char *m1 = render_ok(&in, &a, &one), *m2 = render_ok(&in, &a, &two);
        CHECK(m1 && m2);
        CHECK_INT(one.len, two.len);
        CHECK(memcmp(m1, m2, one.len) == 0); /* a retry renders the same bytes */
        int found = -1;
        for (int s = 0; s < 6; s++)
            if (strcmp(one.subject, subjects[s]) == 0) found = s;
        CHECK(found >= 0);
        seen[found]++;
        CHECK(str_has_prefix(one.text, "Hi Ada\n") || str_has_prefix(one.text, "Hello Ada\n") ||
              str_has_prefix(one.text, "Hey Ada\n"));
    }
    for (int s = 0; s < 6; s++) CHECK(seen[s] > 0);
    CHECK(msg_seed(7, 1, 1) == msg_seed(7, 1, 1));
    CHECK(msg_seed(7, 1, 1) != msg_seed(7, 1, 2));
    CHECK(msg_seed(7, 1, 1) != msg_seed(8, 1, 1));
    CHECK(msg_seed(7, 1, 1) != msg_seed(7, 2, 1));
    arena_cleanup(&a);
}

TEST(message_merge_fields_and_fallbacks)
{
    struct arena a;
    arena_init(&a);
    struct msg_input in = base_input();
    in.subject = "For {{company|your team}}, {{firstname|there}}";
    in.body_html = "<p>Hi {{firstname|there}} at {{company|your team}} ({{website}})</p>";
    in.lead = (struct tpl_vars){{"", NULL, "AT&T <Labs>", "", NULL, NULL, NULL}};
    struct msg_output out;
    const char *m = render_ok(&in, &a, &out);
    CHECK(m);
    CHECK_STR(out.subject, "For AT&T <Labs>, there");
    const char *html = part(&a, m, "text/html");
    CHECK(html);
    CHECK(strstr(html, "<p>Hi there at AT&amp;T &lt;Labs&gt; ()</p>") != NULL);
    CHECK(strstr(part(&a, m, "text/plain"), "Hi there at AT&T <Labs> ()") != NULL);
    arena_cleanup(&a);
}

TEST(message_both_parts_decode)
{
    struct arena a;
    arena_init(&a);
    struct msg_input in = base_input();
    in.body_html =
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<p>Hello {{firstname}},</p><p>Visit <a href=\"https://example.com/a?b=1&amp;c=2\">"
        "our site</a> or <a href=\"https://example.com/\">https://example.com/</a>."
        "<br>Line two &amp; more&nbsp;text.</p><ul><li>one</li><li>two</li></ul>"
        "<p>Ça va? Ünïcödé with a long line of text that needs soft line breaks when "
        "encoded as quoted-printable, 1=1.</p></body></html>";
    struct msg_output out;
    const char *m = render_ok(&in, &a, &out);
    CHECK(m);
    CHECK(lines_ok(m, out.len, 78));
    const char *text = part(&a, m, "text/plain"), *html = part(&a, m, "text/html");
    CHECK(text && html);
    CHECK_STR(text, out.text);
    CHECK(strstr(text, "Hello Ada,\n\nVisit our site (https://example.com/a?b=1&c=2) or "
                       "https://example.com/.\nLine two & more\xc2\xa0text.\n\n- one\n- two\n\n"
                       "Ça va? Ünïcödé with a long line of text that needs soft line breaks "
                       "when encoded as quoted-printable, 1=1.\n\nUnsubscribe (" UNSUB_URL ")") ==
          text);
    CHECK(strstr(text, "p{}") == NULL && strstr(text, "<") == NULL);
    CHECK(strstr(html, "<p>Hello Ada,</p>") != NULL);
    CHECK(strstr(html, "<a href=\"" UNSUB_URL "\">Unsubscribe</a></p>\n</body></html>") != NULL);
    CHECK(strstr(m, "1=3D1.") != NULL); /* '=' is encoded */
    CHECK(strstr(m, "=C3=87a va?") != NULL);
    arena_cleanup(&a);
}

TEST(message_html_to_text_cases)
{
    struct arena a;
    arena_init(&a);
    static const struct {
        const char *html, *text;
    } cases[] = {
        {"plain", "plain"},
        {"<b>bold</b> and <i>it</i>", "bold and it"},
        {"a<br>b<br/><br>c", "a\nb\n\nc"},
        {"<div>x</div><div>y</div>", "x\ny"},
        {"<h1>T</h1><p>p1</p>\n\n  <p> p2 </p>", "T\n\np1\n\np2"},
        {"<a href=\"mailto:a@b.co\">a@b.co</a>", "a@b.co"},
        {"<a href=\"mailto:a@b.co\">write</a>", "write (a@b.co)"},
        {"<a href=\"#top\">top</a>", "top"},
        {"<a href=\"https://x.example\"></a>", "https://x.example"},
        {"<script>alert(1)</script>ok<!-- c -->", "ok"},
        {"&lt;tag&gt; &#233;&#x20AC; &quot;q&quot;", "<tag> é€ \"q\""},
        {"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = msg_html_to_text(cases[i].html, &a);
        if (strcmp(got, cases[i].text) != 0) fprintf(stderr, "    case %zu\n", i);
        CHECK_STR(got, cases[i].text);
    }
    arena_cleanup(&a);
}

TEST(message_non_ascii_encoded)
{
    struct arena a;
    arena_init(&a);
    struct msg_input in = base_input();
    in.subject = "Grüße aus Köln, {{firstname}} — ein sehr langer Betreff, der über mehrere "
                 "kodierte Wörter gefaltet werden muss";
    in.from_name = "Jörg Müller";
    struct msg_output out;
    const char *m = render_ok(&in, &a, &out);
    CHECK(m);
    CHECK(lines_ok(m, out.len, 78));
    const char *subject = header(&a, m, "Subject");
    CHECK(str_has_prefix(subject, "=?UTF-8?B?"));
    CHECK_STR(decode_words(&a, subject), out.subject);
    CHECK(strstr(out.subject, "Köln, Ada —") != NULL);
    const char *from = header(&a, m, "From");
    CHECK(str_has_prefix(from, "=?UTF-8?B?"));
    CHECK(strstr(from, " <sam@send.example>") != NULL);
    *strstr(from, " <sam@") = '\0';
    CHECK_STR(decode_words(&a, from), "Jörg Müller");
    /* ASCII that looks like an encoded word is encoded too; quotes are escaped */
    in.subject = "=?UTF-8?B?QQ==?=";
    in.from_name = "Sam \"The\" Sender";
    m = render_ok(&in, &a, &out);
    CHECK_STR(decode_words(&a, header(&a, m, "Subject")), "=?UTF-8?B?QQ==?=");
    CHECK_STR(header(&a, m, "From"), "\"Sam \\\"The\\\" Sender\" <sam@send.example>");
    arena_cleanup(&a);
}

TEST(message_header_injection_neutralised)
{
    struct arena a;
    arena_init(&a);
    struct msg_input in = base_input();
    in.lead.values[TPL_FIRSTNAME] = "Ada\r\nBcc: victim@example.com\r\n\r\nbody";
    in.from_name = "Sam\rX-Evil: 1\nX-Evil: 2";
    in.subject = "Hi {{firstname}}\n";
    struct msg_output out;
    const char *m = render_ok(&in, &a, &out);
    CHECK(m);
    CHECK(lines_ok(m, out.len, 998));
    CHECK(header_count(m, "Bcc") == 0 && header_count(m, "X-Evil") == 0);
    const char *body = strstr(m, "\r\n\r\n");
    for (const char *p = m; p < body; p = strstr(p, "\r\n") + 2)
        CHECK(!str_has_prefix(p, "Bcc:") && !str_has_prefix(p, "X-Evil:"));
    CHECK_STR(out.subject, "Hi Ada Bcc: victim@example.com body");
    CHECK_STR(header(&a, m, "From"), "\"Sam X-Evil: 1 X-Evil: 2\" <sam@send.example>");
    /* values that cannot be made safe are refused */
    static const char *const bad_addr[] = {"a@b.co\r\nBcc: c@d.co", "Ada <a@b.co>", "a b@c.co",
                                           "nobody", "", "a@"};
    struct err err;
    for (size_t i = 0; i < sizeof bad_addr / sizeof bad_addr[0]; i++) {
        struct msg_input bad = base_input();
        bad.to_addr = bad_addr[i];
        err = (struct err){0};
        CHECK_INT(msg_render(&bad, &a, &out, &err), RC_INVALID);
        bad = base_input();
        bad.from_addr = bad_addr[i];
        CHECK_INT(msg_render(&bad, &a, &out, &err), RC_INVALID);
    }
    struct msg_input bad = base_input();
    bad.unsubscribe_url = "https://x.example/u/1\r\nBcc: c@d.co";
    CHECK_INT(msg_render(&bad, &a, &out, &err), RC_INVALID);
    bad.unsubscribe_url = "javascript:alert(1)";
    CHECK_INT(msg_render(&bad, &a, &out, &err), RC_INVALID);
    bad = base_input();
    bad.message_id = "<a@b>\r\nBcc: c@d.co";
    CHECK_INT(msg_render(&bad, &a, &out, &err), RC_INVALID);
    static const char *const bad_ids[] = {"<ok@send.example>", "<x@y>\nBcc: z"};
    bad = base_input();
    bad.earlier_ids = bad_ids;
    bad.earlier_count = 2;
    CHECK_INT(msg_render(&bad, &a, &out, &err), RC_INVALID);
    bad = base_input();
    bad.body_html = "{unbalanced";
    err = (struct err){0};
    CHECK_INT(msg_render(&bad, &a, &out, &err), RC_INVALID);
    CHECK(str_has_prefix(err.msg, "body: unbalanced"));
    arena_cleanup(&a);
}

TEST(message_lines_bounded)
{
    struct arena a;
    arena_init(&a);
    struct buf long_body;
    buf_init(&long_body, 0);
    for (int i = 0; i < 300; i++) buf_puts(&long_body, "word\xc3\xa9 ");
    for (int i = 0; i < 500; i++) buf_puts(&long_body, "x");
    struct msg_input in = base_input();
    in.subject = "A subject with quite a few words in it so that it must be folded over more "
                 "than one line of the header block, and then some more words to be sure";
    in.from_name = "An Extremely Long Display Name For The Sender That Goes On And On Forever";
    in.body_html = long_body.data;
    static const char *const ids[] = {"<1111111111111111111111111111111@send.example>",
                                      "<2222222222222222222222222222222@send.example>",
                                      "<3333333333333333333333333333333@send.example>"};
    in.earlier_ids = ids;
    in.earlier_count = 3;
    in.first_subject = "x";
    struct msg_output out;
    const char *m = render_ok(&in, &a, &out);
    CHECK(m);
    CHECK(lines_ok(m, out.len, 78));
    CHECK_STR(header(&a, m, "Subject"), in.subject);
    CHECK_STR(decode_words(&a, header(&a, m, "From")),
              "An Extremely Long Display Name For The Sender That Goes On And On Forever "
              "<sam@send.example>");
    CHECK(strstr(part(&a, m, "text/html"), long_body.data) != NULL);
    /* a single word too long to fold is encoded rather than overflowing */
    in.subject = "Supercalifragilisticexpialidocious-and-then-some-more-to-pass-sixty-chars";
    m = render_ok(&in, &a, &out);
    CHECK(lines_ok(m, out.len, 78));
    CHECK_STR(decode_words(&a, header(&a, m, "Subject")), in.subject);
    buf_free(&long_body);
    arena_cleanup(&a);
}

TEST(message_make_id)
{
    struct arena a;
    arena_init(&a);
    const char *one = msg_make_id(&a, "sam@send.example"),
               *two = msg_make_id(&a, "sam@send.example");
    CHECK(strcmp(one, two) != 0);
    CHECK_INT(strlen(one), 1 + 32 + 1 + strlen("send.example") + 1);
    CHECK(one[0] == '<' && strstr(one, "@send.example>") == one + 33);
    CHECK(strstr(msg_make_id(&a, "x@bad domain\r\n"), "@leadgen.invalid>") != NULL);
    arena_cleanup(&a);
}

TEST(unsubscribe_token_round_trip_and_tamper)
{
    struct arena a;
    arena_init(&a);
    static const unsigned char key[] = "a secret from LEADGEN_SECRET";
    static const unsigned char other[] = "another secret";
    const char *t = unsub_token(&a, key, sizeof key - 1, 12, 3456789);
    CHECK_INT(strlen(t), UNSUB_TOKEN_LEN);
    for (const char *p = t; *p; p++)
        CHECK((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.');
    int64_t c = 0, l = 0;
    CHECK(unsub_verify(t, key, sizeof key - 1, &c, &l));
    CHECK_INT(c, 12);
    CHECK_INT(l, 3456789);
    CHECK(!unsub_verify(t, other, sizeof other - 1, &c, &l));
    char *copy = arena_strdup(&a, t);
    for (size_t i = 0; i < UNSUB_TOKEN_LEN; i++) {
        char saved = copy[i];
        copy[i] = saved == 'A' ? 'B' : 'A';
        CHECK(!unsub_verify(copy, key, sizeof key - 1, &c, &l));
        copy[i] = saved;
    }
    /* another id pair under the same key does not carry over */
    const char *t2 = unsub_token(&a, key, sizeof key - 1, 12, 3456790);
    char *mixed = arena_sprintf(&a, "%.22s%s", t2, t + 22);
    CHECK(!unsub_verify(mixed, key, sizeof key - 1, &c, &l));
    CHECK(!unsub_verify("", key, sizeof key - 1, &c, &l));
    CHECK(!unsub_verify(arena_sprintf(&a, "%s=", t), key, sizeof key - 1, &c, &l));
    CHECK(!unsub_verify(NULL, key, sizeof key - 1, &c, &l));
    const char *neg = unsub_token(&a, key, sizeof key - 1, -1, 0);
    CHECK(unsub_verify(neg, key, sizeof key - 1, &c, &l));
    CHECK_INT(c, -1);
    CHECK_INT(l, 0);
    arena_cleanup(&a);
}
