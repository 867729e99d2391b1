/* First-error-wins error recording. */
#include "base/rc.h"

#include <stdarg.h>
#include <stdio.h>

enum rc err_set(struct err *err, enum rc rc, const char *fmt, ...)
{
    if (!err || err->rc != RC_OK) return rc;
    err->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return rc;
}

enum rc err_copy(struct err *dst, const struct err *src)
{
    if (src->rc != RC_OK) err_set(dst, src->rc, "%s", src->msg);
    return src->rc;
}

const char *rc_name(enum rc rc)
{
    static const char *const names[] = {"ok",          "invalid", "not_found", "conflict",
                                        "no_credits",  "db",      "upstream",  "io",
                                        "forbidden"};
    return (unsigned)rc < sizeof names / sizeof names[0] ? names[rc] : "unknown";
}
