/* Phone numbers: tel: links are trusted; numbers in text count only in +CC
 * form or next to a keyword (Tel, Telefon, Phone, Fax, Mobile, ...) or inside
 * an itemprop=telephone element, or in a shape no other number has (1-800-...;
 * in snippets also (415) 555-0142 and (089) ...). An extension (ext. 12, x12,
 * #12) stays with its number. Shapes of dates, times, year and page ranges,
 * decimals and coordinates are rejected, and so are digit runs touching
 * letters or currency signs. Numbers are deduplicated on their normalised form
 * (E.164 when the country is known) and keep the display form as written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/internal.h"

enum { DIGITS_MAX = 15, GROUPS_MAX = 24 };

/* ---- countries ---- */

struct country {
    const char *tld, *cc;
    bool trunk0; /* national numbers start with a trunk 0 that E.164 drops */
};

static const struct country countries[] = {
    {"ae", "971", true},  {"ar", "54", true},   {"at", "43", true},   {"au", "61", true},
    {"be", "32", true},   {"bg", "359", true},  {"br", "55", true},   {"ca", "1", false},
    {"ch", "41", true},   {"cz", "420", false}, {"de", "49", true},   {"dk", "45", false},
    {"ee", "372", false}, {"es", "34", false},  {"fi", "358", true},  {"fr", "33", true},
    {"gr", "30", false},  {"hr", "385", true},  {"hu", "36", false},  {"ie", "353", true},
    {"il", "972", true},  {"in", "91", true},   {"it", "39", false},  {"jp", "81", true},
    {"li", "423", false}, {"lt", "370", false}, {"lu", "352", false}, {"lv", "371", false},
    {"mt", "356", false}, {"mx", "52", false},  {"nl", "31", true},   {"no", "47", false},
    {"nz", "64", true},   {"pl", "48", false},  {"pt", "351", false}, {"ro", "40", true},
    {"rs", "381", true},  {"se", "46", true},   {"si", "386", true},  {"sk", "421", true},
    {"tr", "90", true},   {"ua", "380", true},  {"uk", "44", true},   {"us", "1", false},
    {"za", "27", true},
};

static const struct country *country_by_cc(const char *cc) {
    for (size_t i = 0; i < sizeof countries / sizeof countries[0]; i++)
        if (strcmp(countries[i].cc, cc) == 0) return &countries[i];
    return NULL;
}

const char *extract_country_code_for_host(const char *host) {
    if (!host) return NULL;
    size_t n = strlen(host);
    while (n && host[n - 1] == '.')
        n--;
    size_t i = n;
    while (i && host[i - 1] != '.')
        i--;
    if (n - i != 2) return NULL;
    for (size_t k = 0; k < sizeof countries / sizeof countries[0]; k++)
        if (ex_lower(host[i]) == countries[k].tld[0] &&
            ex_lower(host[i + 1]) == countries[k].tld[1])
            return countries[k].cc;
    return NULL;
}

/* ---- normalisation ---- */

bool extract_phone_normalize(const char *phone, const char *default_cc, char *out,
                             size_t out_size) {
    char d[40];
    size_t n = 0;
    const char *p = phone;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '(' && p[1] == '+') p++; /* "(+49) 89 ..." */
    bool intl = *p == '+';
    bool nanp = *p == '1' && p[1] && strchr(" -.(", p[1]); /* 1-800-..., 1 (415) ... */
    for (; *p; p++) {
        if (*p == '(' && p[1] == '0' && p[2] == ')' && n > 0) {
            p += 2; /* the "(0)" trunk after a country code */
            continue;
        }
        if (n > 0 && (*p == '#' || ex_lower(*p) == 'e' || ex_lower(*p) == 'x')) break;
        if (ex_is_digit((unsigned char)*p)) {
            if (n >= sizeof d - 1) return false;
            d[n++] = *p;
        }
    }
    d[n] = '\0';
    char ext[8] = ""; /* an extension's digits: ";ext=12" follows the number */
    for (size_t e = 0; *p && e < sizeof ext - 1; p++)
        if (ex_is_digit((unsigned char)*p)) ext[e++] = *p, ext[e] = '\0';
    if (nanp && n == 11 && d[1] >= '2') intl = true; /* the long-distance 1 is NANP's +1 */
    const char *digits = d;
    if (!intl && n > 4 && d[0] == '0' && d[1] == '0' && d[2] != '0') {
        intl = true; /* 00 international prefix */
        digits += 2;
        n -= 2;
    }
    if (n < 5 || n > DIGITS_MAX) return false;
    char res[48];
    if (intl) {
        /* a trunk 0 written after a known country code: +49 0171 ... */
        for (size_t k = 0; k < sizeof countries / sizeof countries[0]; k++) {
            size_t cl = strlen(countries[k].cc);
            if (countries[k].trunk0 && n > cl + 5 && strncmp(digits, countries[k].cc, cl) == 0 &&
                digits[cl] == '0') {
                snprintf(res, sizeof res, "+%.*s%s", (int)cl, digits, digits + cl + 1);
                goto done;
            }
        }
        snprintf(res, sizeof res, "+%s", digits);
    } else {
        const struct country *c = default_cc ? country_by_cc(default_cc) : NULL;
        if (c && strcmp(c->cc, "1") == 0) {
            if (n == 10)
                snprintf(res, sizeof res, "+1%s", digits);
            else if (n == 11 && digits[0] == '1')
                snprintf(res, sizeof res, "+%s", digits);
            else
                snprintf(res, sizeof res, "%s", digits);
        } else if (c && c->trunk0 && digits[0] == '0' && digits[1] != '0') {
            snprintf(res, sizeof res, "+%s%s", c->cc, digits + 1);
        } else if (c && !c->trunk0 && (digits[0] != '0' || strcmp(c->cc, "39") == 0)) {
            snprintf(res, sizeof res, "+%s%s", c->cc, digits);
        } else {
            snprintf(res, sizeof res, "%s", digits);
        }
    }
done:
    if (*ext) snprintf(res + strlen(res), sizeof res - strlen(res), ";ext=%s", ext);
    if (strlen(res) >= out_size) return false;
    strcpy(out, res);
    return true;
}

/* ---- helpers over UTF-8 text ---- */

/* Length of a separator unit at s[i] (space, no-break/thin spaces, - . / ( )
 * and the en dash or non-breaking hyphen), or 0. *hard is set for non-spaces. */
static size_t sep_unit(const char *s, size_t n, size_t i, bool *hard) {
    unsigned char ch = (unsigned char)s[i];
    *hard = false;
    if (ch == ' ' || ch == '\t') return 1;
    if (ch == '-' || ch == '.' || ch == '/' || ch == '(' || ch == ')') {
        *hard = true;
        return 1;
    }
    if (ch == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) return 2;
    if (ch == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80) {
        unsigned char c3 = (unsigned char)s[i + 2];
        if (c3 == 0xAF || c3 == 0x89 || c3 == 0x8A) return 3; /* U+202F, U+2009, U+200A */
        if (c3 == 0x93 || c3 == 0x91 || c3 == 0x90) {         /* en dash, hyphens */
            *hard = true;
            return 3;
        }
    }
    return 0;
}

/* The code point that ends just before s[i], or 0. */
static uint32_t cp_before(const char *s, size_t i) {
    if (i == 0) return 0;
    size_t k = i - 1;
    while (k > 0 && i - k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    unsigned char b = (unsigned char)s[k];
    if (b < 0x80) return b;
    uint32_t cp;
    size_t len;
    if ((b & 0xE0) == 0xC0)
        cp = b & 0x1F, len = 2;
    else if ((b & 0xF0) == 0xE0)
        cp = b & 0x0F, len = 3;
    else if ((b & 0xF8) == 0xF0)
        cp = b & 0x07, len = 4;
    else
        return 0xFFFD;
    if (k + len != i) return 0xFFFD;
    for (size_t j = 1; j < len; j++)
        cp = (cp << 6) | ((unsigned char)s[k + j] & 0x3F);
    return cp;
}

static uint32_t cp_at(const char *s, size_t n, size_t i) {
    unsigned char b = (unsigned char)s[i];
    if (b < 0x80) return b;
    size_t len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
    if (len == 1 || i + len > n) return 0xFFFD;
    uint32_t cp = b & (0xFF >> (len + 1));
    for (size_t j = 1; j < len; j++)
        cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3F);
    return cp;
}

static bool is_currency(uint32_t cp) {
    return cp == '$' || cp == 0xA3 || cp == 0xA5 || cp == 0x20AC || cp == 0x20B9 || cp == 0x20BD ||
           cp == 0x20A3 || cp == 0x20BA;
}

/* Code points that may sit right before or after a number. */
static bool is_neutral(uint32_t cp) {
    return cp == 0xA0 || cp == 0x202F || cp == 0x2009 || cp == 0x2013 || cp == 0x2014 ||
           (cp >= 0x2018 && cp <= 0x201F) || cp == 0xAB || cp == 0xBB || cp == 0x2022 ||
           cp == 0xB7 || cp == 0x260E || cp == 0x2706 || cp == 0x1F4DE || cp == 0x1F4F1;
}

/* ---- keywords ---- */

static const char *const keywords[] = {
    "tel",
    "tele",
    "telefon",
    "telephone",
    "t\xc3\xa9l\xc3\xa9phone",
    "t\xc3\xa9l",
    "telefono",
    "tel\xc3\xa9\x66ono",
    "telf",
    "tlf",
    "tlph",
    "phone",
    "ph",
    "fon",
    "fone",
    "fax",
    "telefax",
    "mobile",
    "mobil",
    "mob",
    "handy",
    "cell",
    "cellphone",
    "hotline",
    "call",
    "whatsapp",
    "tf",
    "tfn",
    "telefonnummer",
    "rufnummer",
    "festnetz",
    "zentrale",
    "toll",
    "tollfree",
};
static const char *const keyword_suffixes[] = {"telefon", "telefonnummer", "hotline", "telefax",
                                               "rufnummer"};
static const char *const fillers[] = {"nr",        "no",     "number", "nummer", "num",
                                      "us",        "at",     "direkt", "direct", "durchwahl",
                                      "office",    "or",     "free"};
static const char *const letters[] = {"t", "f", "m", "p"};

static bool in_list(const char *w, const char *const *list, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (strcmp(w, list[i]) == 0) return true;
    return false;
}

static bool gap_char(const char *s, size_t k, bool *colon) {
    unsigned char ch = (unsigned char)s[k - 1];
    if (ch == ':') *colon = true;
    return ex_is_space(ch) || ch == ':' || ch == '.' || ch == '-' || ch == '|' || ch == '/' ||
           ch == '(' || ch == ')' || ch == '#' || ch == '"' || ch == '\'' || ch == '*' ||
           ch == ',' || ch == '>' || ch == '=' || (ch >= 0x80 && is_neutral(cp_before(s, k)));
}

/* Is the number at s[i] preceded (within a short gap) by a phone keyword? */
static bool keyword_before(const char *s, size_t i) {
    size_t k = i;
    for (int words = 0; words < 3; words++) {
        size_t budget = 48;
        bool colon = false;
        while (k > 0 && budget-- && gap_char(s, k, &colon)) {
            if ((unsigned char)s[k - 1] >= 0x80) {
                uint32_t cp = cp_before(s, k);
                size_t len = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                k = k >= len ? k - len : 0;
            } else {
                k--;
            }
        }
        size_t e = k;
        while (k > 0 && e - k < 24 &&
               (ex_is_alpha((unsigned char)s[k - 1]) ||
                ((unsigned char)s[k - 1] >= 0x80 && !is_neutral(cp_before(s, k)) &&
                 cp_before(s, k) != 0xA0)))
            k--;
        if (k == e || e - k >= 24) return false;
        if (k > 0 && ex_is_digit((unsigned char)s[k - 1])) return false;
        char w[32];
        size_t wl = e - k;
        for (size_t j = 0; j < wl; j++)
            w[j] = ex_lower(s[k + j]);
        w[wl] = '\0';
        if (in_list(w, keywords, sizeof keywords / sizeof keywords[0])) return true;
        for (size_t j = 0; j < sizeof keyword_suffixes / sizeof keyword_suffixes[0]; j++) {
            size_t sl = strlen(keyword_suffixes[j]);
            if (wl > sl && strcmp(w + wl - sl, keyword_suffixes[j]) == 0) return true;
        }
        if (wl == 1 && colon && in_list(w, letters, sizeof letters / sizeof letters[0]))
            return true;
        if (!in_list(w, fillers, sizeof fillers / sizeof fillers[0])) return false;
    }
    return false;
}

/* ---- candidates ---- */

struct cand {
    size_t start, end; /* [start, end) in the text, trimmed */
    bool plus;
    int digits; /* without a "(0)" trunk */
    int ngroups;
    int glen[GROUPS_MAX];
    char sep[GROUPS_MAX]; /* the hard separator before group i (' ' when none) */
    const char *gstart[GROUPS_MAX];
};

static long group_value(const struct cand *k, int g) {
    long v = 0;
    for (int i = 0; i < k->glen[g]; i++)
        v = v * 10 + (k->gstart[g][i] - '0');
    return v;
}

static bool is_dash(char sep) {
    return sep == '-' || sep == 'd'; /* 'd' marks an en dash */
}

/* Rejects shapes that are not phone numbers. */
static bool shape_ok(const struct cand *k) {
    int g = k->ngroups;
    int singles = 0;
    for (int i = 0; i < g; i++)
        singles += k->glen[i] == 1;
    if (singles > 2) return false;
    /* one digit repeated, or a counting run */
    char first = k->gstart[0][0];
    bool same = true;
    int run = 1, best = 1;
    char prev = 0;
    for (int i = 0; i < g; i++)
        for (int j = 0; j < k->glen[i]; j++) {
            char ch = k->gstart[i][j];
            if (ch != first) same = false;
            if (prev && ch == prev + 1)
                run++;
            else
                run = 1;
            if (run > best) best = run;
            prev = ch;
        }
    if (same || best >= 7) return false;
    if (k->plus) {
        /* +48.2082 style coordinates */
        if (g == 2 && k->sep[1] == '.' && k->glen[1] >= 4) return false;
        /* +25 000 000: thousands groups, not a subscriber number */
        bool thousands = g >= 2, zeros = false;
        for (int i = 1; i < g; i++) {
            if (k->glen[i] != 3)
                thousands = false;
            else if (memcmp(k->gstart[i], "000", 3) == 0)
                zeros = true;
        }
        return !(thousands && zeros);
    }
    /* dates: d.m.yyyy, d/m/yy, yyyy-mm-dd */
    if (g == 3 && k->sep[1] == k->sep[2] &&
        (k->sep[1] == '.' || k->sep[1] == '/' || k->sep[1] == '-')) {
        if (k->glen[0] <= 2 && k->glen[1] <= 2 && (k->glen[2] == 4 || k->glen[2] == 2) &&
            group_value(k, 0) >= 1 && group_value(k, 0) <= 31 && group_value(k, 1) >= 1 &&
            group_value(k, 1) <= 31)
            return false;
        if (k->glen[0] == 4 && k->glen[1] <= 2 && k->glen[2] <= 2 && group_value(k, 1) <= 12)
            return false;
    }
    /* opening hours 08.00 - 16.00 */
    if (g == 4 && k->sep[1] == '.' && k->sep[3] == '.' && is_dash(k->sep[2]) && k->glen[1] == 2 &&
        k->glen[3] == 2 && k->glen[0] <= 2 && k->glen[2] <= 2)
        return false;
    if (g == 2) {
        long a = group_value(k, 0), b = group_value(k, 1);
        /* year ranges 2019-2023 and page ranges 267-269 */
        if (is_dash(k->sep[1]) || k->sep[1] == '/') {
            if (k->glen[0] == 4 && k->glen[1] == 4 && a >= 1800 && a <= 2199 && b >= 1800 &&
                b <= 2199)
                return false;
            if (is_dash(k->sep[1]) && k->glen[0] <= 4 && k->glen[1] <= 4 && a < b) return false;
        }
        /* decimals and coordinates */
        if (k->sep[1] == '.' && k->glen[1] >= 4 && k->glen[0] <= 3) return false;
    }
    return true;
}

/* Builds the candidate starting at s[i]; returns false when there is none. */
static bool build(const char *s, size_t n, size_t i, struct cand *k, size_t *resume) {
    memset(k, 0, sizeof *k);
    k->start = i;
    size_t j = i;
    if (s[j] == '+') {
        k->plus = true;
        j++;
        if (j >= n || !ex_is_digit((unsigned char)s[j])) {
            *resume = j;
            return false;
        }
    } else if (s[j] == '(' && j + 2 < n && s[j + 1] == '+' &&
               ex_is_digit((unsigned char)s[j + 2])) {
        k->plus = true; /* "(+49) 89 ...": the country code in parentheses */
        j += 2;
    } else if (s[j] == '(') {
        j++;
        if (j >= n || !ex_is_digit((unsigned char)s[j])) {
            *resume = j;
            return false;
        }
    }
    int raw_digits = 0;
    char pending_sep = ' ';
    bool trunk_pending = false;
    for (;;) {
        size_t g0 = j;
        while (j < n && ex_is_digit((unsigned char)s[j]))
            j++;
        int len = (int)(j - g0);
        raw_digits += len;
        if (raw_digits > DIGITS_MAX + 2 || k->ngroups >= GROUPS_MAX) {
            /* too long: skip the whole run of digits and separators */
            while (j < n) {
                bool h;
                size_t u = ex_is_digit((unsigned char)s[j]) ? 1 : sep_unit(s, n, j, &h);
                if (!u) break;
                j += u;
            }
            *resume = j;
            return false;
        }
        if (trunk_pending && len == 1 && s[g0] == '0' && j < n && s[j] == ')' && k->ngroups > 0) {
            /* "(0)": a trunk prefix, not a group of the number */
        } else {
            k->gstart[k->ngroups] = s + g0;
            k->glen[k->ngroups] = len;
            k->sep[k->ngroups] = pending_sep;
            k->ngroups++;
            k->digits += len;
        }
        k->end = j;
        /* a separator run: at most 5 units, at most 2 of them not spaces */
        size_t sj = j;
        int units = 0, hard = 0;
        char hard_ch = ' ';
        trunk_pending = false;
        while (sj < n && units < 5) {
            bool h;
            size_t u = sep_unit(s, n, sj, &h);
            if (!u) break;
            if (h) {
                hard++;
                if (s[sj] == '(')
                    trunk_pending = true;
                else if (s[sj] != ')')
                    hard_ch = u == 3 ? 'd' : s[sj];
            }
            units++;
            sj += u;
        }
        if (sj > j && sj < n && ex_is_digit((unsigned char)s[sj]) && hard <= 2) {
            pending_sep = hard_ch;
            j = sj;
            continue;
        }
        break;
    }
    *resume = k->end;
    return true;
}

/* A North American number: (415) 555-0142, 415-555-0142, 415.555.0142, and with the
 * long-distance 1 (1-800-555-0199, 1 (866) 555-0142); *one is set for the latter. */
static bool nanp_shape(const char *s, const struct cand *k, bool *one) {
    int o = k->ngroups == 4 && k->glen[0] == 1 && k->gstart[0][0] == '1';
    *one = o;
    if (k->ngroups - o != 3 || k->glen[o] != 3 || k->glen[o + 1] != 3 || k->glen[o + 2] != 4)
        return false;
    if (k->gstart[o][0] < '2' || k->gstart[o + 1][0] < '2') return false;
    bool paren = k->gstart[o] > s && k->gstart[o][-1] == '(' && k->gstart[o][3] == ')';
    char s1 = k->sep[o + 1], s2 = k->sep[o + 2];
    if (paren) return s2 == '-' || s2 == '.' || s2 == ' ';
    return s1 == s2 && (s1 == '-' || s1 == '.');
}

/* Numbers that need no keyword: the NANP long-distance form anywhere; in snippets
 * also the plain NANP forms and national numbers led by a trunk prefix in
 * parentheses ((089) 2180 3456, (0)89 2180 3456). */
static bool self_evident(const struct ex_ctx *c, const char *s, const struct cand *k) {
    bool one;
    if (nanp_shape(s, k, &one) && (one || c->snippet)) return true;
    return c->snippet && s[k->start] == '(' && s[k->start + 1] == '0' && k->digits >= 9;
}

/* The extension after a number ending at s[e]: ", ext. 204", " x12", " #7",
 * " extension 3". Returns where it ends, or e when there is none. */
static size_t extension(const char *s, size_t n, size_t e) {
    static const char *const marks[] = {"extension", "ext.", "ext", "x", "#"};
    size_t i = e;
    if (i < n && s[i] == ',') i++;
    while (i < n && s[i] == ' ')
        i++;
    size_t m = 0;
    for (size_t k = 0; k < sizeof marks / sizeof marks[0] && !m; k++)
        if (ex_istarts(s + i, n - i, marks[k])) m = strlen(marks[k]);
    if (!m) return e;
    i += m;
    while (i < n && (s[i] == ' ' || s[i] == ':' || s[i] == '.'))
        i++;
    size_t d0 = i;
    while (i < n && ex_is_digit((unsigned char)s[i]) && i - d0 <= 6)
        i++;
    return i > d0 && i - d0 <= 6 ? i : e;
}

static bool touches_before(const char *s, size_t i) {
    if (i == 0) return false;
    unsigned char p = (unsigned char)s[i - 1];
    if (ex_is_alnum(p)) return true;
    if (p == '_' || p == '@' || p == '#' || p == '$' || p == '%' || p == '&' || p == '=' ||
        p == '\\' || p == '/' || p == '+' || p == '?')
        return true;
    /* a decimal (25.13, 25,13) or a reference code (D-80331); "Tel.+49" is fine */
    if ((p == '.' || p == ',') && i > 1 && ex_is_digit((unsigned char)s[i - 2])) return true;
    if (p == '-' && i > 1 && ex_is_alnum((unsigned char)s[i - 2])) return true;
    if (p >= 0x80) {
        uint32_t cp = cp_before(s, i);
        if (is_currency(cp)) return true;
        if (!is_neutral(cp)) return true; /* a letter */
    }
    /* a currency sign one space before */
    if ((p == ' ' || p == 0xA0) && i > 1) {
        size_t k = p == 0xA0 ? i - 2 : i - 1;
        if (k > 0 && is_currency(cp_before(s, k))) return true;
    }
    return false;
}

static bool touches_after(const char *s, size_t n, size_t e) {
    if (e >= n) return false;
    unsigned char ch = (unsigned char)s[e];
    if (ex_is_alpha(ch) || ch == '%' || ch == '@' || ch == '_' || ch == '$' || ch == '/' ||
        ch == '=')
        return true;
    if ((ch == ',' || ch == '.' || ch == ':') && e + 1 < n && ex_is_digit((unsigned char)s[e + 1]))
        return true;
    if (ch >= 0x80) {
        uint32_t cp = cp_at(s, n, e);
        if (is_currency(cp)) return true;
        if (cp == 0xA0 || cp == 0x202F) {
            size_t k = e + 2 + (cp == 0x202F);
            if (k < n && is_currency(cp_at(s, n, k))) return true;
            return false;
        }
        if (!is_neutral(cp)) return true;
    }
    if (ch == ' ' && e + 1 < n && is_currency(cp_at(s, n, e + 1))) return true;
    return false;
}

/* Display form: whitespace (incl. no-break and thin spaces) collapsed to one space. */
static char *display(struct arena *a, const char *s, size_t n) {
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n;) {
        bool h;
        size_t u = sep_unit(s, n, i, &h);
        if ((u && !h) || ex_is_space((unsigned char)s[i])) {
            space = true;
            i += u ? u : 1;
            continue;
        }
        if (space && o) out[o++] = ' ';
        space = false;
        out[o++] = s[i++];
    }
    out[o] = '\0';
    return out;
}

static size_t add_phone(struct ex_ctx *c, const char *disp, bool *added) {
    char norm[48];
    *added = false;
    if (!extract_phone_normalize(disp, c->default_cc, norm, sizeof norm)) return (size_t)-1;
    if (ex_list_find(&c->phones, norm) != (size_t)-1) return ex_list_find(&c->phones, norm);
    return ex_list_add(&c->phones, disp, arena_strdup(c->a, norm), added);
}

void ex_phones_scan(struct ex_ctx *c, const char *s, size_t n, const struct ex_range *ranges,
                    size_t nranges) {
    size_t r = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        if (!ex_is_digit(ch) && ch != '+' && ch != '(') {
            i++;
            continue;
        }
        struct cand k;
        size_t resume = i + 1;
        bool ok = build(s, n, i, &k, &resume);
        if (resume <= i) resume = i + 1;
        if (!ok || k.ngroups == 0) {
            i = resume;
            continue;
        }
        i = resume;
        if (k.digits < (k.plus ? 7 : 6) || k.digits > DIGITS_MAX) continue;
        size_t end = extension(s, n, k.end);
        if (touches_before(s, k.start) || touches_after(s, n, end)) continue;
        if (!shape_ok(&k)) continue;
        while (r < nranges && ranges[r].end <= k.start)
            r++;
        bool in_range = r < nranges && ranges[r].start <= k.start;
        if (!(k.plus && k.digits >= 8) && !in_range && !self_evident(c, s, &k) &&
            !keyword_before(s, k.start))
            continue;
        if (end > k.end) i = end;
        bool added;
        add_phone(c, display(c->a, s + k.start, end - k.start), &added);
    }
}

static bool phone_chars_only(const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        bool h;
        size_t u = sep_unit(s, n, i, &h);
        if (u) {
            i += u;
            continue;
        }
        if (!ex_is_digit((unsigned char)s[i]) && s[i] != '+' && !ex_is_space((unsigned char)s[i]))
            return false;
        i++;
    }
    return true;
}

size_t ex_phone_add_tel(struct ex_ctx *c, const char *s, size_t n) {
    struct ex_buf dec = {0};
    ex_url_decode(s, n, &dec);
    const char *p = dec.data ? dec.data : "";
    size_t len = dec.len;
    while (len && (*p == '/' || ex_is_space((unsigned char)*p)))
        p++, len--;
    for (size_t i = 0; i < len; i++)
        if (p[i] == ';' || p[i] == '?' || p[i] == ',') len = i;
    while (len && ex_is_space((unsigned char)p[len - 1]))
        len--;
    size_t idx = (size_t)-1;
    if (len && len < 64 && phone_chars_only(p, len)) {
        bool added;
        size_t at = add_phone(c, display(c->a, p, len), &added);
        if (added) idx = at;
    }
    ex_buf_free(&dec);
    return idx;
}

void ex_phone_link_text(struct ex_ctx *c, size_t idx, const char *s, size_t n) {
    if (idx >= c->phones.count) return;
    while (n && ex_is_space((unsigned char)*s))
        s++, n--;
    while (n && ex_is_space((unsigned char)s[n - 1]))
        n--;
    if (!n || n > 64 || !phone_chars_only(s, n)) return;
    char *disp = display(c->a, s, n);
    char norm[48];
    if (!extract_phone_normalize(disp, c->default_cc, norm, sizeof norm)) return;
    if (strcmp(norm, c->phones.keys[idx]) == 0) c->phones.items[idx] = disp;
}

size_t ex_phones_fold(const char **display_forms, const char **norm, size_t count) {
    /* every international number's digits without a 1-3 digit country code,
     * and its full digits, in one set; a national number whose digits (without
     * its trunk 0) are in the set is the same phone */
    struct ex_list tails = {0};
    struct ex_buf keys = {0};
    size_t *offsets = xmalloc((count * 4 + 1) * sizeof *offsets);
    size_t nkeys = 0;
    for (size_t i = 0; i < count; i++) {
        if (norm[i][0] != '+') continue;
        const char *d = norm[i] + 1;
        size_t dl = strlen(d);
        for (size_t cut = 0; cut <= 3 && cut < dl; cut++) {
            if (cut && dl - cut < 6) break;
            offsets[nkeys++] = keys.len;
            ex_buf_add(&keys, d + cut, dl - cut + 1); /* with its NUL */
        }
    }
    for (size_t k = 0; k < nkeys; k++)
        ex_list_add(&tails, "", keys.data + offsets[k], NULL);
    size_t out = 0;
    for (size_t i = 0; i < count; i++) {
        const char *nat = norm[i];
        if (nat[0] != '+' && nkeys) {
            if (ex_list_find(&tails, nat) != (size_t)-1) continue; /* 14154296753 = +1 415... */
            if (nat[0] == '0' && ex_list_find(&tails, nat + 1) != (size_t)-1) continue;
        }
        display_forms[out] = display_forms[i];
        norm[out] = norm[i];
        out++;
    }
    ex_list_free(&tails);
    ex_buf_free(&keys);
    free(offsets);
    return out;
}

size_t extract_phones_from_text(const char *text, size_t len, const char *default_cc,
                                struct arena *a, const char ***display,
                                const char ***normalized) {
    struct ex_ctx c = {.a = a, .default_cc = default_cc, .snippet = true};
    if (text && len) ex_phones_scan(&c, text, len, NULL, 0);
    *display = ex_list_export(&c.phones, a, normalized);
    size_t count = ex_phones_fold(*display, *normalized, c.phones.count);
    ex_list_free(&c.phones);
    return count;
}
