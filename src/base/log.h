/* Operator log on stderr: one line per event, all in one format chosen at
 * start-up: text ("TIME LEVEL message") or JSON objects ({"time", "level",
 * "msg"} and, for the access log, the request's fields). Lines below the
 * configured level are dropped. Never pass API keys or account secrets here. */
#ifndef LEADGEN_BASE_LOG_H
#define LEADGEN_BASE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_AUTO, LOG_TEXT, LOG_JSON }; /* auto: text on a terminal, else JSON */

/* Before any thread logs. Until called: auto, info. */
void log_configure(enum log_format format, enum log_level min);
/* The words of LEADGEN_LOG_FORMAT / LEADGEN_LOG_LEVEL; false for others. */
bool log_format_parse(const char *word, enum log_format *out);
bool log_level_parse(const char *word, enum log_level *out);
bool log_enabled(enum log_level level);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* One access-log line: a JSON object's text and its newline. Written as is
 * in JSON; in text, as "TIME info METHOD PATH?QUERY STATUS MSms user=...". */
void log_access(const char *json, size_t len);

#endif
