/* Fuzz target: lead email syntax, name derivation and UTF-8 validation on
 * arbitrary bytes. */
#include "base/mem.h"
#include "base/str.h"
#include "leads/leads.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    str_utf8_valid(s, size);
    struct arena a;
    arena_init(&a);
    const char *first, *last;
    if (lead_email_valid(s)) {
        lead_names_from_email(s, &a, &first, &last);
        if (strlen(first) > size || strlen(last) > size) abort();
    }
    arena_cleanup(&a);
    free(s);
    return 0;
}
