/* Fuzz target: robots.txt parsing and matching on arbitrary bytes. */
#include "crawl/robots.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    struct robots r;
    robots_parse((const char *)data, size, "leadgen", &a, &r);
    static const char *const paths[] = {"/", "/contact", "/private/x.pdf", "/a*b$", ""};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) robots_allowed(&r, paths[i]);
    for (size_t i = 0; i < r.count; i++) robots_allowed(&r, r.rules[i].pattern);
    arena_cleanup(&a);
    return 0;
}
