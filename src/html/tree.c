/* The tree builder: a stack of open elements fed by the tokenizer, with the
 * few implied closings that decide where real pages' blocks end. */
#include "html/tree.h"

#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

enum { STACK_MAX = 512, END_SEARCH = 64 };

/* Elements whose start implies closing an open one of their kind, and the
 * foreign (svg, math) elements in which "<x/>" closes itself. */
enum { C_P, C_LI, C_DD, C_TR, C_CELL, C_OPTION, C_A, C_FOREIGN, C_COUNT };

struct builder {
    struct arena *a;
    struct html_doc *doc;
    struct html_node *stack[STACK_MAX];
    size_t depth; /* stack[0] is the root */
    uint32_t order;
    unsigned open[C_COUNT]; /* how many of each kind are open: most searches are skipped */
};

static int closable(const char *name)
{
    switch (name[0]) {
    case 'p': return name[1] == '\0' ? C_P : -1;
    case 'a': return name[1] == '\0' ? C_A : -1;
    case 'l': return strcmp(name, "li") == 0 ? C_LI : -1;
    case 'd': return strcmp(name, "dd") == 0 || strcmp(name, "dt") == 0 ? C_DD : -1;
    case 't':
        if (strcmp(name, "tr") == 0) return C_TR;
        return strcmp(name, "td") == 0 || strcmp(name, "th") == 0 ? C_CELL : -1;
    case 'o': return strcmp(name, "option") == 0 ? C_OPTION : -1;
    case 's': return strcmp(name, "svg") == 0 ? C_FOREIGN : -1;
    case 'm': return strcmp(name, "math") == 0 ? C_FOREIGN : -1;
    default: return -1;
    }
}

static void push(struct builder *b, struct html_node *el)
{
    int k = closable(el->name);
    if (k >= 0) b->open[k]++;
    b->stack[b->depth++] = el;
}

/* Pops open elements until depth (>= 1: the root stays). */
static void pop_to_depth(struct builder *b, size_t depth)
{
    while (b->depth > depth && b->depth > 1) {
        int k = closable(b->stack[--b->depth]->name);
        if (k >= 0) b->open[k]--;
    }
}

static struct html_node *top(const struct builder *b)
{
    return b->stack[b->depth - 1];
}

static struct html_node *new_node(struct builder *b)
{
    struct html_node *n = arena_alloc(b->a, sizeof *n);
    n->order = b->order++;
    b->doc->nodes++;
    return n;
}

static void append(struct html_node *parent, struct html_node *n)
{
    n->parent = parent;
    if (parent->last)
        parent->last->next = n;
    else
        parent->first = n;
    parent->last = n;
}

static void add_text(struct builder *b, const char *s, size_t n, bool raw)
{
    if (!n) return;
    struct html_node *parent = top(b), *last = parent->last;
    /* text split only by skipped markup (a comment, a doctype) stays one node */
    if (!raw && last && !last->name && !last->raw && last->text + last->len == s) {
        last->len += n;
        return;
    }
    struct html_node *t = new_node(b);
    t->text = s;
    t->len = n;
    t->raw = raw;
    append(parent, t);
}

static bool name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0) return true;
    return false;
}

/* Pops every open element above and including index i (0: nothing). */
static void pop_to_index(struct builder *b, size_t i)
{
    if (i > 0) pop_to_depth(b, i);
}

static int cmp_name(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

/* Block elements whose start closes an open <p>. */
static bool closes_p(const char *name)
{
    static const char *const names[] = {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "dir",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p", "pre",
        "section", "summary", "table", "ul"}; /* sorted */
    return bsearch(name, names, sizeof names / sizeof names[0], sizeof names[0], cmp_name);
}

/* The stack index of the nearest open element named in closes, searching down
 * to (not past) one named in bounds; 0 when none. */
static size_t find_open(const struct builder *b, const char *const *closes,
                        const char *const *bounds)
{
    size_t limit = b->depth > END_SEARCH ? b->depth - END_SEARCH : 1;
    for (size_t i = b->depth; i > limit; i--) {
        const char *name = b->stack[i - 1]->name;
        if (name_in(name, closes)) return i - 1;
        if (name_in(name, bounds)) return 0;
    }
    return 0;
}

static bool is_heading(const char *name)
{
    return name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0';
}

/* What opening name implicitly closes (HTML's "optional end tags"). */
static void close_implied(struct builder *b, const char *name)
{
    static const char *const li[] = {"li", NULL}, *const list_bounds[] = {"ul", "ol", "menu", NULL};
    static const char *const dd[] = {"dd", "dt", NULL}, *const dl_bounds[] = {"dl", NULL};
    static const char *const cell[] = {"td", "th", NULL};
    static const char *const row[] = {"tr", "td", "th", NULL};
    static const char *const table_bounds[] = {"table", "tbody", "thead", "tfoot", NULL};
    static const char *const cell_bounds[] = {"tr", "table", NULL};
    static const char *const option[] = {"option", NULL};
    static const char *const select_bounds[] = {"select", "datalist", "optgroup", NULL};
    static const char *const p[] = {"p", NULL};
    static const char *const p_bounds[] = {"button", "td", "th", "table", "caption", "template",
                                           "object", NULL};
    static const char *const a[] = {"a", NULL}, *const no_bounds[] = {NULL};
    if (b->open[C_P] && closes_p(name)) pop_to_index(b, find_open(b, p, p_bounds));
    if (is_heading(name) && is_heading(top(b)->name)) pop_to_depth(b, b->depth - 1);
    switch (closable(name)) {
    case C_A: /* links do not nest: a new one ends the open one (the adoption agency, simplified) */
        if (b->open[C_A]) pop_to_index(b, find_open(b, a, no_bounds));
        break;
    case C_LI:
        if (b->open[C_LI]) pop_to_index(b, find_open(b, li, list_bounds));
        break;
    case C_DD:
        if (b->open[C_DD]) pop_to_index(b, find_open(b, dd, dl_bounds));
        break;
    case C_TR:
        if (b->open[C_TR] || b->open[C_CELL]) pop_to_index(b, find_open(b, row, table_bounds));
        break;
    case C_CELL:
        if (b->open[C_CELL]) pop_to_index(b, find_open(b, cell, cell_bounds));
        break;
    case C_OPTION:
        if (b->open[C_OPTION]) pop_to_index(b, find_open(b, option, select_bounds));
        break;
    default:
        break;
    }
}

static void start_tag(struct builder *b, const struct html_token *tok)
{
    close_implied(b, tok->name);
    struct html_node *el = new_node(b);
    el->name = arena_strndup(b->a, tok->name, tok->name_len);
    if (tok->nattrs) {
        struct html_attr *attrs = arena_alloc(b->a, tok->nattrs * sizeof *attrs);
        memcpy(attrs, tok->attrs, tok->nattrs * sizeof *attrs);
        el->attrs = attrs;
        el->nattrs = (uint32_t)tok->nattrs;
    }
    append(top(b), el);
    if (tok->cls & HTML_RAW) {
        if (tok->len) {
            struct html_node *t = new_node(b);
            t->text = tok->text;
            t->len = tok->len;
            t->raw = true;
            append(el, t);
        }
        return;
    }
    bool closed = (tok->cls & HTML_VOID) || (tok->self_closing && b->open[C_FOREIGN]);
    if (!closed && b->depth < STACK_MAX) push(b, el);
}

static void end_tag(struct builder *b, const char *name)
{
    size_t limit = b->depth > END_SEARCH ? b->depth - END_SEARCH : 1;
    for (size_t i = b->depth; i > limit; i--)
        if (strcmp(b->stack[i - 1]->name, name) == 0) {
            pop_to_depth(b, i - 1);
            return;
        }
}

void html_parse(const char *s, size_t n, struct arena *a, struct html_doc *out)
{
    memset(out, 0, sizeof *out);
    struct builder *b = xcalloc(1, sizeof *b);
    b->a = a;
    b->doc = out;
    out->root = new_node(b);
    out->root->name = "#document";
    push(b, out->root);
    struct html_tokenizer t;
    struct html_token tok;
    html_tokenizer_init(&t, s, n);
    while (html_next(&t, &tok)) {
        if (out->nodes >= HTML_MAX_NODES) {
            out->truncated = true;
            break;
        }
        if (tok.kind == HTML_TEXT)
            add_text(b, tok.text, tok.len, false);
        else if (tok.kind == HTML_START)
            start_tag(b, &tok);
        else if (tok.kind == HTML_END)
            end_tag(b, tok.name);
    }
    free(b);
}

/* ---- queries ---------------------------------------------------------------- */

const char *html_attr(const struct html_node *n, const char *name, size_t *len)
{
    for (uint32_t i = 0; n && i < n->nattrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0) {
            if (len) *len = n->attrs[i].vlen;
            return n->attrs[i].val;
        }
    return NULL;
}

bool html_attr_is(const struct html_node *n, const char *name, const char *value)
{
    size_t len;
    const char *v = html_attr(n, name, &len);
    return v && len == strlen(value) && memcmp(v, value, len) == 0;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f';
}

bool html_has_class(const struct html_node *n, const char *cls)
{
    size_t len, cl = cls ? strlen(cls) : 0;
    const char *v = html_attr(n, "class", &len);
    if (!v || cl == 0) return false;
    for (const char *p = v, *end = v + len; p + cl <= end;) {
        const char *hit = memmem(p, (size_t)(end - p), cls, cl);
        if (!hit) return false;
        bool starts = hit == v || is_space(hit[-1]);
        bool ends = hit + cl == end || is_space(hit[cl]);
        if (starts && ends) return true;
        p = hit + 1;
    }
    return false;
}

bool html_is(const struct html_node *n, const char *name)
{
    return n && n->name && strcmp(n->name, name) == 0;
}

struct html_node *html_skip_subtree(const struct html_node *n, const struct html_node *scope)
{
    for (; n && n != scope; n = n->parent)
        if (n->next) return n->next;
    return NULL;
}

struct html_node *html_next_node(const struct html_node *n, const struct html_node *scope)
{
    if (n->first) return n->first;
    return html_skip_subtree(n, scope);
}

bool html_within(const struct html_node *n, const struct html_node *anc)
{
    /* a parent is created before its children: above anc's order it cannot be met */
    for (; n && n->order >= anc->order; n = n->parent)
        if (n == anc) return true;
    return false;
}

struct html_node *html_find(const struct html_node *scope, const char *name,
                            bool (*pred)(const struct html_node *n, const void *ctx),
                            const void *ctx)
{
    for (struct html_node *n = scope->first; n; n = html_next_node(n, scope))
        if (n->name && (!name || strcmp(n->name, name) == 0) && (!pred || pred(n, ctx))) return n;
    return NULL;
}

/* ---- text ------------------------------------------------------------------- */

static bool hidden(const struct html_node *n)
{
    static const char *const names[] = {"script", "style", "template", "noscript", "head",
                                        NULL};
    char c = n->name[0]; /* most names start with none of these letters */
    return (c == 's' || c == 't' || c == 'n' || c == 'h') && name_in(n->name, names);
}

static bool breaks_line(const struct html_node *n)
{
    return !(html_tag_class(n->name, strlen(n->name)) & HTML_INLINE);
}

static void text_of(const struct html_node *n,
                    bool (*skip)(const struct html_node *n, const void *ctx), const void *ctx,
                    struct buf *out, bool scope, size_t *budget)
{
    if (!*budget || out->too_big) return;
    (*budget)--;
    if (!n->name) {
        if (!n->raw) buf_append(out, n->text, n->len);
        return;
    }
    if (hidden(n) || (!scope && skip && skip(n, ctx))) return;
    bool br = breaks_line(n);
    if (br) buf_append(out, "\n", 1);
    for (const struct html_node *c = n->first; c; c = c->next)
        text_of(c, skip, ctx, out, false, budget);
    if (br) buf_append(out, "\n", 1);
}

/* Recursive: the builder bounds the depth (STACK_MAX open elements). */
void html_text_raw(const struct html_node *n,
                   bool (*skip)(const struct html_node *n, const void *ctx), const void *ctx,
                   struct buf *out)
{
    size_t budget = HTML_TEXT_MAX_NODES;
    text_of(n, skip, ctx, out, true, &budget);
}
