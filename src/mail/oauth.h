/* OAuth 2.0 access tokens for Gmail accounts: the refresh-token grant of
 * RFC 6749 section 6 at Google's token endpoint (or any that speaks it).
 * Strings are allocated in the caller's arena. */
#ifndef LEADGEN_MAIL_OAUTH_H
#define LEADGEN_MAIL_OAUTH_H

#include "base/mem.h"
#include "base/rc.h"

#include <stdint.h>

struct oauth_client {
    const char *token_url;
    const char *client_id, *client_secret; /* NULL when the operator set none */
    long timeout_ms;
};

/* A fresh access token and its lifetime in seconds. RC_FORBIDDEN when the
 * grant was revoked or expired (`invalid_grant`: the account must be
 * authorised again); RC_UPSTREAM for any other failure, worth retrying. */
enum rc oauth_refresh(const struct oauth_client *client, const char *refresh_token, struct arena *a,
                      char **access_token, int64_t *expires_in, struct err *err);

#endif
