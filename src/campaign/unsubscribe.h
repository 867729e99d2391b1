/* Unsubscribe tokens for the links in campaign emails (RFC 8058 one-click and
 * the body link): base64url(campaign id, lead id) "." base64url(HMAC-SHA256
 * truncated to 128 bits) under a caller-given key (LEADGEN_SECRET). A token
 * reveals only the two ids and cannot be made without the key. */
#ifndef LEADGEN_CAMPAIGN_UNSUBSCRIBE_H
#define LEADGEN_CAMPAIGN_UNSUBSCRIBE_H

#include "base/mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { UNSUB_TOKEN_LEN = 45 }; /* 22 + "." + 22 characters, URL-safe */

/* The token for (campaign_id, lead_id), in the arena. */
const char *unsub_token(struct arena *a, const unsigned char *key, size_t key_len,
                        int64_t campaign_id, int64_t lead_id);
/* True, with the ids, when token was made by unsub_token under key; the
 * signature is compared in constant time. */
bool unsub_verify(const char *token, const unsigned char *key, size_t key_len,
                  int64_t *campaign_id, int64_t *lead_id);

#endif
