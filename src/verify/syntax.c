/* Email syntax: dot-atom local parts, host-name domains through libidn2,
 * and the length limits of RFC 5321 §4.5.3.1. */
#include "verify/syntax.h"

#include "base/str.h"

#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

enum { LOCAL_MAX = 64, DOMAIN_MAX = 253, LABEL_MAX = 63, ADDRESS_MAX = 254 };

/* Special-use top-level names (RFC 2606, 6761, 6762, 7686, 9476; ICANN's
 * .internal): no mail is ever delivered there. */
static const char *const reserved_tlds[] = {
    "alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion", "test",
};

static bool fail(struct email_syntax *out, enum syntax_error e, const char *reason)
{
    out->valid = false;
    out->error = e;
    out->reason = reason;
    return false;
}

static bool is_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* "'x'" for a printable ASCII byte, else "U+XXXX" (the code point at s). */
static const char *char_name(struct arena *a, const char *s)
{
    unsigned char c = (unsigned char)*s;
    if (c > 0x20 && c < 0x7f) return arena_sprintf(a, "'%c'", c);
    ucs4_t uc = c;
    if (c >= 0x80) u8_mbtouc(&uc, (const uint8_t *)s, strlen(s));
    return arena_sprintf(a, "U+%04X", (unsigned)uc);
}

/* Unicode characters that cannot be told apart or that change what is
 * around them: separators and spaces (Z*), controls, format characters,
 * surrogates, private use and unassigned code points (C*), and a combining
 * mark (M*) in the first position. */
static bool unsafe_code_point(ucs4_t uc, bool first)
{
    if (uc_is_general_category(uc, UC_CATEGORY_Z) || uc_is_general_category(uc, UC_CATEGORY_C))
        return true;
    return first && uc_is_general_category(uc, UC_CATEGORY_M);
}

/* Non-ASCII local parts: every code point safe, and no ASCII character that
 * is not atext hidden in a canonical decomposition (U+226E is '<' + U+0338).
 * The local part becomes its NFC form (RFC 6532 §3.1), whose length counts. */
static bool check_utf8_local(struct email_syntax *out, struct arena *a, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; i < n;) {
        ucs4_t uc;
        int len = u8_mbtouc(&uc, p + i, n - i);
        if (len <= 0) return fail(out, SYN_NOT_UTF8, "the address is not valid UTF-8");
        if (uc >= 0x80 && unsafe_code_point(uc, i == 0))
            return fail(out, SYN_UNSAFE_CHAR,
                        arena_sprintf(a, "the part before the @-sign contains an unsafe Unicode "
                                         "character (U+%04X)", (unsigned)uc));
        i += (size_t)len;
    }
    size_t dlen = 0;
    uint8_t *nfd = u8_normalize(UNINORM_NFD, p, n, NULL, &dlen);
    if (!nfd) return fail(out, SYN_NOT_UTF8, "the address is not valid UTF-8");
    bool ok = true;
    for (size_t i = 0; i < dlen && ok; i++)
        ok = nfd[i] >= 0x80 || nfd[i] == '.' || is_atext(nfd[i]);
    free(nfd);
    if (!ok)
        return fail(out, SYN_LOCAL_CHAR,
                    "the part before the @-sign contains a character that decomposes into one "
                    "not allowed there");
    size_t clen = 0;
    uint8_t *nfc = u8_normalize(UNINORM_NFC, p, n, NULL, &clen);
    if (!nfc) return fail(out, SYN_NOT_UTF8, "the address is not valid UTF-8");
    out->local = arena_strndup(a, (const char *)nfc, clen);
    free(nfc);
    return clen <= LOCAL_MAX ||
           fail(out, SYN_LOCAL_TOO_LONG, "the part before the @-sign is longer than 64 octets");
}

static bool check_local(struct email_syntax *out, struct arena *a, const char *s, size_t n)
{
    if (s[0] == '"')
        return fail(out, SYN_QUOTED, "quoted local parts (\"...\"@) are not accepted: few mail "
                                     "systems deliver to them");
    if (n > LOCAL_MAX)
        return fail(out, SYN_LOCAL_TOO_LONG, "the part before the @-sign is longer than 64 octets");
    bool ascii = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            ascii = false;
        } else if (c == '.') {
            if (i == 0 || i == n - 1 || s[i + 1] == '.')
                return fail(out, SYN_LOCAL_DOT, "the part before the @-sign starts or ends with a "
                                                "dot, or has two dots in a row");
        } else if (!is_atext(c)) {
            return fail(out, SYN_LOCAL_CHAR,
                        arena_sprintf(a, "the part before the @-sign contains an invalid "
                                         "character: %s", char_name(a, s + i)));
        }
    }
    out->smtputf8 = !ascii;
    return ascii || check_utf8_local(out, a, s, n);
}

/* Length of the label separator at s (".", U+3002, U+FF0E, U+FF61), or 0. */
static size_t separator_len(const char *s)
{
    static const char *const seps[] = {"\xe3\x80\x82", "\xef\xbc\x8e", "\xef\xbd\xa1"};
    if (*s == '.') return 1;
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++)
        if (strncmp(s, seps[i], 3) == 0) return 3;
    return 0;
}

/* An ASCII label: letters, digits and inner hyphens; "xx--" only as a valid
 * A-label. Appends its lowercase form to out. */
static bool ascii_label(struct email_syntax *r, struct arena *a, const char *s, size_t n,
                        char *dst)
{
    for (size_t i = 0; i < n; i++)
        if (!is_ldh((unsigned char)s[i]))
            return fail(r, SYN_DOMAIN_CHAR,
                        arena_sprintf(a, "the domain contains an invalid character: %s",
                                      char_name(a, s + i)));
    if (s[0] == '-' || s[n - 1] == '-')
        return fail(r, SYN_DOMAIN_HYPHEN, "a label of the domain starts or ends with a hyphen");
    if (n > LABEL_MAX)
        return fail(r, SYN_LABEL_TOO_LONG, "a label of the domain is longer than 63 octets");
    memcpy(dst, s, n);
    dst[n] = '\0';
    str_ascii_lower(dst);
    if (n >= 4 && dst[2] == '-' && dst[3] == '-') {
        char *checked = NULL;
        int rc = strncmp(dst, "xn--", 4) == 0 ? idn2_to_ascii_8z(dst, &checked, IDN2_NONTRANSITIONAL)
                                              : IDN2_2HYPHEN;
        free(checked);
        if (rc != IDN2_OK)
            return fail(r, SYN_IDNA,
                        arena_sprintf(a, "the domain is not a valid internationalised name: %s",
                                      idn2_strerror(rc)));
    }
    return true;
}

/* A label with non-ASCII characters, converted to its A-label into dst
 * (room for LABEL_MAX + 1 bytes). */
static bool unicode_label(struct email_syntax *r, struct arena *a, const char *s, size_t n,
                          char *dst)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && !is_ldh(c))
            return fail(r, SYN_DOMAIN_CHAR,
                        arena_sprintf(a, "the domain contains an invalid character: %s",
                                      char_name(a, s + i)));
    }
    char *label = arena_strndup(a, s, n), *ascii = NULL;
    int rc = idn2_to_ascii_8z(label, &ascii,
                              IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT | IDN2_USE_STD3_ASCII_RULES);
    if (rc != IDN2_OK && rc != IDN2_DISALLOWED)
        return fail(r, SYN_IDNA, arena_sprintf(a, "the domain is not a valid internationalised "
                                                  "name: %s", idn2_strerror(rc)));
    /* a mapping into a dot (U+2488 is "1.") would change the labels, and one
     * into other ASCII (U+037E is ';') would make a name DNS cannot carry */
    size_t len = rc == IDN2_OK ? strlen(ascii) : 0;
    bool ok = len > 0;
    for (size_t i = 0; i < len && ok; i++) ok = is_ldh((unsigned char)ascii[i]);
    if (ok && len <= LABEL_MAX) memcpy(dst, ascii, len + 1);
    free(ascii);
    if (!ok)
        return fail(r, SYN_DOMAIN_CHAR,
                    arena_sprintf(a, "the domain contains a character not allowed in a domain "
                                     "name (label '%s')", label));
    return len <= LABEL_MAX ||
           fail(r, SYN_LABEL_TOO_LONG, "a label of the domain is longer than 63 octets");
}

static bool check_tld(struct email_syntax *r, struct arena *a, const char *tld)
{
    bool alpha = strlen(tld) >= 2;
    for (const char *p = tld; *p && alpha; p++) alpha = (*p >= 'a' && *p <= 'z');
    if (!alpha && strncmp(tld, "xn--", 4) != 0)
        return fail(r, SYN_TLD, arena_sprintf(a, "'%s' is not a top-level domain: those are "
                                                 "letters only, or an A-label", tld));
    for (size_t i = 0; i < sizeof reserved_tlds / sizeof reserved_tlds[0]; i++)
        if (strcmp(tld, reserved_tlds[i]) == 0)
            return fail(r, SYN_RESERVED,
                        arena_sprintf(a, ".%s is a special-use domain (RFC 6761) that receives "
                                         "no mail", tld));
    return true;
}

/* Splits the domain into labels and writes its lowercase A-label form. */
static bool check_domain(struct email_syntax *r, struct arena *a, const char *d)
{
    static const char *const too_long = "the domain is longer than 253 characters (255 octets "
                                        "in DNS form)";
    if (d[0] == '[')
        return fail(r, SYN_IP_LITERAL, "IP-address literals ([...]) after the @-sign are not "
                                       "accepted");
    /* room for a full-length name and one more label, checked before each label */
    char *ascii = arena_alloc(a, DOMAIN_MAX + LABEL_MAX + 2), *last = ascii;
    size_t used = 0, labels = 0;
    for (const char *p = d;;) {
        size_t n = 0;
        bool plain = true;
        for (; p[n] && !separator_len(p + n); n++) plain = plain && (unsigned char)p[n] < 0x80;
        size_t sep = p[n] ? separator_len(p + n) : 0;
        if (n == 0)
            return fail(r, SYN_DOMAIN_DOT, "the domain starts or ends with a dot, or has two dots "
                                           "in a row");
        if (used > DOMAIN_MAX) return fail(r, SYN_DOMAIN_TOO_LONG, too_long);
        if (used) ascii[used++] = '.';
        last = ascii + used;
        if (plain ? !ascii_label(r, a, p, n, last) : !unicode_label(r, a, p, n, last))
            return false;
        used += strlen(last);
        labels++;
        if (!sep) break;
        p += n + sep;
    }
    if (used > DOMAIN_MAX) return fail(r, SYN_DOMAIN_TOO_LONG, too_long);
    if (labels < 2)
        return fail(r, SYN_NO_DOT, "the domain has no dot: a single-label name receives no mail "
                                   "on the internet");
    r->ascii_domain = ascii;
    return check_tld(r, a, last);
}

/* Forms that are not an addr-spec at all get a reason naming them. */
static bool check_form(struct email_syntax *r, const char *s)
{
    if (strpbrk(s, "<>"))
        return fail(r, SYN_DISPLAY_NAME, "display names and angle brackets are not accepted: give "
                                         "the bare address");
    if (strpbrk(s, "()"))
        return fail(r, SYN_COMMENT, "comments in parentheses are not accepted");
    return true;
}

bool verify_syntax(const char *input, struct arena *a, struct email_syntax *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(input);
    if (n == 0) return fail(out, SYN_EMPTY, "the address is empty");
    if (!str_utf8_valid(input, n)) return fail(out, SYN_NOT_UTF8, "the address is not valid UTF-8");
    if (!check_form(out, input)) return false;
    const char *at = strrchr(input, '@');
    if (!at) return fail(out, SYN_NO_AT, "there is no @-sign");
    size_t llen = (size_t)(at - input);
    if (llen == 0) return fail(out, SYN_NO_LOCAL, "there is nothing before the @-sign");
    if (!at[1]) return fail(out, SYN_NO_DOMAIN, "there is nothing after the @-sign");
    out->local = arena_strndup(a, input, llen);
    out->domain = arena_strdup(a, at + 1);
    if (!check_local(out, a, out->local, llen) || !check_domain(out, a, out->domain)) return false;
    /* the address as given and as normalised must both fit */
    size_t local_len = strlen(out->local) > llen ? strlen(out->local) : llen;
    if (local_len + 1 + strlen(out->ascii_domain) > ADDRESS_MAX)
        return fail(out, SYN_TOO_LONG, "the address is longer than 254 octets");
    out->address = arena_sprintf(a, "%s@%s", out->local, out->ascii_domain);
    out->valid = true;
    return true;
}
