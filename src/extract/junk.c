/* The junk-email filter: lists from data/junk.txt (embedded at build time as
 * extract_junk_txt), parsed once into hash sets, plus the hash-like local-part
 * rule. The file's header documents its format. */
#include <pthread.h>
#include <string.h>

#include "extract/internal.h"

extern const char extract_junk_txt[];
extern const size_t extract_junk_txt_len;

enum section { SEC_NONE, SEC_DOMAINS, SEC_LABEL_PREFIXES, SEC_LOCAL, SEC_EXT };

static struct ex_list junk_domains, junk_locals, junk_exts;
static struct ex_list junk_local_prefixes, junk_label_prefixes; /* scanned linearly */
static pthread_once_t junk_once = PTHREAD_ONCE_INIT;

static void junk_add(struct ex_list *l, const char *s, size_t n) {
    char *copy = xmalloc(n + 1); /* lives for the process */
    for (size_t i = 0; i < n; i++)
        copy[i] = ex_lower(s[i]);
    copy[n] = '\0';
    ex_list_add(l, copy, copy, NULL);
}

static void junk_load(void) {
    const char *p = extract_junk_txt, *end = p + extract_junk_txt_len;
    enum section sec = SEC_NONE;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        const char *s = p, *e = line_end;
        p = nl ? nl + 1 : end;
        const char *hash = memchr(s, '#', (size_t)(e - s));
        if (hash) e = hash;
        while (s < e && ex_is_space((unsigned char)*s))
            s++;
        while (e > s && ex_is_space((unsigned char)e[-1]))
            e--;
        if (s == e) continue;
        size_t n = (size_t)(e - s);
        if (*s == '[') {
            if (ex_ieq(s, n, "[domains]"))
                sec = SEC_DOMAINS;
            else if (ex_ieq(s, n, "[label-prefixes]"))
                sec = SEC_LABEL_PREFIXES;
            else if (ex_ieq(s, n, "[local-parts]"))
                sec = SEC_LOCAL;
            else if (ex_ieq(s, n, "[extensions]"))
                sec = SEC_EXT;
            else
                sec = SEC_NONE;
            continue;
        }
        switch (sec) {
        case SEC_DOMAINS:
            junk_add(&junk_domains, s, n);
            break;
        case SEC_LABEL_PREFIXES:
            junk_add(&junk_label_prefixes, s, n);
            break;
        case SEC_LOCAL:
            if (s[n - 1] == '*')
                junk_add(&junk_local_prefixes, s, n - 1);
            else
                junk_add(&junk_locals, s, n);
            break;
        case SEC_EXT:
            junk_add(&junk_exts, s, n);
            break;
        case SEC_NONE:
            break;
        }
    }
}

static bool hash_like(const char *local, size_t n) {
    if (n < 24) return false;
    bool digit = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)local[i];
        if (ex_is_digit(ch))
            digit = true;
        else if (!(ch >= 'a' && ch <= 'f'))
            return false;
    }
    return digit;
}

bool ex_junk_email(const char *email, size_t n) {
    pthread_once(&junk_once, junk_load);
    const char *at = memchr(email, '@', n);
    if (!at) return true;
    size_t local_len = (size_t)(at - email);
    const char *domain = at + 1;
    size_t dlen = n - local_len - 1;
    char key[256];
    if (local_len >= sizeof key || dlen >= sizeof key) return true;

    memcpy(key, email, local_len);
    key[local_len] = '\0';
    if (ex_list_find(&junk_locals, key) != (size_t)-1) return true;
    for (size_t i = 0; i < junk_local_prefixes.count; i++) {
        const char *pre = junk_local_prefixes.items[i];
        if (strncmp(key, pre, strlen(pre)) == 0) return true;
    }
    if (hash_like(email, local_len)) return true;

    /* the domain and each parent domain */
    const char *d = domain, *dend = domain + dlen;
    while (d < dend) {
        memcpy(key, d, (size_t)(dend - d));
        key[dend - d] = '\0';
        if (ex_list_find(&junk_domains, key) != (size_t)-1) return true;
        const char *dot = memchr(d, '.', (size_t)(dend - d));
        if (!dot) {
            if (ex_list_find(&junk_exts, key) != (size_t)-1) return true; /* last label */
            break;
        }
        d = dot + 1;
    }
    /* label prefixes */
    for (const char *label = domain; label < dend;) {
        const char *dot = memchr(label, '.', (size_t)(dend - label));
        size_t llen = dot ? (size_t)(dot - label) : (size_t)(dend - label);
        for (size_t i = 0; i < junk_label_prefixes.count; i++) {
            const char *pre = junk_label_prefixes.items[i];
            size_t plen = strlen(pre);
            if (plen <= llen && memcmp(label, pre, plen) == 0) return true;
        }
        if (!dot) break;
        label = dot + 1;
    }
    return false;
}

bool ex_junk_extension(const char *s, size_t n) {
    pthread_once(&junk_once, junk_load);
    char key[16];
    if (n == 0 || n >= sizeof key) return false;
    for (size_t i = 0; i < n; i++)
        key[i] = ex_lower(s[i]);
    key[n] = '\0';
    return ex_list_find(&junk_exts, key) != (size_t)-1;
}

bool extract_email_is_junk(const char *email) {
    size_t n = strlen(email);
    char lower[320];
    if (n >= sizeof lower) return true;
    for (size_t i = 0; i < n; i++)
        lower[i] = ex_lower(email[i]);
    lower[n] = '\0';
    return ex_junk_email(lower, n);
}
