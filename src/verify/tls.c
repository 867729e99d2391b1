/* libssl through dlopen: one table, filled once. */
#include "verify/tls.h"

#include "base/log.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

static struct tls_api api;
static bool loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym into a function pointer (POSIX guarantees the conversion works). */
static bool bind_symbol(void *lib, const char *name, void *slot, size_t size)
{
    void *sym = dlsym(lib, name);
    if (!sym) log_warn("libssl: no symbol %s; SMTP probes will not use TLS", name);
    else memcpy(slot, &sym, size);
    return sym != NULL;
}

#define BIND(field_, name_) ok = ok && bind_symbol(lib, name_, &api.field_, sizeof api.field_)

static void load(void)
{
    void *lib = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libssl.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        log_warn("libssl cannot be loaded (%s); SMTP probes will not use TLS", dlerror());
        return;
    }
    const SSL_METHOD *(*client_method)(void) = NULL;
    SSL_CTX *(*ctx_new)(const SSL_METHOD *) = NULL;
    void (*set_verify)(SSL_CTX *, int, SSL_verify_cb) = NULL;
    bool ok = bind_symbol(lib, "TLS_client_method", &client_method, sizeof client_method) &&
              bind_symbol(lib, "SSL_CTX_new", &ctx_new, sizeof ctx_new) &&
              bind_symbol(lib, "SSL_CTX_set_verify", &set_verify, sizeof set_verify);
    BIND(ssl_new, "SSL_new");
    BIND(set_fd, "SSL_set_fd");
    BIND(ctrl, "SSL_ctrl");
    BIND(connect, "SSL_connect");
    BIND(read, "SSL_read");
    BIND(write, "SSL_write");
    BIND(get_error, "SSL_get_error");
    BIND(ssl_free, "SSL_free");
    BIND(err_get, "ERR_get_error");
    BIND(err_string, "ERR_error_string_n");
    BIND(err_clear, "ERR_clear_error");
    if (ok) api.ctx = ctx_new(client_method());
    if (!api.ctx) return; /* the library stays loaded: harmless, and nothing points into it */
    /* opportunistic TLS between mail servers: a probe sends no secret */
    set_verify(api.ctx, SSL_VERIFY_NONE, NULL);
    loaded = true;
}

const struct tls_api *tls_api(void)
{
    pthread_once(&once, load);
    return loaded ? &api : NULL;
}
