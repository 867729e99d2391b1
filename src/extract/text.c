/* Text helpers of the extraction engine: scratch buffers, the deduplicating
 * list, HTML character references (WHATWG rules for numeric references and
 * legacy names; a table of the names real pages use), %XX, JS escapes, base64. */
#include <stdlib.h>
#include <string.h>

#include "extract/internal.h"

/* ---- buffers ---- */

void ex_buf_grow(struct ex_buf *b, size_t extra) {
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void ex_buf_free(struct ex_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- deduplicating list ---- */

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void list_rehash(struct ex_list *l, size_t nslots) {
    free(l->slots);
    l->slots = xcalloc(nslots, sizeof *l->slots);
    l->nslots = nslots;
    for (size_t i = 0; i < l->count; i++) {
        size_t s = (size_t)hash_str(l->keys[i]) & (nslots - 1);
        while (l->slots[s])
            s = (s + 1) & (nslots - 1);
        l->slots[s] = (uint32_t)(i + 1);
    }
}

size_t ex_list_find(const struct ex_list *l, const char *key) {
    if (!l->nslots) return (size_t)-1;
    size_t s = (size_t)hash_str(key) & (l->nslots - 1);
    while (l->slots[s]) {
        size_t i = l->slots[s] - 1;
        if (strcmp(l->keys[i], key) == 0) return i;
        s = (s + 1) & (l->nslots - 1);
    }
    return (size_t)-1;
}

size_t ex_list_add(struct ex_list *l, const char *item, const char *key, bool *added) {
    size_t found = ex_list_find(l, key);
    if (found != (size_t)-1) {
        if (added) *added = false;
        return found;
    }
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
        l->keys = xrealloc(l->keys, l->cap * sizeof *l->keys);
    }
    l->items[l->count] = item;
    l->keys[l->count] = key;
    l->count++;
    if (l->count * 2 > l->nslots) {
        list_rehash(l, l->nslots ? l->nslots * 2 : 32);
    } else {
        size_t s = (size_t)hash_str(key) & (l->nslots - 1);
        while (l->slots[s])
            s = (s + 1) & (l->nslots - 1);
        l->slots[s] = (uint32_t)l->count;
    }
    if (added) *added = true;
    return l->count - 1;
}

void ex_list_free(struct ex_list *l) {
    free(l->items);
    free(l->keys);
    free(l->slots);
    memset(l, 0, sizeof *l);
}

const char **ex_list_export(const struct ex_list *l, struct arena *a, const char ***keys_out) {
    const char **items = arena_alloc(a, (l->count + 1) * sizeof *items);
    if (l->count) memcpy(items, l->items, l->count * sizeof *items);
    if (keys_out) {
        const char **keys = arena_alloc(a, (l->count + 1) * sizeof *keys);
        if (l->count) memcpy(keys, l->keys, l->count * sizeof *keys);
        *keys_out = keys;
    }
    return items;
}

/* ---- small string helpers ---- */

bool ex_ieq(const char *s, size_t n, const char *lit) {
    size_t i = 0;
    for (; i < n && lit[i]; i++)
        if (ex_lower(s[i]) != lit[i]) return false;
    return i == n && !lit[i];
}

bool ex_istarts(const char *s, size_t n, const char *lit) {
    size_t i = 0;
    for (; lit[i]; i++)
        if (i >= n || ex_lower(s[i]) != lit[i]) return false;
    return true;
}

const char *ex_ifind(const char *s, size_t n, const char *lit) {
    size_t m = strlen(lit);
    if (!m || m > n) return m ? NULL : s;
    char first = lit[0], upper = (first >= 'a' && first <= 'z') ? (char)(first - 32) : first;
    for (size_t i = 0; i + m <= n; i++) {
        if (s[i] != first && s[i] != upper) continue;
        if (ex_istarts(s + i, n - i, lit)) return s + i;
    }
    return NULL;
}

void ex_utf8_put(struct ex_buf *out, uint32_t cp) {
    char b[4];
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0) cp = 0xFFFD;
    if (cp < 0x80) {
        ex_buf_putc(out, (char)cp);
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        ex_buf_add(out, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        ex_buf_add(out, b, 3);
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        ex_buf_add(out, b, 4);
    }
}

/* ---- HTML character references ---- */

struct entity {
    const char *name;
    uint32_t cp;
};

/* Sorted by name (strcmp order) for bsearch. The full WHATWG table has 2,231
 * names; these are the ones that occur in contact-bearing text. */
static const struct entity entities[] = {
    {"AElig", 198},   {"Aacute", 193},  {"Acirc", 194},   {"Agrave", 192},  {"Alpha", 913},
    {"Aring", 197},   {"Atilde", 195},  {"Auml", 196},    {"Beta", 914},    {"Ccedil", 199},
    {"Dagger", 8225}, {"ETH", 208},     {"Eacute", 201},  {"Ecirc", 202},   {"Egrave", 200},
    {"Euml", 203},    {"Gamma", 915},   {"Hat", 94},      {"Iacute", 205},  {"Icirc", 206},
    {"Igrave", 204},  {"Iuml", 207},    {"NewLine", 10},  {"Ntilde", 209},  {"OElig", 338},
    {"Oacute", 211},  {"Ocirc", 212},   {"Ograve", 210},  {"Omega", 937},   {"Oslash", 216},
    {"Otilde", 213},  {"Ouml", 214},    {"Prime", 8243},  {"Scaron", 352},  {"THORN", 222},
    {"Tab", 9},       {"Uacute", 218},  {"Ucirc", 219},   {"Ugrave", 217},  {"Uuml", 220},
    {"Yacute", 221},  {"Yuml", 376},    {"aacute", 225},  {"acirc", 226},   {"acute", 180},
    {"aelig", 230},   {"agrave", 224},  {"alpha", 945},   {"amp", 38},      {"apos", 39},
    {"aring", 229},   {"ast", 42},      {"atilde", 227},  {"auml", 228},    {"bdquo", 8222},
    {"beta", 946},    {"brvbar", 166},  {"bsol", 92},     {"bull", 8226},   {"ccedil", 231},
    {"cedil", 184},   {"cent", 162},    {"check", 10003}, {"circ", 710},    {"colon", 58},
    {"comma", 44},    {"commat", 64},   {"copy", 169},    {"curren", 164},  {"dagger", 8224},
    {"darr", 8595},   {"dash", 8208},   {"deg", 176},     {"delta", 948},   {"divide", 247},
    {"dollar", 36},   {"eacute", 233},  {"ecirc", 234},   {"egrave", 232},  {"emsp", 8195},
    {"ensp", 8194},   {"equals", 61},   {"eth", 240},     {"euml", 235},    {"euro", 8364},
    {"excl", 33},     {"fnof", 402},    {"frac12", 189},  {"frac14", 188},  {"frac34", 190},
    {"frasl", 8260},  {"gamma", 947},   {"grave", 96},    {"gt", 62},       {"harr", 8596},
    {"hearts", 9829}, {"hellip", 8230}, {"hyphen", 8208}, {"iacute", 237},  {"icirc", 238},
    {"iexcl", 161},   {"igrave", 236},  {"iquest", 191},  {"iuml", 239},    {"lambda", 955},
    {"laquo", 171},   {"larr", 8592},   {"lbrace", 123},  {"lbrack", 91},   {"lcub", 123},
    {"ldquo", 8220},  {"lowbar", 95},   {"lpar", 40},     {"lrm", 8206},    {"lsaquo", 8249},
    {"lsqb", 91},     {"lsquo", 8216},  {"lt", 60},       {"macr", 175},    {"mdash", 8212},
    {"micro", 181},   {"middot", 183},  {"minus", 8722},  {"mu", 956},      {"nbsp", 160},
    {"ndash", 8211},  {"not", 172},     {"ntilde", 241},  {"num", 35},      {"oacute", 243},
    {"ocirc", 244},   {"oelig", 339},   {"ograve", 242},  {"oline", 8254},  {"omega", 969},
    {"ordf", 170},    {"ordm", 186},    {"oslash", 248},  {"otilde", 245},  {"ouml", 246},
    {"para", 182},    {"percnt", 37},   {"period", 46},   {"permil", 8240}, {"phone", 9742},
    {"pi", 960},      {"plus", 43},     {"plusmn", 177},  {"pound", 163},   {"prime", 8242},
    {"quest", 63},    {"quot", 34},     {"raquo", 187},   {"rarr", 8594},   {"rbrace", 125},
    {"rbrack", 93},   {"rcub", 125},    {"rdquo", 8221},  {"reg", 174},     {"rlm", 8207},
    {"rpar", 41},     {"rsaquo", 8250}, {"rsqb", 93},     {"rsquo", 8217},  {"sbquo", 8218},
    {"scaron", 353},  {"sect", 167},    {"semi", 59},     {"shy", 173},     {"sigma", 963},
    {"sol", 47},      {"star", 9734},   {"starf", 9733},  {"sup1", 185},    {"sup2", 178},
    {"sup3", 179},    {"szlig", 223},   {"thinsp", 8201}, {"thorn", 254},   {"tilde", 732},
    {"times", 215},   {"trade", 8482},  {"uacute", 250},  {"uarr", 8593},   {"ucirc", 251},
    {"ugrave", 249},  {"uml", 168},     {"uuml", 252},    {"verbar", 124},  {"vert", 124},
    {"yacute", 253},  {"yen", 165},     {"yuml", 255},    {"zwj", 8205},    {"zwnj", 8204},
};

/* Names the HTML standard also accepts without ';' (the common subset). */
static bool legacy_name(const char *name) {
    static const char *const legacy[] = {"amp", "lt",  "gt", "quot", "nbsp", "copy",
                                         "reg", "AMP", "LT", "GT",   "QUOT"};
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
        if (strcmp(name, legacy[i]) == 0) return true;
    return false;
}

static int entity_cmp(const void *key, const void *elem) {
    return strcmp(key, ((const struct entity *)elem)->name);
}

static uint32_t entity_lookup(const char *name) {
    const struct entity *e = bsearch(name, entities, sizeof entities / sizeof entities[0],
                                     sizeof entities[0], entity_cmp);
    if (e) return e->cp;
    /* upper-case spellings of the basic four */
    if (strcmp(name, "AMP") == 0) return '&';
    if (strcmp(name, "LT") == 0) return '<';
    if (strcmp(name, "GT") == 0) return '>';
    if (strcmp(name, "QUOT") == 0) return '"';
    return 0;
}

/* windows-1252 meanings of &#128;..&#159; (WHATWG numeric reference rule). */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

/* Decodes one reference at s[0] == '&'; returns bytes consumed (0 = not a reference). */
static size_t entity_one(const char *s, size_t n, struct ex_buf *out, bool in_attr) {
    if (n < 3) return 0;
    if (s[1] == '#') {
        size_t i = 2;
        bool hex = false;
        if (i < n && (s[i] == 'x' || s[i] == 'X')) hex = true, i++;
        size_t start = i;
        uint32_t cp = 0;
        bool overflow = false;
        for (; i < n; i++) {
            unsigned char ch = (unsigned char)s[i];
            uint32_t d;
            if (ex_is_digit(ch))
                d = (uint32_t)(ch - '0');
            else if (hex && (ch | 32) >= 'a' && (ch | 32) <= 'f')
                d = (uint32_t)((ch | 32) - 'a' + 10);
            else
                break;
            if (cp > 0x10FFFF)
                overflow = true;
            else
                cp = cp * (hex ? 16u : 10u) + d;
        }
        if (i == start) return 0;
        if (i < n && s[i] == ';') i++;
        if (overflow || cp > 0x10FFFF) cp = 0xFFFD;
        if (cp >= 0x80 && cp <= 0x9F) cp = cp1252_c1[cp - 0x80];
        ex_utf8_put(out, cp);
        return i;
    }
    char name[16];
    size_t i = 1;
    while (i < n && i - 1 < sizeof name - 1 && ex_is_alnum((unsigned char)s[i])) {
        name[i - 1] = s[i];
        i++;
    }
    name[i - 1] = '\0';
    if (i == 1) return 0;
    if (i < n && s[i] == ';') {
        uint32_t cp = entity_lookup(name);
        if (!cp) return 0;
        ex_utf8_put(out, cp);
        return i + 1;
    }
    /* without ';': only legacy names, and in attributes not before [A-Za-z0-9=] */
    for (size_t len = i - 1; len >= 2; len--) {
        char sub[16];
        memcpy(sub, name, len);
        sub[len] = '\0';
        if (!legacy_name(sub)) continue;
        unsigned char next = (1 + len < n) ? (unsigned char)s[1 + len] : 0;
        if (in_attr && (ex_is_alnum(next) || next == '=')) return 0;
        ex_utf8_put(out, entity_lookup(sub));
        return 1 + len;
    }
    return 0;
}

void ex_entity_decode(const char *s, size_t n, struct ex_buf *out, bool in_attr) {
    const char *end = s + n;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        if (!amp) {
            ex_buf_add(out, s, (size_t)(end - s));
            return;
        }
        ex_buf_add(out, s, (size_t)(amp - s));
        size_t used = entity_one(amp, (size_t)(end - amp), out, in_attr);
        if (used) {
            s = amp + used;
        } else {
            ex_buf_putc(out, '&');
            s = amp + 1;
        }
    }
}

static int hexval(unsigned char ch) {
    if (ex_is_digit(ch)) return ch - '0';
    ch |= 32;
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

void ex_url_decode(const char *s, size_t n, struct ex_buf *out) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
            hexval((unsigned char)s[i + 2]) >= 0) {
            char ch =
                (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
            ex_buf_putc(out, ch ? ch : ' ');
            i += 2;
        } else {
            ex_buf_putc(out, s[i]);
        }
    }
}

void ex_rot13(char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 'a' && ch <= 'z')
            s[i] = (char)('a' + (ch - 'a' + 13) % 26);
        else if (ch >= 'A' && ch <= 'Z')
            s[i] = (char)('A' + (ch - 'A' + 13) % 26);
    }
}

static void reverse_bytes(char *s, size_t n) {
    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        char t = s[i];
        s[i] = s[j - 1];
        s[j - 1] = t;
    }
}

void ex_reverse_utf8(char *s, size_t n) {
    /* reverse each multi-byte sequence, then the whole string */
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        if ((unsigned char)s[i] >= 0xC0)
            while (j < n && ((unsigned char)s[j] & 0xC0) == 0x80)
                j++;
        if (j - i > 1) reverse_bytes(s + i, j - i);
        i = j;
    }
    reverse_bytes(s, n);
}

char *ex_collapse_ws(struct arena *a, const char *s, size_t n) {
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ex_is_space(ch)) {
            space = true;
            continue;
        }
        if (space && o) out[o++] = ' ';
        space = false;
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return out;
}

void ex_js_unescape(const char *s, size_t n, struct ex_buf *out) {
    const char *end = s + n;
    while (s < end) {
        const char *bs = memchr(s, '\\', (size_t)(end - s));
        if (!bs) {
            ex_buf_add(out, s, (size_t)(end - s));
            return;
        }
        ex_buf_add(out, s, (size_t)(bs - s));
        s = bs + 1;
        if (s >= end) {
            ex_buf_putc(out, '\\');
            return;
        }
        char ch = *s++;
        switch (ch) {
        case 'n':
            ex_buf_putc(out, '\n');
            break;
        case 't':
            ex_buf_putc(out, '\t');
            break;
        case 'r':
            ex_buf_putc(out, '\r');
            break;
        case 'f':
            ex_buf_putc(out, '\f');
            break;
        case 'b':
            ex_buf_putc(out, '\b');
            break;
        case 'v':
            ex_buf_putc(out, '\v');
            break;
        case '0':
        case '1':
        case '2':
        case '3':
            /* legacy octal escapes: "\100" is '@'; a lone \0 is a NUL, read as a space */
            if (end - s >= 2 && s[0] >= '0' && s[0] <= '7' && s[1] >= '0' && s[1] <= '7') {
                ex_utf8_put(out, (uint32_t)((ch - '0') * 64 + (s[0] - '0') * 8 + (s[1] - '0')));
                s += 2;
            } else {
                ex_buf_putc(out, ch == '0' ? ' ' : ch);
            }
            break;
        case 'x':
            if (end - s >= 2 && hexval((unsigned char)s[0]) >= 0 &&
                hexval((unsigned char)s[1]) >= 0) {
                ex_utf8_put(out, (uint32_t)(hexval((unsigned char)s[0]) * 16 +
                                            hexval((unsigned char)s[1])));
                s += 2;
            } else {
                ex_buf_putc(out, 'x');
            }
            break;
        case 'u': {
            uint32_t cp = 0;
            int k = 0;
            if (s < end && *s == '{') { /* ES2015 "\u{40}" */
                const char *q = s + 1;
                for (; q < end && q - s <= 6 && hexval((unsigned char)*q) >= 0; q++)
                    cp = cp * 16 + (uint32_t)hexval((unsigned char)*q);
                if (q < end && *q == '}' && q > s + 1) {
                    ex_utf8_put(out, cp);
                    s = q + 1;
                    break;
                }
                cp = 0;
            }
            for (; k < 4 && s + k < end && hexval((unsigned char)s[k]) >= 0; k++)
                cp = cp * 16 + (uint32_t)hexval((unsigned char)s[k]);
            if (k < 4) {
                ex_buf_putc(out, 'u');
                break;
            }
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && end - s >= 6 && s[0] == '\\' && s[1] == 'u') {
                uint32_t lo = 0;
                int m = 0;
                for (; m < 4 && hexval((unsigned char)s[2 + m]) >= 0; m++)
                    lo = lo * 16 + (uint32_t)hexval((unsigned char)s[2 + m]);
                if (m == 4 && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 6;
                }
            }
            ex_utf8_put(out, cp);
            break;
        }
        default:
            ex_buf_putc(out, ch);
            break; /* \/ \" \' \\ and the rest */
        }
    }
}

bool ex_base64_decode(const char *s, size_t n, struct ex_buf *out) {
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        int v;
        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a' + 26;
        else if (ex_is_digit(ch))
            v = ch - '0' + 52;
        else if (ch == '+' || ch == '-')
            v = 62;
        else if (ch == '/' || ch == '_')
            v = 63;
        else if (ch == '=')
            break;
        else if (ex_is_space(ch))
            continue;
        else
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            ex_buf_putc(out, (char)((acc >> bits) & 0xFF));
        }
    }
    return true;
}

const char *extract_html_text(const char *s, size_t len, bool in_attr, struct arena *a) {
    struct ex_buf dec = {0};
    ex_entity_decode(s, len, &dec, in_attr);
    const char *out = ex_collapse_ws(a, dec.data ? dec.data : "", dec.len);
    ex_buf_free(&dec);
    return out;
}
