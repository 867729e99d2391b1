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

/* The authorisation-code grant (RFC 6749 section 4.1.3) that connects an account:
 * the code the user's browser brought back is exchanged for a refresh token (kept
 * by leadgen) and an access token (to read the address). RC_FORBIDDEN when the
 * endpoint refuses the code; RC_UPSTREAM otherwise, or when no refresh token came. */
enum rc oauth_exchange_code(const struct oauth_client *client, const char *code,
                            const char *redirect_uri, struct arena *a, char **access_token,
                            char **refresh_token, struct err *err);

/* The address the access token belongs to: "email" of the OpenID Connect userinfo
 * document at url (Bearer authorisation). RC_UPSTREAM when there is none. */
enum rc oauth_userinfo_email(const char *url, const char *access_token, long timeout_ms,
                             struct arena *a, char **email, struct err *err);

#endif
