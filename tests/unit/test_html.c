/* Unit tests for the shared HTML tokenizer and the light tree builder
 * (src/html): token boundaries, raw-text elements, comments, attributes, and
 * the tree's implied closings, depth and text rules. */
#include "test.h"

#include "base/buf.h"
#include "html/tokenizer.h"
#include "html/tree.h"

#include <stdlib.h>

/* The tokens of s as one line: T"text" <name a=v> </name> C"comment". */
static void tokens(const char *s, char *out, size_t cap)
{
    struct html_tokenizer t;
    struct html_token tok;
    size_t o = 0;
    out[0] = '\0';
    html_tokenizer_init(&t, s, strlen(s));
    while (html_next(&t, &tok) && o + 64 < cap) {
        switch (tok.kind) {
        case HTML_TEXT:
            o += (size_t)snprintf(out + o, cap - o, "T\"%.*s\" ", (int)tok.len, tok.text);
            break;
        case HTML_COMMENT:
            o += (size_t)snprintf(out + o, cap - o, "C\"%.*s\" ", (int)tok.len, tok.text);
            break;
        case HTML_END:
            o += (size_t)snprintf(out + o, cap - o, "</%s> ", tok.name);
            break;
        case HTML_START:
            o += (size_t)snprintf(out + o, cap - o, "<%s", tok.name);
            for (size_t i = 0; i < tok.nattrs; i++)
                o += (size_t)snprintf(out + o, cap - o, " %s=%.*s", tok.attrs[i].name,
                                      (int)tok.attrs[i].vlen, tok.attrs[i].val);
            if (tok.cls & HTML_RAW)
                o += (size_t)snprintf(out + o, cap - o, " raw=\"%.*s\"", (int)tok.len, tok.text);
            o += (size_t)snprintf(out + o, cap - o, "%s> ", tok.self_closing ? "/" : "");
            break;
        }
    }
}

TEST(html_tokenizer_splits_text_tags_and_comments)
{
    char out[1024];
    tokens("a<B Class='x y' data-X=\"q>r\">b</b ><!-- c -->d", out, sizeof out);
    CHECK_STR(out, "T\"a\" <b class=x y data-x=q>r> T\"b\" </b> C\" c \" T\"d\" ");
    tokens("x < y <3 <!doctype html><?xml?></ 3>z", out, sizeof out);
    CHECK_STR(out, "T\"x \" T\"<\" T\" y \" T\"<\" T\"3 \" T\"z\" ");
    tokens("<!---->e<!-->f<!--->g", out, sizeof out);
    CHECK_STR(out, "C\"\" T\"e\" C\"\" T\"f\" C\"\" T\"g\" ");
}

TEST(html_tokenizer_runs_raw_text_to_the_end_tag)
{
    char out[1024];
    tokens("<script>if(a<b){x='</div>'}</SCRIPT >t<title>A &amp; <b>B</title>", out, sizeof out);
    CHECK_STR(out, "<script raw=\"if(a<b){x='</div>'}\"> T\"t\" <title raw=\"A &amp; <b>B\"> ");
    tokens("<style>p{}", out, sizeof out); /* unclosed: to the end */
    CHECK_STR(out, "<style raw=\"p{}\"> ");
    tokens("<path d=1/><img src=a.png /><br/>", out, sizeof out); /* d is \"1/\" */
    CHECK_STR(out, "<path d=1/> <img src=a.png/> <br/> ");
}

TEST(html_tokenizer_caps_names_and_attributes)
{
    char src[4096] = "<abcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < 60; i++) strcat(src, " a=1");
    strcat(src, ">");
    struct html_tokenizer t;
    struct html_token tok;
    html_tokenizer_init(&t, src, strlen(src));
    CHECK(html_next(&t, &tok));
    CHECK_INT(tok.name_len, HTML_NAME_MAX);
    CHECK_INT(tok.nattrs, HTML_ATTR_MAX);
    CHECK(!html_next(&t, &tok));
    CHECK_INT(html_tag_class("span", 4), HTML_INLINE);
    CHECK_INT(html_tag_class("br", 2), HTML_VOID);
    CHECK_INT(html_tag_class("script", 6), HTML_RAW);
    CHECK_INT(html_tag_class("div", 3), 0);
}

static const char *text_of(const struct html_node *n, struct buf *b)
{
    buf_reset(b);
    html_text_raw(n, NULL, NULL, b);
    /* newlines shown as '|' so line breaks are visible in the expectation */
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] == '\n') b->data[i] = '|';
    return b->data ? b->data : "";
}

static bool is_class(const struct html_node *n, const void *ctx)
{
    return html_has_class(n, ctx);
}

TEST(html_tree_closes_what_browsers_close)
{
    struct arena a;
    arena_init(&a);
    struct html_doc doc;
    const char *s = "<ul><li>one<li>two</ul><p>para<div class='box x'>in</div>"
                    "<svg><path/><circle/></svg><span>after</span></i>";
    html_parse(s, strlen(s), &a, &doc);
    const struct html_node *ul = html_find(doc.root, "ul", NULL, NULL);
    CHECK(ul && ul->first && ul->first->next && !ul->first->next->next); /* two sibling li */
    const struct html_node *div = html_find(doc.root, NULL, is_class, "box");
    CHECK(div && html_is(div->parent, "#document")); /* <div> closed the <p> */
    CHECK(html_has_class(div, "x") && !html_has_class(div, "bo"));
    const struct html_node *circle = html_find(doc.root, "circle", NULL, NULL);
    CHECK(circle && html_is(circle->parent, "svg")); /* <path/> closed itself in svg */
    const struct html_node *span = html_find(doc.root, "span", NULL, NULL);
    CHECK(span && html_is(span->parent, "#document"));
    struct buf b;
    buf_init(&b, 0);
    CHECK_STR(text_of(doc.root, &b), "|||one||two|||para||in|||||||after|");
    buf_free(&b);
    arena_cleanup(&a);
}

TEST(html_tree_text_leaves_out_scripts_and_skipped_subtrees)
{
    struct arena a;
    arena_init(&a);
    struct html_doc doc;
    const char *s = "<div id=r><script>var x='<b>no</b>';</script><style>.a{}</style>"
                    "<b>bold</b> <i>it</i><noscript>ns</noscript><cite>skip</cite>end</div>";
    html_parse(s, strlen(s), &a, &doc);
    const struct html_node *div = html_find(doc.root, "div", NULL, NULL);
    CHECK(div && html_attr_is(div, "id", "r"));
    struct buf b;
    buf_init(&b, 0);
    CHECK_STR(text_of(div, &b), "|bold itskipend|");
    buf_reset(&b);
    html_text_raw(div, is_class, "nomatch", &b); /* no class matches: same text */
    CHECK_INT(b.len, strlen("|bold itskipend|"));
    buf_free(&b);
    CHECK(!html_find(div, "b", is_class, "none"));
    arena_cleanup(&a);
}

TEST(html_tree_survives_deep_and_hostile_input)
{
    struct arena a;
    arena_init(&a);
    size_t n = 200000;
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i += 5) memcpy(s + i, "<div>", 5);
    s[n] = '\0';
    struct html_doc doc;
    html_parse(s, n, &a, &doc);
    CHECK_INT(doc.nodes, n / 5 + 1);
    CHECK(!doc.truncated);
    size_t depth = 0;
    for (const struct html_node *x = doc.root; x->first; x = x->first) depth++;
    CHECK(depth <= 512);
    /* more tags than the node cap: the rest is ignored, flagged */
    size_t m = (HTML_MAX_NODES + 10) * 3;
    char *t = malloc(m + 1);
    for (size_t i = 0; i < m; i += 3) memcpy(t + i, "<a>", 3);
    t[m] = '\0';
    html_parse(t, m, &a, &doc);
    CHECK(doc.truncated);
    CHECK_INT(doc.nodes, HTML_MAX_NODES);
    free(t);
    free(s);
    arena_cleanup(&a);
}
