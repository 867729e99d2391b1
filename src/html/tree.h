/* A light document tree built from the tokenizer (src/html/tokenizer.h), for
 * readers that need structure (which link holds which heading, which block a
 * result ends with) rather than one pass: the SERP parsers. A simplified HTML
 * tree builder: void and raw-text elements take no children, an end tag closes
 * the nearest open element of its name (within 64 levels), a/li/dt/dd/p/option/
 * tr/td/th close their open predecessor the way browsers do, and "<x/>" closes
 * itself inside svg and math. Nodes, attribute copies and text pointers live in
 * the caller's arena and point into the input, which must outlive the tree.
 * Text is raw: character references are not decoded (extract_html_text does). */
#ifndef LEADGEN_HTML_TREE_H
#define LEADGEN_HTML_TREE_H

#include "base/mem.h"
#include "html/tokenizer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Past this many nodes the rest of the input is ignored (html_doc.truncated). */
#define HTML_MAX_NODES ((size_t)1 << 17)

struct html_node {
    struct html_node *parent, *first, *last, *next;
    const char *name; /* lower-case element name; NULL for a text node */
    const struct html_attr *attrs;
    uint32_t nattrs;
    uint32_t order; /* document order, from 0 (the root) */
    bool raw;       /* a text node holding a raw-text element's content */
    const char *text; /* text nodes: raw bytes in the input */
    size_t len;
};

struct html_doc {
    struct html_node *root; /* a synthetic "#document" element */
    size_t nodes;
    bool truncated;
};

/* Builds the tree of s[0..n); never fails (any bytes give some tree). */
void html_parse(const char *s, size_t n, struct arena *a, struct html_doc *out);

/* The raw value of attribute name (lower-case) on an element, or NULL. */
const char *html_attr(const struct html_node *n, const char *name, size_t *len);
/* True when the element's attribute equals value exactly (case-sensitive). */
bool html_attr_is(const struct html_node *n, const char *name, const char *value);
/* True when the class attribute holds the token cls (case-sensitive). */
bool html_has_class(const struct html_node *n, const char *cls);
/* True when n is an element called name. */
bool html_is(const struct html_node *n, const char *name);

/* Pre-order walk of scope's subtree: the node after n, or NULL past scope. */
struct html_node *html_next_node(const struct html_node *n, const struct html_node *scope);
/* The node after n's subtree in pre-order within scope, or NULL. */
struct html_node *html_skip_subtree(const struct html_node *n, const struct html_node *scope);
/* True when n is anc or below it. */
bool html_within(const struct html_node *n, const struct html_node *anc);
/* The first element below scope (pre-order) called name (NULL: any) for which
 * pred (NULL: always) holds, or NULL. */
struct html_node *html_find(const struct html_node *scope, const char *name,
                            bool (*pred)(const struct html_node *n, const void *ctx),
                            const void *ctx);

/* Appends the raw text below n (n included) to out: what a reader sees, so
 * script, style, template and noscript content is left out, and so is every
 * subtree for which skip (may be NULL) holds; elements that break lines (all
 * but inline formatting tags) add '\n' around their text. Stops when out is
 * full (its limit) or after HTML_TEXT_MAX_NODES nodes (plenty for one search
 * result or ad; a bound for hostile nesting, not for whole pages). */
#define HTML_TEXT_MAX_NODES ((size_t)1 << 12)
struct buf;
void html_text_raw(const struct html_node *n,
                   bool (*skip)(const struct html_node *n, const void *ctx), const void *ctx,
                   struct buf *out);

#endif
