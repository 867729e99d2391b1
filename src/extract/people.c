/* Names paired with addresses: a page that writes a person's name next to an
 * address ("Jane Doe — jane.doe@acme.com", a table row, a mailto link whose
 * text is the name, schema.org Person markup) tells how that company spells
 * its addresses. A name nearby counts only when it spells the local part, so
 * a name and an address that merely sit close (a byline above info@) never pair. */
#include <jansson.h>
#include <string.h>

#include "extract/internal.h"

enum {
    WORDS_MAX = 4,     /* a longer run of capitalised words is a heading, not a name */
    WORD_MAX = 40,     /* bytes of one folded word */
    SIDE_MAX = 200,    /* bytes read on either side of the address on its own line */
    BEFORE_MAX = 300,  /* bytes read on the lines before it */
    LINES_BEFORE = 3,  /* a card: name, title, phone, then the address */
    JSON_NODES = 4000, /* JSON-LD values visited per script */
    JSON_DEPTH = 12,
};

/* Capitalised words that start no name: roles, titles, labels, filler. */
static const char *const stop_words[] = {
    "about",     "account",  "accounts",  "admin",   "and",         "at",         "billing",
    "by",        "call",     "careers",   "ceo",     "cfo",         "chief",      "co",
    "contact",   "contacts", "coo",       "cto",     "customer",    "department", "dept",
    "director",  "dr",       "e",         "email",   "enquiries",   "executive",  "fax",
    "for",       "founder",  "from",      "general", "gmbh",        "head",       "help",
    "home",      "hr",       "inc",       "info",    "information", "inquiries",  "jobs",
    "lead",      "legal",    "llc",       "ltd",     "mail",        "manager",    "managing",
    "marketing", "media",    "meet",      "mobile",  "more",        "mr",         "mrs",
    "ms",        "news",     "of",        "office",  "officer",     "our",        "partner",
    "phone",     "posted",   "president", "press",   "privacy",     "prof",       "read",
    "sales",     "send",     "senior",    "service", "services",    "support",    "team",
    "tel",       "the",      "to",        "us",      "vice",        "view",       "with",
    "write",
};

/* Lower-case words that sit inside a name ("Jan van der Berg"). */
static const char *const particles[] = {"al", "da", "de", "del", "den", "der", "di",
                                        "du", "la", "le", "ten", "ter", "van", "von"};

static bool in_table(const char *w, const char *const *table, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i], w) == 0) return true;
    return false;
}

/* ---- folding a written word to the letters of an address ---- */

/* U+00C0..U+017F to a base letter: '?' for two-letter ones (handled below),
 * '*' for signs. */
static const char latin[] =
    "aaaaaa?ceeeeiiiidnooooo*ouuuuy??"
    "aaaaaa?ceeeeiiiidnooooo*ouuuuy?y"
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii??jjkkk"
    "llllllllllnnnnnnnnnoooooo??rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

static const char *latin_pair(unsigned cp)
{
    switch (cp) {
    case 0xC6:
    case 0xE6:
        return "ae";
    case 0xDE:
    case 0xFE:
        return "th";
    case 0xDF:
        return "ss";
    case 0x132:
    case 0x133:
        return "ij";
    case 0x152:
    case 0x153:
        return "oe";
    default:
        return NULL;
    }
}

/* The code point of a two-byte sequence at s in U+00C0..U+017F, or 0. */
static unsigned latin_at(const char *s, size_t n)
{
    if (n < 2) return 0;
    unsigned char b0 = (unsigned char)s[0], b1 = (unsigned char)s[1];
    if (b0 < 0xC3 || b0 > 0xC5 || (b1 & 0xC0) != 0x80) return 0;
    unsigned cp = ((unsigned)(b0 & 0x1F) << 6) | (b1 & 0x3F);
    return cp >= 0xC0 && cp <= 0x17F ? cp : 0;
}

static bool is_upper_at(const char *s, size_t n)
{
    unsigned char ch = (unsigned char)s[0];
    if (ch >= 'A' && ch <= 'Z') return true;
    unsigned cp = latin_at(s, n);
    /* Latin-1 capitals; Extended-A alternates cases, and names there start upper */
    return (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || cp >= 0x100;
}

/* Folds a word to lower-case ASCII letters and hyphens; false when it holds
 * anything else. Apostrophes (' and U+2019) are dropped. */
static bool fold_word(const char *s, size_t n, char *out, size_t *out_len)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        const char *add = NULL;
        char one[2] = {0};
        if (ex_is_alpha(ch) || ch == '-') {
            one[0] = ex_lower((char)ch), add = one, i++;
        } else if (ch == '\'') {
            i++;
            continue;
        } else if (n - i >= 3 && memcmp(s + i, "\xE2\x80\x99", 3) == 0) {
            i += 3;
            continue;
        } else {
            unsigned cp = latin_at(s + i, n - i);
            if (!cp) return false;
            add = latin_pair(cp);
            if (!add) {
                one[0] = latin[cp - 0xC0], add = one;
                if (one[0] == '*' || one[0] == '?') return false;
            }
            i += 2;
        }
        size_t al = strlen(add);
        if (k + al >= WORD_MAX) return false;
        memcpy(out + k, add, al), k += al;
    }
    out[k] = '\0';
    *out_len = k;
    return k > 0 && out[0] != '-' && out[k - 1] != '-';
}

/* ---- spelling an address's local part with a name ---- */

struct name_part {
    char forms[4][WORD_MAX * 2]; /* full (particles joined), bare, first hyphen part, initial */
    size_t nforms;
};

static void add_form(struct name_part *p, const char *s, size_t n)
{
    if (!n || n >= sizeof p->forms[0]) return;
    for (size_t i = 0; i < p->nforms; i++)
        if (strlen(p->forms[i]) == n && memcmp(p->forms[i], s, n) == 0) return;
    memcpy(p->forms[p->nforms], s, n);
    p->forms[p->nforms++][n] = '\0';
}

/* The forms of one word: without hyphens (particles before it joined on), its
 * first hyphen part, its initial. */
static void part_init(struct name_part *p, const char *prefix, const char *word)
{
    char full[WORD_MAX * 2];
    size_t n = 0;
    for (const char *r = prefix; *r; r++)
        if (*r != '-') full[n++] = *r;
    size_t bare_at = n;
    for (const char *r = word; *r; r++)
        if (*r != '-') full[n++] = *r;
    p->nforms = 0;
    add_form(p, full, n);
    add_form(p, full + bare_at, n - bare_at);
    add_form(p, word, strcspn(word, "-"));
    add_form(p, word, 1);
}

/* local (separators removed) is a concatenation of forms of distinct parts,
 * with whole words (not initials) of three letters or more among them. */
static bool spells(const char *local, const struct name_part *parts, size_t n, unsigned used,
                   size_t whole)
{
    /* one word alone is the given name: a company's "Sunrise Bakery" is no bakery@ */
    if (!*local) return whole >= 3 && ((used & (used - 1)) != 0 || used == 1u);
    for (size_t i = 0; i < n; i++) {
        if (used & (1u << i)) continue;
        for (size_t f = 0; f < parts[i].nforms; f++) {
            size_t len = strlen(parts[i].forms[f]);
            if (strncmp(local, parts[i].forms[f], len) != 0) continue;
            size_t w = len > 1 ? whole + len : whole;
            if (spells(local + len, parts, n, used | (1u << i), w)) return true;
        }
    }
    return false;
}

/* ---- name runs in text ---- */

struct run {
    const char *start, *end; /* as written */
    struct name_part parts[WORDS_MAX];
    size_t nparts, nwords;
    char prefix[WORD_MAX * 2]; /* particles waiting for the next word */
    bool broken;               /* more words than a name has */
};

static void run_reset(struct run *r)
{
    r->start = r->end = NULL;
    r->nparts = r->nwords = 0;
    r->prefix[0] = '\0';
    r->broken = false;
}

static bool run_matches(const struct run *r, const char *local)
{
    if (r->broken || r->nparts < 2 || r->prefix[0]) return false;
    char bare[64];
    size_t n = 0;
    for (const char *p = local; *p && n + 1 < sizeof bare; p++)
        if (*p != '.' && *p != '_' && *p != '-') bare[n++] = *p;
    bare[n] = '\0';
    return n >= 2 && spells(bare, r->parts, r->nparts, 0, 0);
}

static bool all_caps(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z') return false;
    return true;
}

static bool is_break_char(char ch)
{
    return ch == ',' || ch == ';' || ch == ':' || ch == '|' || ch == ')' || ch == '(' ||
           ch == '"' || ch == '/' || ch == '<' || ch == '>' || ch == '[' || ch == ']';
}

/* Adds the token s[0..n) to the run; false when it does not continue it (it
 * may start the next one). *ends_after: punctuation after it closes the run. */
static bool run_add(struct run *r, const char *s, size_t n, bool *ends_after)
{
    *ends_after = false;
    while (n && (s[0] == '(' || s[0] == '"')) {
        if (r->nwords) return false; /* "(Jane" opens a new clause */
        s++, n--;
    }
    while (n && (is_break_char(s[n - 1]) || s[n - 1] == '.')) {
        if (s[n - 1] == '.' && n == 2) break; /* an initial: "A." */
        *ends_after = true;
        n--;
    }
    if (!n) return false;
    size_t wn = n;
    if (s[n - 1] == '.') wn--; /* the initial's dot */
    char w[WORD_MAX];
    size_t wl;
    if (!fold_word(s, wn, w, &wl)) return false;
    bool upper = is_upper_at(s, n);
    if (!upper) {
        if (!r->nwords || !in_table(w, particles, sizeof particles / sizeof particles[0]))
            return false;
        size_t pl = strlen(r->prefix);
        if (pl + wl < sizeof r->prefix) memcpy(r->prefix + pl, w, wl + 1);
        r->nwords++;
        return true;
    }
    if (in_table(w, stop_words, sizeof stop_words / sizeof stop_words[0])) return false;
    if (wn > 1 && all_caps(s, wn)) return false; /* an acronym or a shouted heading */
    if (r->nparts == WORDS_MAX) {
        r->broken = true;
        return true;
    }
    if (!r->nwords) r->start = s;
    part_init(&r->parts[r->nparts++], r->prefix, w);
    r->prefix[0] = '\0';
    r->nwords++;
    r->end = s + n;
    return true;
}

struct found {
    const char *start, *end;
};

static bool is_blank_at(const char *p, const char *end)
{
    return ex_is_space((unsigned char)*p) || (*p == '\xC2' && p + 1 < end && p[1] == '\xA0');
}

/* Judges the run (it spells local: *out, *any) and starts the next one. */
static bool judge(struct run *r, const char *local, struct found *out, bool *any)
{
    bool yes = run_matches(r, local);
    if (yes) *out = (struct found){r->start, r->end}, *any = true;
    run_reset(r);
    return yes;
}

/* The name runs of text s[0..n) that spell local; *out is the last one when
 * last, else the first. */
static bool find_name(const char *s, size_t n, const char *local, bool last, struct found *out)
{
    struct run r;
    run_reset(&r);
    bool any = false;
    for (const char *end = s + n, *p = s; p < end;) {
        while (p < end && is_blank_at(p, end))
            p += *p == '\xC2' ? 2 : 1;
        const char *t = p;
        while (p < end && !is_blank_at(p, end))
            p++;
        if (p == t) break;
        bool ends_after;
        if (!run_add(&r, t, (size_t)(p - t), &ends_after)) {
            if (judge(&r, local, out, &any) && !last) return true;
            if (!run_add(&r, t, (size_t)(p - t), &ends_after)) {
                run_reset(&r);
                continue;
            }
        }
        if (ends_after && judge(&r, local, out, &any) && !last) return true;
    }
    judge(&r, local, out, &any);
    return any;
}

/* ---- pairing ---- */

static void add_person(struct ex_ctx *c, const struct found *f, const char *email)
{
    if (ex_list_find(&c->people, email) != (size_t)-1) return;
    char *name = ex_collapse_ws(c->a, f->start, (size_t)(f->end - f->start));
    ex_list_add(&c->people, name, email, NULL);
}

/* The start of the line holding at, looking back no further than floor. */
static size_t line_start(const char *text, size_t at, size_t floor)
{
    while (at > floor && text[at - 1] != '\n')
        at--;
    return at;
}

/* Where a name for the address at `at` is looked for, nearest first. */
static bool name_near(const char *text, size_t len, size_t at, const char *local, struct found *f)
{
    size_t from = line_start(text, at, at > SIDE_MAX ? at - SIDE_MAX : 0);
    if (find_name(text + from, at - from, local, true, f)) return true;
    size_t to = len - at > SIDE_MAX ? at + SIDE_MAX : len;
    const char *nl = memchr(text + at, '\n', to - at);
    size_t le = nl ? (size_t)(nl - text) : to;
    if (find_name(text + at, le - at, local, false, f)) return true;
    /* the lines before, when this one starts near enough to have any */
    size_t stop = from > BEFORE_MAX ? from - BEFORE_MAX : 0;
    bool own_line = from == 0 || text[from - 1] == '\n';
    for (size_t line = 0, e = from; own_line && line < LINES_BEFORE && e > stop; line++) {
        size_t s = line_start(text, e - 1, stop);
        if (find_name(text + s, e - 1 - s, local, true, f)) return true;
        e = s;
    }
    if (!nl) return false;
    size_t ns = le + 1, ne = len - ns > SIDE_MAX ? ns + SIDE_MAX : len;
    const char *nl2 = memchr(text + ns, '\n', ne - ns);
    return find_name(text + ns, (nl2 ? (size_t)(nl2 - text) : ne) - ns, local, false, f);
}

void ex_people_near(struct ex_ctx *c, const char *text, size_t len, const struct ex_spots *spots)
{
    for (size_t i = 0; i < spots->count; i++) {
        const struct ex_spot *sp = &spots->items[i];
        if (sp->at > len || ex_list_find(&c->people, sp->email) != (size_t)-1) continue;
        char local[65];
        size_t ln = strcspn(sp->email, "@");
        if (ln >= sizeof local) continue;
        memcpy(local, sp->email, ln);
        local[ln] = '\0';
        struct found f;
        if (name_near(text, len, sp->at, local, &f)) add_person(c, &f, sp->email);
    }
}

/* ---- schema.org Person in JSON-LD ---- */

static bool is_person(json_t *type)
{
    if (json_is_string(type)) return strcmp(json_string_value(type), "Person") == 0;
    size_t i;
    json_t *t;
    json_array_foreach(type, i, t) if (json_is_string(t) &&
                                       strcmp(json_string_value(t), "Person") == 0) return true;
    return false;
}

static void person_object(struct ex_ctx *c, json_t *o)
{
    const char *email = json_string_value(json_object_get(o, "email"));
    if (!email) return;
    size_t en = strlen(email);
    if (en > 7 && ex_istarts(email, en, "mailto:")) email += 7, en -= 7;
    char lower[256];
    if (en >= sizeof lower || !extract_email_valid(email, en)) return;
    for (size_t i = 0; i < en; i++)
        lower[i] = ex_lower(email[i]);
    lower[en] = '\0';
    if (ex_junk_email(lower, en) || ex_list_find(&c->people, lower) != (size_t)-1) return;
    const char *name = json_string_value(json_object_get(o, "name"));
    char joined[256];
    if (!name) {
        const char *g = json_string_value(json_object_get(o, "givenName"));
        const char *f = json_string_value(json_object_get(o, "familyName"));
        if (!g || !f || strlen(g) + strlen(f) + 2 > sizeof joined) return;
        memcpy(joined, g, strlen(g));
        joined[strlen(g)] = ' ';
        memcpy(joined + strlen(g) + 1, f, strlen(f) + 1);
        name = joined;
    }
    char local[65];
    size_t ln = strcspn(lower, "@");
    if (ln >= sizeof local) return;
    memcpy(local, lower, ln);
    local[ln] = '\0';
    struct found f;
    if (find_name(name, strlen(name), local, false, &f))
        add_person(c, &f, arena_strndup(c->a, lower, en));
}

static void walk(struct ex_ctx *c, json_t *v, int depth, size_t *budget)
{
    if (depth > JSON_DEPTH || !*budget) return;
    (*budget)--;
    size_t i;
    json_t *x;
    const char *k;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) walk(c, x, depth + 1, budget);
    } else if (json_is_object(v)) {
        if (is_person(json_object_get(v, "@type"))) person_object(c, v);
        json_object_foreach(v, k, x) walk(c, x, depth + 1, budget);
    }
}

void ex_people_jsonld(struct ex_ctx *c, const char *s, size_t n)
{
    if (!ex_ifind(s, n, "person") || !ex_ifind(s, n, "email")) return;
    json_t *root = json_loadb(s, n, 0, NULL);
    size_t budget = JSON_NODES;
    if (root) walk(c, root, 0, &budget);
    json_decref(root);
}
