/* SMTP reply parsing and the RCPT TO classifier. */
#include "verify/smtp_reply.h"

#include "base/str.h"

#include <string.h>
#include <strings.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of an enhanced status code "c.s.d" (RFC 3463: 1-3 digits for s and
 * d) at the start of s[0..n) of class cls, followed by a space or the end;
 * 0 when there is none. */
static size_t enhanced_len(const char *s, size_t n, int cls)
{
    if (n < 5 || s[0] != (char)('0' + cls) || s[1] != '.') return 0;
    size_t i = 2;
    for (int part = 0; part < 2; part++) {
        size_t digits = 0;
        while (i < n && is_digit(s[i]) && digits < 4) i++, digits++;
        if (digits == 0 || digits > 3) return 0;
        if (part == 0) {
            if (i >= n || s[i] != '.') return 0;
            i++;
        }
    }
    return i == n || s[i] == ' ' ? i : 0;
}

/* Appends one line's text to out->text (control bytes become spaces). */
static void append_text(struct verify_smtp_reply *out, const char *s, size_t n)
{
    size_t used = strlen(out->text);
    if (out->lines > 0 && used + 1 < sizeof out->text) out->text[used++] = '\n';
    for (size_t i = 0; i < n && used + 1 < sizeof out->text; i++) {
        unsigned char c = (unsigned char)s[i];
        out->text[used++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
    }
    out->text[used] = '\0';
}

/* Parses one line [s, s+n) (without its line end); returns 1 for the last
 * line, 0 for a continuation line, -1 when malformed. */
static int parse_line(const char *s, size_t n, struct verify_smtp_reply *out)
{
    if (n < 3 || s[0] < '1' || s[0] > '5' || !is_digit(s[1]) || !is_digit(s[2])) return -1;
    int code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    if (out->lines > 0 && code != out->code) return -1;
    char sep = n > 3 ? s[3] : ' ';
    if (sep != ' ' && sep != '-') return -1;
    out->code = code;
    const char *text = n > 4 ? s + 4 : s + n;
    size_t tlen = n > 4 ? n - 4 : 0;
    size_t elen = enhanced_len(text, tlen, code / 100);
    if (elen && out->lines == 0 && elen < sizeof out->enhanced) {
        memcpy(out->enhanced, text, elen);
        out->enhanced[elen] = '\0';
    }
    if (elen) {
        text += elen;
        tlen -= elen;
        while (tlen && *text == ' ') text++, tlen--;
    }
    append_text(out, text, tlen);
    out->lines++;
    return sep == ' ';
}

long verify_smtp_reply_parse(const char *buf, size_t len, struct verify_smtp_reply *out)
{
    memset(out, 0, sizeof *out);
    size_t pos = 0;
    for (;;) {
        const char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
        if (!nl) {
            memset(out, 0, sizeof *out);
            return len >= VERIFY_SMTP_REPLY_MAX ? -1 : 0;
        }
        size_t end = (size_t)(nl - buf), line_end = end;
        if (end + 1 > VERIFY_SMTP_REPLY_MAX) return -1;
        if (line_end > pos && buf[line_end - 1] == '\r') line_end--;
        int last = parse_line(buf + pos, line_end - pos, out);
        if (last < 0) return -1;
        pos = end + 1;
        if (last) break;
    }
    str_utf8_scrub(out->text);
    return (long)pos;
}

bool verify_smtp_reply_has_keyword(const struct verify_smtp_reply *r, const char *keyword)
{
    size_t klen = strlen(keyword);
    for (const char *line = r->text; *line;) {
        size_t n = strcspn(line, "\n");
        if (n >= klen && strncasecmp(line, keyword, klen) == 0 && (n == klen || line[klen] == ' '))
            return true;
        line += n;
        if (*line) line++;
    }
    return false;
}

/* ---- classification ------------------------------------------------------ */

static bool mentions(const char *text, const char *const *phrases)
{
    for (; *phrases; phrases++)
        if (strcasestr(text, *phrases)) return true;
    return false;
}

/* A refusal of the sender, its IP or its behaviour rather than of the
 * mailbox. Checked before the user-unknown phrases: calling a real mailbox
 * invalid is the costlier mistake. */
static const char *const policy_phrases[] = {
    "block",   "blacklist", "denylist", "listed at", "listed by", "listed on", "is listed",
    "spam",    "policy",    "reputation", "rbl",     "dnsbl",     "spamhaus",  "barracuda",
    "denied",  "not permitted", "relay",  "authenticat", "sender", "banned",  "refused",
    "reverse dns", "rdns",  "ptr record", "helo",    "spf",       "dmarc",     "abuse",
    NULL,
};
static const char *const unknown_user_phrases[] = {
    "user unknown",      "unknown user",       "no such user",      "no such recipient",
    "no such mailbox",   "no such address",    "no mailbox",        "mailbox unavailable",
    "mailbox not found", "does not exist",     "doesn't exist",     "not exist",
    "unknown recipient", "recipient unknown",  "invalid recipient", "invalid mailbox",
    "user not found",    "recipient not found", "address unknown",  "unknown address",
    "not a valid mailbox", "unrouteable address", "undeliverable address", "not listed in",
    NULL,
};
static const char *const full_phrases[] = {
    "mailbox full", "mailbox is full", "inbox full", "inbox is full", "over quota",
    "overquota",    "quota exceeded",  "exceeded storage", "storage allocation",
    "mailbox size limit", NULL,
};
static const char *const too_many_phrases[] = {
    "too many recipients", "too many rcpt", "recipient limit", "maximum recipients",
    "max recipients", NULL,
};
static const char *const disabled_phrases[] = {
    "disabled", "deactivated", "inactive", "suspended", NULL,
};

/* Reads "c.s.d" into *subject and *detail; false when absent. */
static bool enhanced_parts(const struct verify_smtp_reply *r, int *subject, int *detail)
{
    const char *e = r->enhanced;
    if (!e[0] || e[0] - '0' != r->code / 100) return false;
    int values[2] = {0, 0}, k = 0;
    for (const char *p = e + 2; *p && k < 2; p++) {
        if (*p == '.') k++;
        else values[k] = values[k] * 10 + (*p - '0');
    }
    *subject = values[0];
    *detail = values[1];
    return true;
}

/* The enhanced code alone, when it is conclusive (RFC 3463 §3); else -1. */
static int classify_enhanced(int cls, int subject, int detail)
{
    if (subject == 5 && detail == 3) return VERIFY_SMTP_TOO_MANY;
    if (subject == 2 && detail == 2) return VERIFY_SMTP_FULL;
    if (cls == 4) return VERIFY_SMTP_TEMPORARY;
    if (subject == 1)
        return detail == 7 || detail == 8 ? VERIFY_SMTP_POLICY : VERIFY_SMTP_NO_MAILBOX;
    if (subject == 2 && detail == 1) return VERIFY_SMTP_DISABLED;
    if (subject == 7) return VERIFY_SMTP_POLICY;
    return -1;
}

static enum verify_smtp_verdict classify_basic(const struct verify_smtp_reply *r)
{
    const char *t = r->text;
    if (r->code / 100 == 4) {
        if (mentions(t, too_many_phrases)) return VERIFY_SMTP_TOO_MANY;
        if (mentions(t, full_phrases)) return VERIFY_SMTP_FULL;
        return VERIFY_SMTP_TEMPORARY;
    }
    if (mentions(t, policy_phrases)) return VERIFY_SMTP_POLICY;
    if (mentions(t, too_many_phrases)) return VERIFY_SMTP_TOO_MANY;
    if (r->code == 552 || mentions(t, full_phrases)) return VERIFY_SMTP_FULL;
    bool mailbox_code = r->code == 550 || r->code == 551 || r->code == 553 || r->code == 554;
    if (mailbox_code && mentions(t, unknown_user_phrases)) return VERIFY_SMTP_NO_MAILBOX;
    if (mailbox_code && mentions(t, disabled_phrases)) return VERIFY_SMTP_DISABLED;
    return VERIFY_SMTP_OTHER;
}

enum verify_smtp_verdict verify_smtp_classify_rcpt(const struct verify_smtp_reply *r)
{
    int cls = r->code / 100;
    if (cls == 2) return r->code == 252 ? VERIFY_SMTP_UNVERIFIABLE : VERIFY_SMTP_ACCEPTED;
    if (cls != 4 && cls != 5) return VERIFY_SMTP_OTHER;
    int subject, detail;
    if (enhanced_parts(r, &subject, &detail) && !(subject == 0 && detail == 0)) {
        int v = classify_enhanced(cls, subject, detail);
        if (v >= 0) return (enum verify_smtp_verdict)v;
    }
    return classify_basic(r);
}

const char *verify_smtp_verdict_name(enum verify_smtp_verdict v)
{
    static const char *const names[] = {
        [VERIFY_SMTP_ACCEPTED] = "accepted",   [VERIFY_SMTP_NO_MAILBOX] = "no_mailbox",
        [VERIFY_SMTP_DISABLED] = "disabled",   [VERIFY_SMTP_FULL] = "full",
        [VERIFY_SMTP_TOO_MANY] = "too_many",   [VERIFY_SMTP_TEMPORARY] = "temporary",
        [VERIFY_SMTP_POLICY] = "policy",       [VERIFY_SMTP_UNVERIFIABLE] = "unverifiable",
        [VERIFY_SMTP_OTHER] = "other",
    };
    return names[v];
}
