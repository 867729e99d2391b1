/* Fuzz target: Google result pages through the parser (tree builder, ads,
 * organic results, classification), contact extraction, and the input as a
 * redirect link to unwrap. */
#include "serp/serp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    struct serp_page page;
    serp_parse_google((const char *)data, size, &a, &page);
    serp_find_contacts(&page, &a);
    for (size_t i = 0; i < page.results_count; i++)
        if (!page.results[i].url[0] || !page.results[i].title) abort();
    for (size_t i = 0; i < page.ads_count; i++)
        if (!page.ads[i].url[0] || !page.ads[i].domain) abort();
    char *s = arena_strndup(&a, (const char *)data, size < 4096 ? size : 4096);
    serp_unwrap_url(s, &a);
    arena_cleanup(&a);
    return 0;
}
