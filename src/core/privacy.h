/* Data-subject rules (GDPR articles 15 and 17, CCPA): the tombstone that
 * stands for an erased address (hex HMAC-SHA-256 of the lower-cased address
 * under a key derived from the store's sealing secret, core/secrets.h), the
 * filter that leaves erased addresses out of public answers, and the export
 * and erasure of everything the store holds about an address. docs/PRIVACY.md
 * says what each guarantees. */
#ifndef LEADGEN_CORE_PRIVACY_H
#define LEADGEN_CORE_PRIVACY_H

#include "base/rc.h"
#include "store/store.h"

#include <jansson.h>

enum { PRIVACY_TOMBSTONE_LEN = 64 };

/* The key tombstones are made with (derived from the store's secret). */
enum rc privacy_key(struct store *st, unsigned char key[32], struct err *err);
/* out: PRIVACY_TOMBSTONE_LEN hex digits and a NUL; address in any case. */
void privacy_tombstone(const unsigned char key[32], const char *address,
                       char out[PRIVACY_TOMBSTONE_LEN + 1]);
/* Sets leads[i].tombstone (arena strings), so the store refuses erased addresses. */
enum rc privacy_mark_leads(struct store *st, struct lead *leads, size_t count, struct arena *a,
                           struct err *err);

/* Removes erased addresses from a public answer (crawl, search, ads data): array
 * items that are the address or an object whose "email" is, and object members
 * named after it (crawl's sources). */
enum rc privacy_scrub_answer(struct store *st, json_t *data, struct err *err);

/* {"address", "records": [{"kind", "user_id", "record"}...], "erased"}: every
 * record of every user holding the address, and whether it was erased before. */
enum rc privacy_export(struct store *st, const char *address, json_t **out, struct err *err);
/* Deletes it all and keeps only the tombstone (struct store_ops.subject_erase). */
enum rc privacy_erase(struct store *st, const char *address, struct subject_erased *out,
                      struct err *err);

#endif
