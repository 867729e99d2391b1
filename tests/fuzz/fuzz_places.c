/* Fuzz target: Place Details answers (Places API (New) JSON) through both
 * mappings, and RFC 3339 timestamps. */
#include "places/places.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_decref(places_new_map((const char *)data, size, PLACES_LISTING));
    json_decref(places_new_map((const char *)data, size, PLACES_REVIEWS));
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    places_parse_time(s);
    free(s);
    return 0;
}
