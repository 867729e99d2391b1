/* The one place unit tests get a fresh store: LEADGEN_TEST_STORE names it
 * (see test.h), so one suite serves every backend. */
#include "test.h"

#include "store/store.h"

#include <stdlib.h>
#include <unistd.h>

/* Copies template into buf with {dir}, {name} and {n} replaced. */
static void expand(const char *template, const char *name, char *buf, size_t len)
{
    static int seq;
    const char *dir = NULL;
    size_t used = 0;
    buf[0] = '\0';
    for (const char *p = template; *p && used + 1 < len; p++) {
        char piece[600] = "";
        if (strncmp(p, "{dir}", 5) == 0) {
            if (!dir) dir = test_tmpdir();
            snprintf(piece, sizeof piece, "%s", dir);
            p += 4;
        } else if (strncmp(p, "{name}", 6) == 0) {
            snprintf(piece, sizeof piece, "%s", name);
            p += 5;
        } else if (strncmp(p, "{n}", 3) == 0) {
            snprintf(piece, sizeof piece, "%ld_%d", (long)getpid(), ++seq);
            p += 2;
        } else {
            piece[0] = *p;
        }
        used += (size_t)snprintf(buf + used, len - used, "%s", piece);
    }
}

const char *test_store_url(const char *name, char *buf, size_t len)
{
    const char *template = getenv("LEADGEN_TEST_STORE");
    expand(template && *template ? template : TEST_STORE_DEFAULT, name, buf, len);
    return buf;
}

struct store *test_store_fresh(const char *name)
{
    char url[1024];
    struct err err = {0};
    struct store *st = store_open(test_store_url(name, url, sizeof url), &err);
    if (!st) fprintf(stderr, "    store_open(%s): %s\n", url, err.msg);
    return st;
}
