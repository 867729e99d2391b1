/* A streaming HTML tokenizer: text, start tags with attributes, end tags and
 * comments, one token per call, no allocation. It follows the WHATWG
 * tokenizer where readers of real pages depend on it: quoted attribute values
 * run to their closing quote (even across '>'), raw-text elements (script,
 * style, title, textarea, xmp, iframe, noembed, noframes) run to their end
 * tag and come as the start tag's `text`, comments run to "-->". Character
 * references are NOT decoded: tokens point into the input, which must outlive
 * them. Used by the extraction engine (src/extract) and the SERP parsers. */
#ifndef LEADGEN_HTML_TOKENIZER_H
#define LEADGEN_HTML_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>

enum { HTML_NAME_MAX = 23, HTML_ATTR_MAX = 48 };

/* What a tag name is (html_tag_class): inline formatting (no line break in
 * visible text), void (never has content) and raw text (runs to its end tag). */
enum { HTML_INLINE = 1, HTML_VOID = 2, HTML_RAW = 4 };

enum html_token_kind { HTML_TEXT, HTML_START, HTML_END, HTML_COMMENT };

struct html_attr {
    char name[24];   /* lower-case, truncated */
    const char *val; /* raw value in the input (references not decoded) */
    size_t vlen;
};

struct html_token {
    enum html_token_kind kind;
    char name[HTML_NAME_MAX + 1]; /* START/END: lower-case, truncated */
    size_t name_len;
    unsigned cls;      /* START/END: html_tag_class(name) */
    bool self_closing; /* START written as <x ... /> */
    struct html_attr attrs[HTML_ATTR_MAX]; /* START: the first HTML_ATTR_MAX */
    size_t nattrs;
    /* TEXT: the raw text; COMMENT: its body; START of a raw-text element: its
     * content up to the end tag (the end tag itself is consumed, no END token). */
    const char *text;
    size_t len;
};

struct html_tokenizer {
    const char *p, *end;
};

void html_tokenizer_init(struct html_tokenizer *t, const char *s, size_t n);
/* Fills tok with the next token; false at the end of the input. */
bool html_next(struct html_tokenizer *t, struct html_token *tok);

/* HTML_INLINE / HTML_VOID / HTML_RAW flags of a lower-case tag name. */
unsigned html_tag_class(const char *name, size_t len);
/* The attribute called name (lower-case) on a start tag, or NULL. */
const struct html_attr *html_token_attr(const struct html_token *tok, const char *name);

#endif
