/* Renders a campaign email: templates first (spintax and merge fields), then the
 * plain-text part from the HTML, then headers with folding and RFC 2047 words,
 * then the two quoted-printable parts. Built in a heap buffer, copied once into
 * the caller's arena. */
#include "campaign/message.h"

#include "base/buf.h"
#include "base/str.h"
#include "extract/extract.h"
#include "html/tokenizer.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
    LINE_MAX_COLS = 78,   /* RFC 5322 2.1.1: SHOULD; every line we fold stays within it */
    QP_MAX_COLS = 76,     /* RFC 2045 6.7 (5) */
    WORD_MAX_BYTES = 39,  /* UTF-8 bytes per encoded word: "Subject: " + 64 columns */
    PLAIN_WORD_MAX = 60,  /* longer unencoded words would not fold within 78 columns */
    ADDR_MAX = 254,
    ID_MAX = 250,
    URL_MAX = 900,
    MESSAGE_LIMIT = 4 << 20,
};

/* ---- seeds and Message-IDs ---------------------------------------------- */

uint64_t msg_seed(int64_t campaign_id, int64_t recipient_id, int step)
{
    /* A fixed key: the choice must survive a change of LEADGEN_SECRET, and
     * which synonym a recipient got is no secret. */
    static const unsigned char key[crypto_shorthash_KEYBYTES] = "leadgen spintax";
    unsigned char in[20], out[crypto_shorthash_BYTES];
    uint64_t parts[2] = {(uint64_t)campaign_id, (uint64_t)recipient_id};
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < 8; i++) in[p * 8 + i] = (unsigned char)(parts[p] >> (56 - 8 * i));
    for (int i = 0; i < 4; i++) in[16 + i] = (unsigned char)((uint32_t)step >> (24 - 8 * i));
    crypto_shorthash(out, in, sizeof in, key);
    uint64_t seed = 0;
    for (size_t i = 0; i < sizeof out; i++) seed = seed << 8 | out[i];
    return seed ? seed : 1;
}

static bool domain_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-';
}

const char *msg_make_id(struct arena *a, const char *from_addr)
{
    const char *at = from_addr ? strrchr(from_addr, '@') : NULL;
    const char *domain = at && at[1] ? at + 1 : "leadgen.invalid";
    for (const char *p = domain; *p; p++)
        if (!domain_char(*p)) domain = "leadgen.invalid";
    char hex[33];
    str_random_hex(16, hex);
    return arena_sprintf(a, "<%s@%.200s>", hex, domain);
}

/* ---- values that go into headers ---------------------------------------- */

/* Text for one header line: valid UTF-8, every control character (CR and LF
 * included) a space, whitespace runs collapsed, trimmed. */
static char *one_line(struct arena *a, const char *s)
{
    char *out = arena_strdup(a, s ? s : "");
    str_utf8_scrub(out);
    size_t n = 0;
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == ' ') {
            space = n > 0;
            continue;
        }
        if (space) out[n++] = ' ';
        space = false;
        out[n++] = (char)*p;
    }
    out[n] = '\0';
    return out;
}

static bool addr_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    const char *at = n ? strrchr(s, '@') : NULL;
    if (n < 3 || n > ADDR_MAX || !at || at == s || !at[1]) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("<>()[],;:\"\\", *p)) return false;
    return str_utf8_valid(s, n);
}

static bool id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 5 || n > ID_MAX || s[0] != '<' || s[n - 1] != '>' || !memchr(s, '@', n)) return false;
    for (size_t i = 1; i + 1 < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '<' ||
            s[i] == '>')
            return false;
    return true;
}

static bool url_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > URL_MAX || !(str_has_prefix(s, "https://") || str_has_prefix(s, "http://")))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || strchr("<>\"", s[i]))
            return false;
    return true;
}

static enum rc check_input(const struct msg_input *in, struct err *err)
{
    if (!addr_ok(in->from_addr)) return err_set(err, RC_INVALID, "invalid sender address");
    if (!addr_ok(in->to_addr)) return err_set(err, RC_INVALID, "invalid recipient address");
    if (!id_ok(in->message_id)) return err_set(err, RC_INVALID, "invalid Message-ID");
    for (size_t i = 0; i < in->earlier_count; i++)
        if (!id_ok(in->earlier_ids[i]))
            return err_set(err, RC_INVALID, "invalid earlier Message-ID");
    if (!url_ok(in->unsubscribe_url))
        return err_set(err, RC_INVALID, "invalid unsubscribe URL (http or https, no spaces)");
    return RC_OK;
}

/* ---- templates ----------------------------------------------------------- */

static void html_escape(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default: buf_append(b, s + i, 1);
        }
    }
}

/* Lead values are data, not markup: "AT&T <sales>" must show as written. */
static struct tpl_vars html_vars(const struct tpl_vars *raw, struct arena *a)
{
    struct tpl_vars v = {{0}};
    struct buf b;
    buf_init(&b, 0);
    for (int f = 0; f < TPL_FIELD_COUNT; f++) {
        if (!raw->values[f]) continue;
        buf_reset(&b);
        html_escape(&b, raw->values[f], strlen(raw->values[f]));
        v.values[f] = arena_strndup(a, b.data ? b.data : "", b.len);
    }
    buf_free(&b);
    return v;
}

static enum rc render_template(const char *text, const struct tpl_vars *vars, uint64_t seed,
                               const char *what, struct arena *a, char **out, struct err *err)
{
    struct buf b;
    buf_init(&b, MESSAGE_LIMIT);
    char why[256];
    uint64_t rng = seed ? seed : 1;
    enum rc rc = RC_OK;
    if (!tpl_render(text ? text : "", vars, &rng, &b, why, sizeof why))
        rc = err_set(err, RC_INVALID, "%s: %s", what, why);
    else if (b.too_big)
        rc = err_set(err, RC_INVALID, "%s: rendered text is too long", what);
    else
        *out = arena_strndup(a, b.data ? b.data : "", b.len);
    buf_free(&b);
    return rc;
}

static enum rc render_subject(const struct msg_input *in, struct arena *a, const char **subject,
                              struct err *err)
{
    char *raw = NULL;
    enum rc rc = render_template(in->subject, &in->lead, in->seed, "subject", a, &raw, err);
    if (rc != RC_OK) return rc;
    char *line = one_line(a, raw);
    if (*line) {
        *subject = line;
        return RC_OK;
    }
    const char *first = one_line(a, in->first_subject);
    if (!*first) return err_set(err, RC_INVALID, "the first step's subject is empty");
    *subject = strncasecmp(first, "Re:", 3) == 0 ? first : arena_sprintf(a, "Re: %s", first);
    return RC_OK;
}

/* The body with the unsubscribe link before </body> (or at the end). */
static enum rc render_body(const struct msg_input *in, struct arena *a, const char **html,
                           struct err *err)
{
    struct tpl_vars vars = html_vars(&in->lead, a);
    char *body = NULL;
    uint64_t seed = in->seed ^ 0x6a09e667f3bcc908ull; /* its own stream: subject edits keep it */
    enum rc rc = render_template(in->body_html, &vars, seed, "body", a, &body, err);
    if (rc != RC_OK) return rc;
    const char *close = NULL;
    for (const char *p = body; (p = strcasestr(p, "</body")); p++) close = p;
    size_t head = close ? (size_t)(close - body) : strlen(body);
    struct buf b;
    buf_init(&b, 0);
    buf_append(&b, body, head);
    buf_puts(&b, "\n<p><a href=\"");
    html_escape(&b, in->unsubscribe_url, strlen(in->unsubscribe_url));
    buf_puts(&b, "\">Unsubscribe</a></p>\n");
    buf_puts(&b, body + head);
    *html = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return RC_OK;
}

/* ---- HTML to text -------------------------------------------------------- */

struct text_out {
    struct buf b;
    struct arena *a;
    int newlines;   /* line breaks owed before the next text */
    bool space;     /* a space owed before the next text */
    const char *prefix; /* owed at the start of the next line's text ("- ") */
    const char *href;   /* the open link's target */
    size_t link_start;  /* where its text began in b */
};

static const struct {
    const char *tag;
    int newlines;
    const char *prefix;
} block_tags[] = {
    {"p", 2, NULL},       {"h1", 2, NULL},      {"h2", 2, NULL},     {"h3", 2, NULL},
    {"h4", 2, NULL},      {"h5", 2, NULL},      {"h6", 2, NULL},     {"blockquote", 2, NULL},
    {"ul", 2, NULL},      {"ol", 2, NULL},      {"table", 2, NULL},  {"pre", 2, NULL},
    {"hr", 2, NULL},      {"dl", 2, NULL},      {"div", 1, NULL},    {"li", 1, "- "},
    {"tr", 1, NULL},      {"section", 1, NULL}, {"article", 1, NULL}, {"header", 1, NULL},
    {"footer", 1, NULL},  {"dt", 1, NULL},      {"dd", 1, NULL},     {"address", 1, NULL},
    {"center", 1, NULL},  {"td", 0, NULL},      {"th", 0, NULL},
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool at_line_start(const struct text_out *t)
{
    return t->b.len == 0 || t->b.data[t->b.len - 1] == '\n';
}

static void put_text(struct text_out *t, const char *s, size_t n)
{
    if (t->b.len > 0 && t->newlines > 0) {
        while (t->b.len > 0 && t->b.data[t->b.len - 1] == ' ') t->b.data[--t->b.len] = '\0';
        for (int i = 0; i < t->newlines; i++) buf_puts(&t->b, "\n");
    } else if (t->space && !at_line_start(t)) {
        buf_puts(&t->b, " ");
    }
    t->newlines = 0;
    t->space = false;
    if (t->prefix && at_line_start(t)) buf_puts(&t->b, t->prefix);
    t->prefix = NULL;
    buf_append(&t->b, s, n);
}

static void on_text(struct text_out *t, const char *raw, size_t n)
{
    if (n == 0) return;
    if (is_space(raw[0])) t->space = true;
    const char *text = extract_html_text(raw, n, false, t->a);
    if (*text) put_text(t, text, strlen(text));
    if (is_space(raw[n - 1])) t->space = true;
}

static void block(struct text_out *t, int newlines, const char *prefix)
{
    if (newlines > t->newlines) t->newlines = newlines;
    if (prefix) t->prefix = prefix;
    t->space = false;
}

static void link_open(struct text_out *t, const struct html_token *tok)
{
    const struct html_attr *href = html_token_attr(tok, "href");
    t->href = href ? extract_html_text(href->val, href->vlen, true, t->a) : NULL;
    t->link_start = t->b.len;
}

/* "text (url)" unless the text already is the URL (or the mailto address). */
static void link_close(struct text_out *t)
{
    const char *url = t->href;
    t->href = NULL;
    if (!url || !*url || url[0] == '#' || strncasecmp(url, "javascript:", 11) == 0) return;
    const char *shown = strncasecmp(url, "mailto:", 7) == 0 ? url + 7 : url;
    size_t start = t->link_start <= t->b.len ? t->link_start : t->b.len;
    const char *text = t->b.data ? t->b.data + start : "";
    while (is_space(*text) || *text == '-') text++;
    if (strcmp(text, shown) == 0 || strcmp(text, url) == 0) return;
    bool empty = !*text;
    char *part = arena_sprintf(t->a, empty ? "%s" : "(%s)", shown);
    t->space = !empty;
    put_text(t, part, strlen(part));
}

static void on_tag(struct text_out *t, const struct html_token *tok)
{
    bool start = tok->kind == HTML_START;
    if (strcmp(tok->name, "br") == 0) {
        if (start && t->newlines < 2) t->newlines++;
        t->space = false;
        return;
    }
    if (strcmp(tok->name, "a") == 0) {
        if (t->href) link_close(t);
        if (start) link_open(t, tok);
        return;
    }
    for (size_t i = 0; i < sizeof block_tags / sizeof block_tags[0]; i++) {
        if (strcmp(tok->name, block_tags[i].tag) != 0) continue;
        if (block_tags[i].newlines == 0) t->space = true; /* table cells: side by side */
        else block(t, block_tags[i].newlines, start ? block_tags[i].prefix : NULL);
        return;
    }
}

const char *msg_html_to_text(const char *html, struct arena *a)
{
    struct text_out t = {.a = a};
    buf_init(&t.b, 0);
    struct html_tokenizer tz;
    html_tokenizer_init(&tz, html, strlen(html));
    struct html_token tok;
    while (html_next(&tz, &tok)) {
        if (tok.kind == HTML_TEXT) on_text(&t, tok.text, tok.len);
        else if ((tok.kind == HTML_START && !(tok.cls & HTML_RAW)) || tok.kind == HTML_END)
            on_tag(&t, &tok);
    }
    if (t.href) link_close(&t);
    while (t.b.len > 0 && is_space(t.b.data[t.b.len - 1])) t.b.data[--t.b.len] = '\0';
    const char *out = arena_strndup(a, t.b.data ? t.b.data : "", t.b.len);
    buf_free(&t.b);
    return out;
}

/* ---- headers ------------------------------------------------------------- */

struct header {
    struct buf *b;
    size_t col;
};

static void header_begin(struct header *h, const char *name)
{
    buf_printf(h->b, "%s:", name);
    h->col = strlen(name) + 1;
}

/* Adds one token after a space, folding the line first when it would pass 78. */
static void header_token(struct header *h, const char *s, size_t n)
{
    if (h->col + 1 + n > LINE_MAX_COLS) {
        buf_puts(h->b, "\r\n ");
        h->col = 1;
    } else {
        buf_puts(h->b, " ");
        h->col++;
    }
    buf_append(h->b, s, n);
    h->col += n;
}

static void header_end(struct header *h)
{
    buf_puts(h->b, "\r\n");
}

static size_t utf8_char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* RFC 2047 "B" encoded words, split between characters, each its own token. */
static void header_encoded(struct header *h, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && j - i + utf8_char_len((unsigned char)s[j]) <= WORD_MAX_BYTES)
            j += utf8_char_len((unsigned char)s[j]);
        if (j > n) j = n;
        if (j == i) j = i + 1;
        char b64[sodium_base64_ENCODED_LEN(WORD_MAX_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + i, j - i,
                          sodium_base64_VARIANT_ORIGINAL);
        char word[100];
        int len = snprintf(word, sizeof word, "=?UTF-8?B?%s?=", b64);
        header_token(h, word, (size_t)len);
        i = j;
    }
}

/* Unencoded only when plain ASCII, foldable, and not mistakable for an encoded word. */
static bool needs_encoding(const char *s, size_t quote_overhead)
{
    if (strstr(s, "=?")) return true;
    size_t word = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80) return true;
        word = *p == ' ' && !quote_overhead ? 0 : word + 1;
        if (word + quote_overhead > PLAIN_WORD_MAX) return true;
    }
    return false;
}

static void header_text(struct header *h, const char *s)
{
    if (needs_encoding(s, 0)) {
        header_encoded(h, s);
        return;
    }
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, " ");
        header_token(h, p, n);
        p += n;
        p += strspn(p, " ");
    }
}

/* A display name: a quoted string when ASCII and short, else encoded words. */
static void header_phrase(struct header *h, const char *name, struct arena *a)
{
    size_t quoting = 2;
    for (const char *p = name; *p; p++) quoting += *p == '"' || *p == '\\';
    if (needs_encoding(name, quoting)) {
        header_encoded(h, name);
        return;
    }
    struct buf q;
    buf_init(&q, 0);
    buf_puts(&q, "\"");
    for (const char *p = name; *p; p++) {
        if (*p == '"' || *p == '\\') buf_puts(&q, "\\");
        buf_append(&q, p, 1);
    }
    buf_puts(&q, "\"");
    header_token(h, arena_strndup(a, q.data, q.len), q.len);
    buf_free(&q);
}

static void header_simple(struct buf *b, const char *name, const char *value)
{
    struct header h = {b, 0};
    header_begin(&h, name);
    header_token(&h, value, strlen(value));
    header_end(&h);
}

static void header_date(struct buf *b, time_t when)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&when, &tm);
    buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
               months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void write_headers(struct buf *b, const struct msg_input *in, const char *subject,
                          const char *boundary, struct arena *a)
{
    header_date(b, in->date);
    struct header h = {b, 0};
    header_begin(&h, "From");
    const char *name = one_line(a, in->from_name);
    if (*name) header_phrase(&h, name, a);
    header_token(&h, arena_sprintf(a, *name ? "<%s>" : "%s", in->from_addr),
                 strlen(in->from_addr) + (*name ? 2 : 0));
    header_end(&h);
    header_simple(b, "To", in->to_addr);
    header_begin(&h, "Subject");
    header_text(&h, subject);
    header_end(&h);
    header_simple(b, "Message-ID", in->message_id);
    if (in->earlier_count > 0) {
        header_simple(b, "In-Reply-To", in->earlier_ids[in->earlier_count - 1]);
        header_begin(&h, "References");
        for (size_t i = 0; i < in->earlier_count; i++)
            header_token(&h, in->earlier_ids[i], strlen(in->earlier_ids[i]));
        header_end(&h);
    }
    buf_puts(b, "MIME-Version: 1.0\r\n");
    header_simple(b, "List-Unsubscribe", arena_sprintf(a, "<%s>", in->unsubscribe_url));
    buf_puts(b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    buf_printf(b, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n", boundary);
}

/* ---- body parts ---------------------------------------------------------- */

/* Quoted-printable (RFC 2045 6.7) of text whose lines end in LF, CRLF or CR;
 * encoded lines end in CRLF and hold at most 76 characters. */
static void qp_encode(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            if (*p == '\r' && p[1] == '\n') p++;
            buf_puts(b, "\r\n");
            col = 0;
            continue;
        }
        bool line_end = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
        bool literal = (*p >= 33 && *p <= 126 && *p != '=') ||
                       ((*p == ' ' || *p == '\t') && !line_end);
        size_t n = literal ? 1 : 3;
        if (col + n > QP_MAX_COLS - 1) {
            buf_puts(b, "=\r\n");
            col = 0;
        }
        if (literal) buf_append(b, p, 1);
        else buf_printf(b, "=%c%c", hex[*p >> 4], hex[*p & 15]);
        col += n;
    }
}

static void write_part(struct buf *b, const char *boundary, const char *type, const char *text)
{
    buf_printf(b, "\r\n--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
               boundary, type);
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) n--;
    struct buf trimmed;
    buf_init(&trimmed, 0);
    buf_append(&trimmed, text, n);
    qp_encode(b, trimmed.data ? trimmed.data : "");
    buf_free(&trimmed);
}

enum rc msg_render(const struct msg_input *in, struct arena *a, struct msg_output *out,
                   struct err *err)
{
    const char *subject = NULL, *html = NULL;
    enum rc rc = check_input(in, err);
    if (rc == RC_OK) rc = render_subject(in, a, &subject, err);
    if (rc == RC_OK) rc = render_body(in, a, &html, err);
    if (rc != RC_OK) return rc;
    char *clean_html = arena_strdup(a, html);
    str_utf8_scrub(clean_html);
    const char *text = msg_html_to_text(clean_html, a);
    /* "=_" never occurs in quoted-printable text, so the boundary cannot either */
    char boundary[32];
    snprintf(boundary, sizeof boundary, "=_lg_%016llx", (unsigned long long)in->seed);

    struct buf b;
    buf_init(&b, 0);
    write_headers(&b, in, subject, boundary, a);
    write_part(&b, boundary, "text/plain", text);
    write_part(&b, boundary, "text/html", clean_html);
    buf_printf(&b, "\r\n--%s--\r\n", boundary);
    *out = (struct msg_output){.data = arena_strndup(a, b.data, b.len), .len = b.len,
                               .subject = subject, .text = text};
    buf_free(&b);
    return RC_OK;
}
