/* Contact extraction: the bytes of one HTML page in, contacts out. No I/O.
 * A single-pass streaming tokenizer feeds emails (plain, mailto:, entities,
 * Cloudflare, spelled-out, spamspan, Joomla, ROT13/RTL, JSON), phones (tel:
 * links, +CC or keyword-led text numbers), social profiles, metadata and the
 * page's links. Rules and the junk-list file: docs/EXTRACTION.md.
 * Everything returned is owned by the arena passed in; all strings are UTF-8.
 * The functions are thread-safe (libpsl's built-in list, a once-built junk table). */
#ifndef LEADGEN_EXTRACT_EXTRACT_H
#define LEADGEN_EXTRACT_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/mem.h"
#include "base/rc.h"

/* Input past this size is ignored (the crawler caps pages at 2 MiB anyway). */
#define EXTRACT_MAX_INPUT ((size_t)16 << 20)

/* A name the page writes next to one of its addresses, spelling its local part. */
struct extract_person {
    const char *name;  /* as written, whitespace collapsed ("José Müller-Lüdenscheid") */
    const char *email; /* as in emails */
};

struct extract_result {
    const char **emails; /* lower-cased, deduplicated, junk removed */
    size_t emails_count;
    const char **phones;            /* display form as written (whitespace collapsed) */
    /* parallel to phones: "+4989..." (E.164) or national digits, then ";ext=12" for an
     * extension */
    const char **phones_normalized;
    size_t phones_count;
    const char **social; /* profile URLs as extract_social_profile gives them */
    size_t social_count;
    /* <title>, meta description/keywords, og:image (resolved); "" when absent.
     * og:title and og:description stand in for a missing or empty title/description. */
    const char *title, *description, *keywords, *image;
    const char *
        *links; /* <a>/<area> hrefs resolved against <base>/page URL, http(s), no fragment */
    size_t links_count;
    /* Names paired with addresses: the name written nearest to an address (its
     * line, up to three lines before, the line after; a mailto link's text and
     * surroundings; schema.org Person in JSON-LD) when it spells the local part
     * with whole words or initials ("Jane Doe": jane.doe, jdoe, doe.jane, jane). */
    const struct extract_person *people;
    size_t people_count;
};

/* An empty result: NULL arrays, zero counts, "" metadata. */
void extract_result_init(struct extract_result *r);

/* Extracts everything from one page. page_url (may be NULL) resolves links and
 * og:image and picks the default country for national phone numbers (its ccTLD).
 * Bytes that are not UTF-8 are converted from the page's <meta charset>
 * (windows-1252 when none). Returns RC_INVALID only when html is NULL and len > 0. */
enum rc extract_page(const char *html, size_t len, const char *page_url, struct arena *a,
                     struct extract_result *out);

/* Adds from's items to into (deduplicated as extract_page does; a national phone
 * number that matches an international one is dropped), keeps into's metadata
 * fields unless they are empty. For the crawler, which merges up to 15 pages. */
void extract_merge(struct extract_result *into, const struct extract_result *from, struct arena *a);

/* --- The pieces other features reuse ------------------------------------------ */

/* Plain-text emails (not HTML: no entity decoding), including the spelled-out
 * forms ("name [at] domain [dot] com"), validated, junk-filtered, lower-cased and
 * deduplicated, in order of appearance. Returns the count; *out is arena-owned. */
size_t extract_emails_from_text(const char *text, size_t len, struct arena *a, const char ***out);

/* True when s (len bytes, no surrounding text) is a syntactically valid address
 * whose domain ends in a real public suffix (libpsl, no wildcard rule). */
bool extract_email_valid(const char *s, size_t len);

/* True when a valid address is junk: a website-builder, tracking or placeholder
 * domain, a generic local part, a file extension as TLD or a hash-like local part
 * (the lists are data/junk.txt, embedded at build time). Case-insensitive. */
bool extract_email_is_junk(const char *email);

/* True when email's domain has the same registrable domain (libpsl) as host:
 * the crawler's split between `emails` and `all_emails`. */
bool extract_email_on_site(const char *email, const char *host);

/* Normalises a phone number as written: "+CC..." (00 becomes +, a "(0)" trunk
 * is dropped) or, for a national number, "+CC" + number without trunk 0 when
 * default_cc (digits, e.g. "49"; may be NULL) is known, else its digits.
 * Writes a NUL-terminated string; false when it is not 5..15 digits or out is small. */
bool extract_phone_normalize(const char *phone, const char *default_cc, char *out, size_t out_size);

/* The default calling code for a host's ccTLD ("49" for x.de), or NULL. */
const char *extract_country_code_for_host(const char *host);

/* The canonical profile URL ("https://facebook.com/name") of a link to a social
 * profile on one of the supported networks, or NULL for anything else (share,
 * intent, pixel, post, video and template links, bare hosts). len may be
 * (size_t)-1 for a NUL-terminated url. */
const char *extract_social_canonical(const char *url, size_t len, struct arena *a);

/* The same profile as answers give it: https, the host as the link wrote it
 * (lower-cased, no port: "https://www.linkedin.com/company/example",
 * "https://twitter.com/example"), the canonical path, no tracking query; WhatsApp
 * numbers as https://wa.me/<digits>. NULL where extract_social_canonical is. */
const char *extract_social_profile(const char *url, size_t len, struct arena *a);

/* Text numbers as extract_page finds them in visible text (+CC form, or led by
 * a keyword such as Tel, Phone, Call), and, since snippets are too short to carry
 * a keyword, NANP-shaped numbers and national ones led by a trunk prefix in
 * parentheses; normalised with default_cc (may be NULL) and deduplicated:
 * *display (as written) and *normalized are parallel arena arrays. Returns the
 * count. For text that is not a page (SERP snippets). */
size_t extract_phones_from_text(const char *text, size_t len, const char *default_cc,
                                struct arena *a, const char ***display, const char ***normalized);

/* HTML text as a reader sees it: character references decoded (with the
 * attribute-value rule for legacy references when in_attr), whitespace runs
 * collapsed to one space, trimmed. Arena-owned; for parsers that tokenize
 * pages themselves (src/html, the SERP parsers). */
const char *extract_html_text(const char *s, size_t len, bool in_attr, struct arena *a);

/* Converts a page to UTF-8 when it is not already valid UTF-8, using the
 * charset of content_type (an HTTP Content-Type value, may be NULL), then the
 * page's <meta charset>, then windows-1252. Valid UTF-8 is returned as is
 * (no copy). Never fails: unconvertible bytes become U+FFFD. */
void extract_to_utf8(const char *body, size_t len, const char *content_type, struct arena *a,
                     const char **out, size_t *out_len);

#endif
