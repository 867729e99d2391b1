/* The shared libssl client context, created once. */
#include "verify/tls.h"

#include "base/log.h"

#include <pthread.h>

static SSL_CTX *ctx;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void create(void)
{
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        log_warn("OpenSSL cannot create a TLS context; SMTP probes will not use TLS");
        return;
    }
    /* opportunistic TLS between mail servers: a probe sends no secret */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
}

SSL_CTX *tls_client_ctx(void)
{
    pthread_once(&once, create);
    return ctx;
}
