/* stderr logging in one format; each line goes out in one write(2) so threads
 * do not interleave. */
#include "base/log.h"

#include "base/buf.h"
#include "base/clock.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static enum log_level min_level = LOG_INFO;
static enum log_format format = LOG_AUTO;

static bool json_lines(void)
{
    if (format == LOG_AUTO) format = isatty(STDERR_FILENO) ? LOG_TEXT : LOG_JSON;
    return format == LOG_JSON;
}

void log_configure(enum log_format f, enum log_level min)
{
    format = f;
    min_level = min;
    json_lines(); /* settles auto once, before threads read it */
}

bool log_format_parse(const char *word, enum log_format *out)
{
    static const char *const names[] = {"auto", "text", "json"};
    for (int i = 0; i < 3; i++)
        if (strcmp(word, names[i]) == 0) return *out = (enum log_format)i, true;
    return false;
}

bool log_level_parse(const char *word, enum log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(word, level_names[i]) == 0) return *out = (enum log_level)i, true;
    return false;
}

bool log_enabled(enum log_level level)
{
    return level >= min_level;
}

static void write_line(const char *line, size_t len)
{
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w; /* a failed log write has nowhere better to be reported */
}

/* {"time":..,"level":..,"msg":..} with the message escaped (and kept valid UTF-8). */
static void write_json(const char *ts, enum log_level level, const char *msg)
{
    json_t *m = json_string(msg);
    if (!m) m = json_string("(message not UTF-8)");
    char *quoted = json_dumps(m, JSON_ENCODE_ANY);
    struct buf line;
    buf_init(&line, 0);
    buf_printf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":%s}\n", ts, level_names[level],
               quoted ? quoted : "\"\"");
    write_line(line.data, line.len);
    buf_free(&line);
    free(quoted);
    json_decref(m);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    if (!log_enabled(level)) return;
    char msg[1024], ts[21];
    clock_format_iso(clock_now(), ts);
    int m = vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = m < 0 ? 0 : (size_t)m < sizeof msg ? (size_t)m : sizeof msg - 1;
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r')) len--; /* libmicrohttpd's */
    msg[len] = '\0';
    if (json_lines()) {
        write_json(ts, level, msg);
        return;
    }
    char line[1100];
    int n = snprintf(line, sizeof line, "%s %s %s\n", ts, level_names[level], msg);
    write_line(line, n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* The access line's fields as "METHOD PATH?QUERY STATUS MSms user=U credits=C id=R". */
static void write_access_text(const char *json, size_t len)
{
    json_t *o = json_loadb(json, len, 0, NULL);
    if (!o) {
        write_line(json, len);
        return;
    }
    const char *query = json_string_value(json_object_get(o, "query"));
    struct buf line;
    buf_init(&line, 0);
    buf_printf(&line, "%s info %s %s%s%s %lld %.2fms user=%lld credits=%lld id=%s",
               json_string_value(json_object_get(o, "time")),
               json_string_value(json_object_get(o, "method")),
               json_string_value(json_object_get(o, "path")), query && *query ? "?" : "",
               query ? query : "", (long long)json_integer_value(json_object_get(o, "status")),
               json_number_value(json_object_get(o, "ms")),
               (long long)json_integer_value(json_object_get(o, "user_id")),
               (long long)json_integer_value(json_object_get(o, "credits")),
               json_string_value(json_object_get(o, "request_id")));
    const char *provider = json_string_value(json_object_get(o, "provider"));
    if (provider) buf_printf(&line, " provider=%s", provider);
    buf_puts(&line, "\n");
    write_line(line.data, line.len);
    buf_free(&line);
    json_decref(o);
}

void log_access(const char *json, size_t len)
{
    if (!log_enabled(LOG_INFO)) return;
    if (json_lines()) write_line(json, len);
    else write_access_text(json, len);
}

#define LOG_FN(name, level)                                                                        \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_vmsg(level, fmt, ap);                                                                  \
        va_end(ap);                                                                                \
    }
LOG_FN(log_debug, LOG_DEBUG)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_error, LOG_ERROR)
