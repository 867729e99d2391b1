/* Fuzz target: SearXNG JSON answers through the mapping (whole page and a
 * slice of it), and the contacts of what it maps. */
#include "serp/serp.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    struct serp_page page;
    struct err err = {0};
    static const size_t slices[][2] = {{0, 100}, {3, 2}};
    for (size_t i = 0; i < 2; i++) {
        if (serp_searxng_map((const char *)data, size, slices[i][0], slices[i][1], &a, &page,
                             &err) == RC_OK) {
            serp_find_contacts(&page, &a);
            if (page.kind != SERP_RESULTS && page.kind != SERP_EMPTY) abort();
            if (page.results_count > slices[i][1] || page.ads_count) abort();
        }
    }
    arena_cleanup(&a);
    return 0;
}
