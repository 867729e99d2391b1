/* Spintax and merge-field walker. Grammar:
 *   seq   := (text | escape | field | group)*
 *   group := '{' seq ('|' seq)* '}'
 *   field := '{{' name ('|' fallback)? '}}'
 * A group renders one of its alternatives, chosen by reservoir sampling so
 * every alternative is equally likely without counting them first. */
#include "campaign/template.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { MAX_DEPTH = 32 };

static const char *const field_names[TPL_FIELD_COUNT] = {
    "firstname", "lastname", "company", "website", "email", "phones", "description"};

const char *tpl_field_name(enum tpl_field f)
{
    return field_names[f];
}

struct walk {
    const char *s;
    size_t i;
    const struct tpl_vars *vars;
    uint64_t *rng;
    char *why;
    size_t why_len;
    int depth;
};

__attribute__((format(printf, 2, 3))) static bool fail(struct walk *w, const char *fmt, ...)
{
    if (w->why && w->why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->why, w->why_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

static uint64_t next_random(uint64_t *state)
{
    /* splitmix64: tiny, fast, and well distributed for choosing among options */
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void emit(struct buf *out, const char *p, size_t n)
{
    if (out) buf_append(out, p, n);
}

static int field_index(const char *name, size_t n)
{
    for (int f = 0; f < TPL_FIELD_COUNT; f++)
        if (strlen(field_names[f]) == n && strncasecmp(field_names[f], name, n) == 0) return f;
    return -1;
}

/* At "{{": reads the field and its fallback, emits the value. */
static bool walk_field(struct walk *w, struct buf *out)
{
    size_t start = w->i;
    const char *end = strstr(w->s + w->i + 2, "}}");
    if (!end) return fail(w, "unterminated merge field at character %zu", start + 1);
    const char *name = w->s + w->i + 2, *bar = memchr(name, '|', (size_t)(end - name));
    const char *name_end = bar ? bar : end;
    while (name < name_end && isspace((unsigned char)*name)) name++;
    while (name_end > name && isspace((unsigned char)name_end[-1])) name_end--;
    size_t n = (size_t)(name_end - name);
    if (n == 0) return fail(w, "empty merge field at character %zu", start + 1);
    if (memchr(name, '{', n)) return fail(w, "unterminated merge field at character %zu", start + 1);
    int f = field_index(name, n);
    if (f < 0)
        return fail(w, "unknown merge field '{{%.*s}}' at character %zu (known: firstname, "
                       "lastname, company, website, email, phones, description)",
                    (int)n, name, start + 1);
    const char *value = w->vars ? w->vars->values[f] : NULL;
    if (value && *value) emit(out, value, strlen(value));
    else if (bar) emit(out, bar + 1, (size_t)(end - bar - 1));
    w->i = (size_t)(end - w->s) + 2;
    return true;
}

static bool walk_seq(struct walk *w, struct buf *out, bool in_group);

/* At "{": renders one alternative of the group into out. */
static bool walk_group(struct walk *w, struct buf *out)
{
    size_t open = w->i++;
    if (++w->depth > MAX_DEPTH) return fail(w, "spintax nested deeper than %d levels", MAX_DEPTH);
    struct buf choice, alt;
    buf_init(&choice, 0);
    buf_init(&alt, 0);
    bool ok = true;
    for (uint64_t seen = 1;; seen++) {
        buf_reset(&alt);
        if (!(ok = walk_seq(w, out ? &alt : NULL, true))) break;
        if (out && next_random(w->rng) % seen == 0) { /* keep the k-th with chance 1/k */
            buf_reset(&choice);
            buf_append(&choice, alt.data ? alt.data : "", alt.len);
        }
        if (w->s[w->i] == '}') break;
        if (w->s[w->i] != '|') {
            ok = fail(w, "unbalanced '{' at character %zu", open + 1);
            break;
        }
        w->i++;
    }
    if (ok) {
        w->i++; /* the closing brace */
        emit(out, choice.data ? choice.data : "", choice.len);
    }
    buf_free(&choice);
    buf_free(&alt);
    w->depth--;
    return ok;
}

/* Walks text until the end, or (in a group) until an unescaped '|' or '}'. */
static bool walk_seq(struct walk *w, struct buf *out, bool in_group)
{
    for (;;) {
        size_t run = strcspn(w->s + w->i, in_group ? "\\{}|" : "\\{}");
        emit(out, w->s + w->i, run);
        w->i += run;
        char c = w->s[w->i];
        if (c == '\0') return true;
        if (c == '\\') {
            char next = w->s[w->i + 1];
            if (next == '{' || next == '}' || next == '|' || next == '\\') {
                emit(out, &next, 1);
                w->i += 2;
            } else {
                emit(out, "\\", 1);
                w->i++;
            }
        } else if (c == '{') {
            bool ok = w->s[w->i + 1] == '{' ? walk_field(w, out) : walk_group(w, out);
            if (!ok) return false;
        } else if (in_group) {
            return true; /* '|' or '}' ends this alternative */
        } else {
            return fail(w, "unexpected '}' at character %zu", w->i + 1);
        }
    }
}

static bool run_walk(const char *text, const struct tpl_vars *vars, uint64_t *rng, struct buf *out,
                     char *why, size_t why_len)
{
    struct walk w = {.s = text, .vars = vars, .rng = rng, .why = why, .why_len = why_len};
    if (!walk_seq(&w, out, false)) return false;
    return true;
}

bool tpl_validate(const char *text, char *why, size_t why_len)
{
    return run_walk(text, NULL, NULL, NULL, why, why_len);
}

bool tpl_render(const char *text, const struct tpl_vars *vars, uint64_t *rng, struct buf *out,
                char *why, size_t why_len)
{
    return run_walk(text, vars, rng, out, why, why_len);
}
