/* stderr logging; each line goes out in one write(2) so threads do not interleave. */
#include "base/log.h"

#include "base/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((format(printf, 2, 0))) static void log_emit(const char *level, const char *fmt, va_list ap)
{
    char line[1024], ts[21];
    clock_format_iso(clock_now(), ts);
    int n = snprintf(line, sizeof line, "%s %s ", ts, level);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    log_line(line, len);
}

void log_line(const char *line, unsigned long len)
{
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w; /* a failed log write has nowhere better to be reported */
}

#define LOG_FN(name, level)                                                                        \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_emit(level, fmt, ap);                                                                  \
        va_end(ap);                                                                                \
    }
LOG_FN(log_info, "info")
LOG_FN(log_warn, "warn")
LOG_FN(log_error, "error")
