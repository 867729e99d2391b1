/* Mail-authentication TXT records, as text (the DNS layer joins a record's
 * character-strings first): SPF record selection (RFC 7208 §4.5), DMARC tag
 * lists (RFC 7489 §6.3) and DKIM key records (RFC 6376 §3.6.1). Pure
 * functions; nothing is allocated. */
#ifndef LEADGEN_VERIFY_RECORDS_H
#define LEADGEN_VERIFY_RECORDS_H

#include <stdbool.h>
#include <stddef.h>

/* "v=spf1" (any case) followed by a space or the end: v=spf10 is not SPF. */
bool records_is_spf(const char *txt);

enum dmarc_policy { DMARC_NONE, DMARC_QUARANTINE, DMARC_REJECT };

struct dmarc_record {
    enum dmarc_policy policy;           /* p=; "none" when absent or unknown (§6.6.3) */
    enum dmarc_policy subdomain_policy; /* sp=, else p= */
    int pct;                            /* pct=, 0..100, default 100 */
};

/* True when txt is a DMARC record: its first tag is exactly v=DMARC1. */
bool records_parse_dmarc(const char *txt, struct dmarc_record *out);
const char *records_dmarc_policy_name(enum dmarc_policy p);

/* True when txt is a DKIM key record: a well-formed tag list with a p= tag
 * (empty when the key is revoked) and, if there is a v= tag, v=DKIM1 first. */
bool records_is_dkim_key(const char *txt);

/* Walks a tag list "t=v; t=v" (RFC 6376 §3.2), trimming spaces around names
 * and values. Returns false when the list is malformed; else calls fn for
 * each tag until fn returns false. */
bool records_tags(const char *txt,
                  bool (*fn)(void *ctx, const char *name, size_t nlen, const char *value,
                             size_t vlen, size_t index),
                  void *ctx);

#endif
