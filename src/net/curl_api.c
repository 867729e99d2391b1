/* dlopen of libcurl on first use (see curl_api.h for why). */
#include "net/curl_api.h"

#include "base/log.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

static struct curl_api api;
static const struct curl_api *loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The names to try, the flavour the build was linked for first. */
static const char *const libraries[] = {"libcurl-gnutls.so.4", "libcurl.so.4",
                                        "libcurl-nss.so.4"};

static const struct {
    const char *symbol;
    size_t offset;
} symbols[] = {
#define SYM(field, name) {name, offsetof(struct curl_api, field)}
    SYM(global_init, "curl_global_init"),       SYM(easy_init, "curl_easy_init"),
    SYM(easy_setopt, "curl_easy_setopt"),       SYM(easy_getinfo, "curl_easy_getinfo"),
    SYM(easy_cleanup, "curl_easy_cleanup"),     SYM(easy_strerror, "curl_easy_strerror"),
    SYM(slist_append, "curl_slist_append"),     SYM(slist_free_all, "curl_slist_free_all"),
    SYM(multi_init, "curl_multi_init"),         SYM(multi_add_handle, "curl_multi_add_handle"),
    SYM(multi_remove_handle, "curl_multi_remove_handle"),
    SYM(multi_perform, "curl_multi_perform"),   SYM(multi_poll, "curl_multi_poll"),
    SYM(multi_info_read, "curl_multi_info_read"), SYM(multi_cleanup, "curl_multi_cleanup"),
    SYM(url, "curl_url"),                       SYM(url_set, "curl_url_set"),
    SYM(url_get, "curl_url_get"),               SYM(url_cleanup, "curl_url_cleanup"),
    SYM(free, "curl_free"),
#undef SYM
};

static void load(void)
{
    void *lib = NULL;
    for (size_t i = 0; !lib && i < sizeof libraries / sizeof *libraries; i++)
        lib = dlopen(libraries[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        log_error("cannot load libcurl: %s", dlerror());
        return;
    }
    for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++) {
        void *fn = dlsym(lib, symbols[i].symbol);
        if (!fn) {
            log_error("libcurl lacks %s", symbols[i].symbol);
            return;
        }
        /* POSIX guarantees a data pointer from dlsym converts to a function pointer */
        *(void **)(void *)((char *)&api + symbols[i].offset) = fn;
    }
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("libcurl initialisation failed");
        return;
    }
    loaded = &api;
}

const struct curl_api *curl_api(void)
{
    pthread_once(&once, load);
    return loaded;
}
