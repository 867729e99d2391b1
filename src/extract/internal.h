/* Internals shared by the extraction engine's files (not a public contract).
 * Heap scratch buffers and deduplicating lists live only for one extract_page
 * call; the strings they point to are allocated in the caller's arena. */
#ifndef LEADGEN_EXTRACT_INTERNAL_H
#define LEADGEN_EXTRACT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "extract/extract.h"

/* ---- byte buffer (heap, grows; inputs are capped by EXTRACT_MAX_INPUT) ---- */
struct ex_buf {
    char *data;
    size_t len, cap;
};
void ex_buf_grow(struct ex_buf *b, size_t extra);
void ex_buf_free(struct ex_buf *b);
static inline void ex_buf_putc(struct ex_buf *b, char ch) {
    if (b->len + 1 >= b->cap) ex_buf_grow(b, 1);
    b->data[b->len++] = ch;
    b->data[b->len] = '\0';
}
static inline void ex_buf_add(struct ex_buf *b, const void *p, size_t n) {
    if (b->len + n >= b->cap) ex_buf_grow(b, n);
    if (n) __builtin_memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* ---- deduplicating string list: items in first-seen order, keyed ---- */
struct ex_list {
    const char **items, **keys;
    size_t count, cap;
    uint32_t *slots; /* open addressing; index + 1, 0 = empty */
    size_t nslots;
};
/* Adds item under key unless key is present; returns the index of the entry
 * with that key and sets *added. Both strings must outlive the list. */
size_t ex_list_add(struct ex_list *l, const char *item, const char *key, bool *added);
/* Index of key or (size_t)-1. */
size_t ex_list_find(const struct ex_list *l, const char *key);
void ex_list_free(struct ex_list *l);
/* Copies the items (and keys when keys_out) into arena arrays. */
const char **ex_list_export(const struct ex_list *l, struct arena *a, const char ***keys_out);

/* ---- extraction context ---- */
struct ex_range {
    size_t start, end;
};

/* An address's place in the visible text, for pairing it with a name near it
 * (the first EX_SPOTS_MAX of a page: a staff page has far fewer). */
enum { EX_SPOTS_MAX = 500 };
struct ex_spot {
    size_t at;         /* byte offset in the visible text */
    const char *email; /* the emails list's copy */
};
struct ex_spots {
    struct ex_spot *items;
    size_t count, cap;
};

struct ex_ctx {
    struct arena *a;
    struct ex_list emails, phones, social, links;
    const char *default_cc; /* calling code for national phone numbers, or NULL */
    bool snippet; /* text too short to carry a keyword (SERP snippets): self-evident shapes count */
    /* While spots is set, every address added (or met again) is noted there: at
     * its offset when it lies in spot_text[0..spot_len), else at spot_at. */
    struct ex_spots *spots;
    const char *spot_text;
    size_t spot_len, spot_at;
    struct ex_list people; /* names as written, keyed by the address they go with */
};

/* ---- text helpers (html.c) ---- */
/* Appends s with HTML character references decoded. in_attr applies the
 * attribute rule for legacy references without ';' (not before [A-Za-z0-9=]). */
void ex_entity_decode(const char *s, size_t n, struct ex_buf *out, bool in_attr);
/* Appends s with %XX decoded ('+' kept). */
void ex_url_decode(const char *s, size_t n, struct ex_buf *out);
/* Appends the UTF-8 encoding of code point cp (invalid ones become U+FFFD). */
void ex_utf8_put(struct ex_buf *out, uint32_t cp);
/* ROT13 over ASCII letters, in place. */
void ex_rot13(char *s, size_t n);
/* Reverses s in place by code point (the CSS direction:rtl trick). */
void ex_reverse_utf8(char *s, size_t n);
/* Copies s into the arena with whitespace runs collapsed to one space and trimmed. */
char *ex_collapse_ws(struct arena *a, const char *s, size_t n);
/* Decodes JSON/JS string escapes (\n \/ \uXXXX incl. surrogate pairs, \xHH). */
void ex_js_unescape(const char *s, size_t n, struct ex_buf *out);
/* Decodes standard or URL-safe base64 (padding optional); false on junk. */
bool ex_base64_decode(const char *s, size_t n, struct ex_buf *out);
static inline char ex_lower(char ch) {
    return (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
}
static inline bool ex_is_alpha(unsigned char ch) {
    return (ch | 32) >= 'a' && (ch | 32) <= 'z';
}
static inline bool ex_is_digit(unsigned char ch) {
    return ch >= '0' && ch <= '9';
}
static inline bool ex_is_alnum(unsigned char ch) {
    return ex_is_alpha(ch) || ex_is_digit(ch);
}
static inline bool ex_is_space(unsigned char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}
/* Case-insensitive ASCII comparison of s[0..n) with the lower-case literal lit. */
bool ex_ieq(const char *s, size_t n, const char *lit);
bool ex_istarts(const char *s, size_t n, const char *lit);
/* Case-insensitive search for the lower-case literal lit; returns NULL when absent. */
const char *ex_ifind(const char *s, size_t n, const char *lit);

/* ---- emails (emails.c) ---- */
/* Validates one candidate (exactly an address), lower-cases, junk-filters, adds;
 * returns the list's copy (also when it was there already), or NULL. */
const char *ex_email_add(struct ex_ctx *c, const char *s, size_t n);
/* Plain addresses anywhere in text. */
void ex_emails_scan(struct ex_ctx *c, const char *s, size_t n);
/* Spelled-out forms: [at] (at) {at}, AT/DOT, [dot]... */
void ex_emails_scan_spelled(struct ex_ctx *c, const char *s, size_t n);
/* An href value (entities decoded) after "mailto:". */
void ex_emails_mailto(struct ex_ctx *c, const char *s, size_t n);
/* Cloudflare hex (key byte first). */
void ex_emails_cloudflare(struct ex_ctx *c, const char *hex, size_t n);
/* Inline JavaScript/JSON (not JSON-LD): literals that are exactly an address,
 * '+'-chained literals (when literals), Joomla's addy variables (always; HTML
 * comments are passed with literals false). */
void ex_emails_script(struct ex_ctx *c, const char *s, size_t n, bool literals);
/* The ROT13'd "mailto:" (znvygb:) trick inside an href. */
void ex_emails_rot13_href(struct ex_ctx *c, const char *s, size_t n);

/* ---- junk (junk.c) ---- */
bool ex_junk_email(const char *email, size_t n); /* email lower-case */
/* s (any case) is a file extension of data/junk.txt's [extensions] ("jpg", "PNG"). */
bool ex_junk_extension(const char *s, size_t n);

/* ---- phones (phones.c) ---- */
/* A tel: href value (entities decoded, after "tel:"); returns the phone's list
 * index when it was added now, else (size_t)-1. */
size_t ex_phone_add_tel(struct ex_ctx *c, const char *s, size_t n);
/* Replaces the display form of phone idx with the link text when that text is the
 * same number written out. */
void ex_phone_link_text(struct ex_ctx *c, size_t idx, const char *s, size_t n);
/* Text numbers: +CC form, or next to a keyword or inside one of ranges
 * (elements marked itemprop=telephone/faxNumber; sorted, may be NULL). */
void ex_phones_scan(struct ex_ctx *c, const char *s, size_t n, const struct ex_range *ranges,
                    size_t nranges);
/* Drops national numbers that equal an international one; returns the new count. */
size_t ex_phones_fold(const char **display, const char **norm, size_t count);

/* ---- social (social.c) ---- */
/* Adds the canonical profile of url, if it is one. */
void ex_social_add(struct ex_ctx *c, const char *url, size_t n);
/* Profile URLs written with http(s):// in text. */
void ex_social_scan_text(struct ex_ctx *c, const char *s, size_t n);
/* The dedupe key of a profile URL in any spelling: its canonical form, lower-case but
 * YouTube channel and Spotify ids. */
const char *ex_social_key(struct arena *a, const char *profile);

/* ---- people (people.c) ---- */
/* Pairs each spotted address with the name written nearest to it (the same
 * line, then up to three lines before it, then the line after) when that name
 * spells the address's local part ("Jane Doe" for jane.doe, jdoe, jane...). */
void ex_people_near(struct ex_ctx *c, const char *text, size_t len, const struct ex_spots *spots);
/* schema.org Person objects of one JSON-LD script: name (or givenName and
 * familyName) with email, under the same spelling rule. */
void ex_people_jsonld(struct ex_ctx *c, const char *s, size_t n);

#endif
