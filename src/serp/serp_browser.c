/* The browser provider (placeholder until the Chromium driver lands). */
#include "serp/internal.h"

bool serp_browser_available(const struct serp_options *o)
{
    (void)o;
    return false;
}

static int browser_page_size(enum serp_engine e)
{
    return e == SERP_BING ? 50 : 10;
}

static void browser_fetch(const struct serp_fetch *f, size_t n, struct arena *a,
                          struct serp_page *pages, struct err *errs, enum rc *rcs)
{
    (void)f;
    (void)a;
    for (size_t i = 0; i < n; i++) {
        pages[i].kind = SERP_UNKNOWN;
        rcs[i] = err_set(&errs[i], RC_UPSTREAM, "the browser provider is not built yet");
    }
}

void serp_browser_shutdown(void)
{
}

long serp_browser_pid(void)
{
    return 0;
}

const struct serp_provider serp_browser = {
    .name = "browser",
    .key_var = "chromium on PATH or LEADGEN_CHROMIUM",
    .page_size = browser_page_size,
    .fetch = browser_fetch,
};
