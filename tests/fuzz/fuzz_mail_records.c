/* Fuzz target: the TXT record parsers (SPF selection, DMARC and DKIM tag
 * lists) on arbitrary text, as a DNS server can publish anything. */
#include "verify/records.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool count_tag(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen,
                      size_t index)
{
    size_t *count = ctx;
    if (nlen == 0 || index != *count || (vlen && !value) || !name) abort();
    (*count)++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    records_is_spf(s);
    struct dmarc_record d;
    if (records_parse_dmarc(s, &d) && (d.pct < 0 || d.pct > 100 || d.policy > DMARC_REJECT ||
                                       d.subdomain_policy > DMARC_REJECT))
        abort();
    records_is_dkim_key(s);
    size_t count = 0;
    records_tags(s, count_tag, &count);
    free(s);
    return 0;
}
