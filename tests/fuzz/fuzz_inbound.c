/* Fuzz target: the inbound message classifier on arbitrary bytes (what any
 * sender can put in a sending account's inbox). */
#include "mail/inbound.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    struct inbound in;
    inbound_parse((const char *)data, size, &a, &in);
    if (in.refs_count > INBOUND_MAX_REFS || (unsigned)in.kind > INBOUND_DELAY) abort();
    for (size_t i = 0; i < in.refs_count; i++)
        if (in.refs[i][0] != '<' || in.refs[i][strlen(in.refs[i]) - 1] != '>') abort();
    if (in.status && in.status[0] != '4' && in.status[0] != '5') abort();
    if (in.kind == INBOUND_BOUNCE && (!in.status || in.status[0] != '5')) abort();
    arena_cleanup(&a);
    return 0;
}
