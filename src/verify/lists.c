/* The verification lists: embedded text (one lowercase entry a line, '#'
 * starts a comment) turned into sorted arrays searched with bsearch. */
#include "verify/lists.h"

#include "base/mem.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const char verify_disposable_txt[];
extern const size_t verify_disposable_txt_len;
extern const char verify_free_txt[];
extern const size_t verify_free_txt_len;
extern const char verify_role_txt[];
extern const size_t verify_role_txt_len;

enum { ENTRY_MAX = 253 };

struct sorted_list {
    char **items;
    size_t count;
};

static struct sorted_list lists[LIST_COUNT];
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

static int compare_entries(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parses text into l; the copies live for the process. */
static void list_load(struct sorted_list *l, const char *text, size_t len)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) cap += text[i] == '\n';
    l->items = xcalloc(cap, sizeof *l->items);
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
        const char *s = p, *hash = memchr(s, '#', (size_t)(e - s));
        p = nl ? nl + 1 : end;
        if (hash) e = hash;
        while (s < e && isspace((unsigned char)*s)) s++;
        while (e > s && isspace((unsigned char)e[-1])) e--;
        if (s == e || l->count == cap) continue;
        char *copy = xmalloc((size_t)(e - s) + 1);
        for (size_t i = 0; i < (size_t)(e - s); i++) copy[i] = (char)tolower((unsigned char)s[i]);
        copy[e - s] = '\0';
        l->items[l->count++] = copy;
    }
    qsort(l->items, l->count, sizeof *l->items, compare_entries);
}

static void lists_load(void)
{
    list_load(&lists[LIST_DISPOSABLE], verify_disposable_txt, verify_disposable_txt_len);
    list_load(&lists[LIST_FREE], verify_free_txt, verify_free_txt_len);
    list_load(&lists[LIST_ROLE], verify_role_txt, verify_role_txt_len);
}

static bool list_has(enum verify_list which, const char *key)
{
    pthread_once(&lists_once, lists_load);
    const struct sorted_list *l = &lists[which];
    return l->count && bsearch(&key, l->items, l->count, sizeof *l->items, compare_entries);
}

/* key lowercased into buf (ENTRY_MAX + 1 bytes); false when too long. */
static bool lowered(const char *s, size_t n, char *buf)
{
    if (n > ENTRY_MAX) return false;
    for (size_t i = 0; i < n; i++) buf[i] = (char)tolower((unsigned char)s[i]);
    buf[n] = '\0';
    return true;
}

bool verify_is_disposable(const char *ascii_domain)
{
    char buf[ENTRY_MAX + 1];
    if (!lowered(ascii_domain, strlen(ascii_domain), buf)) return false;
    /* a.b.mailinator.com is as disposable as mailinator.com; a bare TLD is not looked up */
    for (const char *p = buf; strchr(p, '.'); p = strchr(p, '.') + 1)
        if (list_has(LIST_DISPOSABLE, p)) return true;
    return false;
}

bool verify_is_free_provider(const char *ascii_domain)
{
    char buf[ENTRY_MAX + 1];
    return lowered(ascii_domain, strlen(ascii_domain), buf) && list_has(LIST_FREE, buf) &&
           !list_has(LIST_DISPOSABLE, buf);
}

bool verify_is_role(const char *local)
{
    char buf[ENTRY_MAX + 1];
    size_t n = strcspn(local, "+");
    return n > 0 && lowered(local, n, buf) && list_has(LIST_ROLE, buf);
}

size_t verify_list_size(enum verify_list list)
{
    pthread_once(&lists_once, lists_load);
    return list < LIST_COUNT ? lists[list].count : 0;
}
