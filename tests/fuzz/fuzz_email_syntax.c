/* Fuzz target: email syntax (with libidn2 and libunistring behind it) and
 * the list look-ups on arbitrary bytes; a valid result must keep the
 * RFC 5321 limits and an LDH-only A-label domain. */
#include "base/mem.h"
#include "verify/lists.h"
#include "verify/syntax.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_valid(const struct email_syntax *s)
{
    if (strlen(s->address) > 254 || strlen(s->local) > 64 || strlen(s->ascii_domain) > 253)
        abort();
    for (const char *c = s->ascii_domain; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
            abort();
    if (!strchr(s->ascii_domain, '.') || s->reason) abort();
    verify_is_disposable(s->ascii_domain);
    verify_is_free_provider(s->ascii_domain);
    verify_is_role(s->local);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    struct arena a;
    arena_init(&a);
    struct email_syntax out;
    if (verify_syntax(s, &a, &out)) check_valid(&out);
    else if (!out.reason || out.error == SYN_OK) abort();
    arena_cleanup(&a);
    free(s);
    return 0;
}
