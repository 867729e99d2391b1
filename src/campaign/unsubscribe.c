/* Signed unsubscribe tokens. The MAC covers a fixed label and the 16-byte id
 * payload, so a token made for another purpose under the same key never
 * verifies here. */
#include "campaign/unsubscribe.h"

#include <sodium.h>
#include <string.h>

enum { PAYLOAD_LEN = 16, TAG_LEN = 16, PART_CHARS = 22 };

static const char label[] = "leadgen unsubscribe v1";

static void sign(const unsigned char *key, size_t key_len, const unsigned char payload[PAYLOAD_LEN],
                 unsigned char tag[TAG_LEN])
{
    unsigned char full[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, sizeof label);
    crypto_auth_hmacsha256_update(&st, payload, PAYLOAD_LEN);
    crypto_auth_hmacsha256_final(&st, full);
    memcpy(tag, full, TAG_LEN);
    sodium_memzero(&st, sizeof st);
}

static void put_be64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--, u >>= 8) p[i] = (unsigned char)u;
}

static int64_t get_be64(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = u << 8 | p[i];
    return (int64_t)u;
}

static void encode_part(const unsigned char *bin, size_t n, char *out)
{
    sodium_bin2base64(out, PART_CHARS + 1, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Decodes one 22-character part to exactly 16 bytes; the canonical spelling only. */
static bool decode_part(const char *s, unsigned char out[16])
{
    size_t got = 0;
    if (sodium_base642bin(out, 16, s, PART_CHARS, NULL, &got, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got != 16)
        return false;
    char again[PART_CHARS + 1];
    encode_part(out, 16, again);
    return memcmp(again, s, PART_CHARS) == 0;
}

const char *unsub_token(struct arena *a, const unsigned char *key, size_t key_len,
                        int64_t campaign_id, int64_t lead_id)
{
    unsigned char payload[PAYLOAD_LEN], tag[TAG_LEN];
    put_be64(payload, campaign_id);
    put_be64(payload + 8, lead_id);
    sign(key, key_len, payload, tag);
    char *token = arena_alloc(a, UNSUB_TOKEN_LEN + 1);
    encode_part(payload, PAYLOAD_LEN, token);
    token[PART_CHARS] = '.';
    encode_part(tag, TAG_LEN, token + PART_CHARS + 1);
    return token;
}

bool unsub_verify(const char *token, const unsigned char *key, size_t key_len,
                  int64_t *campaign_id, int64_t *lead_id)
{
    unsigned char payload[PAYLOAD_LEN], tag[TAG_LEN], want[TAG_LEN];
    if (!token || strlen(token) != UNSUB_TOKEN_LEN || token[PART_CHARS] != '.') return false;
    if (!decode_part(token, payload) || !decode_part(token + PART_CHARS + 1, tag)) return false;
    sign(key, key_len, payload, want);
    if (sodium_memcmp(tag, want, TAG_LEN) != 0) return false;
    *campaign_id = get_be64(payload);
    *lead_id = get_be64(payload + 8);
    return true;
}
