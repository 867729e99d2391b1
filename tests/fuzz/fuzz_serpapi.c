/* Fuzz target: SerpApi-compatible JSON answers through the mapping, for both
 * engines, and the contacts of what it maps. */
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
    for (int e = SERP_GOOGLE; e <= SERP_BING; e++) {
        if (serp_serpapi_map((enum serp_engine)e, (const char *)data, size, &a, &page, &err) ==
            RC_OK) {
            serp_find_contacts(&page, &a);
            if (page.kind != SERP_RESULTS && page.kind != SERP_EMPTY) abort();
        }
    }
    arena_cleanup(&a);
    return 0;
}
