/* Names to local-part tokens: a transliteration table for the Latin letters
 * names carry (Latin-1 and Latin Extended-A), and a table of common given
 * names that tells "{first}" from "{f}{last}" in addresses seen. */
#include "finder/finder.h"

#include <string.h>

struct translit {
    const char *utf8, *ascii;
};

/* Plain base letters, as mail systems write them (ü -> u, not ue: "José
 * Müller" is jose.muller far more often than jose.mueller). */
static const struct translit translits[] = {
    {"à", "a"},  {"á", "a"},  {"â", "a"},  {"ã", "a"}, {"ä", "a"}, {"å", "a"},  {"ā", "a"},
    {"ă", "a"},  {"ą", "a"},  {"æ", "ae"}, {"ç", "c"}, {"ć", "c"}, {"č", "c"},  {"ď", "d"},
    {"đ", "d"},  {"ð", "d"},  {"è", "e"},  {"é", "e"}, {"ê", "e"}, {"ë", "e"},  {"ē", "e"},
    {"ę", "e"},  {"ě", "e"},  {"ğ", "g"},  {"ì", "i"}, {"í", "i"}, {"î", "i"},  {"ï", "i"},
    {"ī", "i"},  {"ı", "i"},  {"ł", "l"},  {"ľ", "l"}, {"ñ", "n"}, {"ń", "n"},  {"ň", "n"},
    {"ò", "o"},  {"ó", "o"},  {"ô", "o"},  {"õ", "o"}, {"ö", "o"}, {"ø", "o"},  {"ő", "o"},
    {"œ", "oe"}, {"ř", "r"},  {"ś", "s"},  {"š", "s"}, {"ş", "s"}, {"ß", "ss"}, {"ť", "t"},
    {"ţ", "t"},  {"þ", "th"}, {"ù", "u"},  {"ú", "u"}, {"û", "u"}, {"ü", "u"},  {"ū", "u"},
    {"ů", "u"},  {"ű", "u"},  {"ý", "y"},  {"ÿ", "y"}, {"ź", "z"}, {"ż", "z"},  {"ž", "z"},
    {"À", "a"},  {"Á", "a"},  {"Â", "a"},  {"Ã", "a"}, {"Ä", "a"}, {"Å", "a"},  {"Æ", "ae"},
    {"Ç", "c"},  {"Č", "c"},  {"Ć", "c"},  {"È", "e"}, {"É", "e"}, {"Ê", "e"},  {"Ë", "e"},
    {"Ì", "i"},  {"Í", "i"},  {"Î", "i"},  {"Ï", "i"}, {"İ", "i"}, {"Ł", "l"},  {"Ñ", "n"},
    {"Ò", "o"},  {"Ó", "o"},  {"Ô", "o"},  {"Õ", "o"}, {"Ö", "o"}, {"Ø", "o"},  {"Ř", "r"},
    {"Ś", "s"},  {"Š", "s"},  {"Ş", "s"},  {"Ù", "u"}, {"Ú", "u"}, {"Û", "u"},  {"Ü", "u"},
    {"Ý", "y"},  {"Ź", "z"},  {"Ż", "z"},  {"Ž", "z"},
};

/* The table entry spelled at s, or NULL. */
static const struct translit *translit_at(const char *s) {
    for (size_t i = 0; i < sizeof translits / sizeof translits[0]; i++)
        if (strncmp(s, translits[i].utf8, strlen(translits[i].utf8)) == 0) return &translits[i];
    return NULL;
}

/* Bytes of the UTF-8 sequence starting with lead (1 for stray bytes). */
static size_t utf8_len(unsigned char lead) {
    return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

const char *finder_name_ascii(const char *utf8, struct arena *a) {
    size_t cap = strlen(utf8) * 2 + 1, n = 0;
    char *out = arena_alloc(a, cap);
    for (const char *s = utf8; *s;) {
        unsigned char ch = (unsigned char)*s;
        const struct translit *t = ch >= 0x80 ? translit_at(s) : NULL;
        if (t) {
            for (const char *r = t->ascii; *r && n + 1 < cap; r++)
                out[n++] = *r;
            s += strlen(t->utf8);
            continue;
        }
        if (ch >= 'A' && ch <= 'Z')
            out[n++] = (char)(ch - 'A' + 'a');
        else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            out[n++] = (char)ch;
        else if (ch == '-' && n > 0 && out[n - 1] != '-')
            out[n++] = '-';
        s += ch >= 0x80 ? utf8_len(ch) : 1;
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    out[n] = '\0';
    return n ? out : NULL;
}

/* Common given names (lowercase ASCII): enough to read the shape of the
 * addresses a company uses, not a census. */
static const char *const given_names[] = {
    "aaron",       "adam",    "alan",      "alex",     "alexander", "alice",     "amanda",
    "amy",         "andrea",  "andreas",   "andrew",   "angela",    "anna",      "anne",
    "anthony",     "antonio", "barbara",   "ben",      "benjamin",  "bob",       "brian",
    "carlos",      "carol",   "caroline",  "charles",  "chris",     "christian", "christina",
    "christopher", "claire",  "daniel",    "david",    "deborah",   "dennis",    "diana",
    "dieter",      "elena",   "elizabeth", "emily",    "emma",      "eric",      "eva",
    "frank",       "george",  "hannah",    "hans",     "helen",     "ian",       "isabel",
    "jack",        "jacob",   "james",     "jan",      "jane",      "jason",     "jean",
    "jennifer",    "jessica", "joe",       "johannes", "john",      "jonas",     "jose",
    "joseph",      "juan",    "julia",     "julian",   "karen",     "kate",      "kevin",
    "klaus",       "laura",   "lena",      "linda",    "lisa",      "lucas",     "luis",
    "marco",       "maria",   "marie",     "mark",     "martin",    "mary",      "matthew",
    "max",         "michael", "michelle",  "mike",     "nancy",     "nicole",    "oliver",
    "patrick",     "paul",    "peter",     "pierre",   "rachel",    "richard",   "robert",
    "sandra",      "sarah",   "sebastian", "simon",    "sophie",    "stefan",    "stephen",
    "steven",      "susan",   "thomas",    "tim",      "tom",       "victoria",  "william",
    "wolfgang",
};

bool finder_is_given_name(const char *s, size_t n) {
    for (size_t i = 0; i < sizeof given_names / sizeof given_names[0]; i++)
        if (strlen(given_names[i]) == n && strncmp(given_names[i], s, n) == 0) return true;
    return false;
}
