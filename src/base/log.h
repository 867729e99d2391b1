/* Operator log on stderr: one line per event with a UTC timestamp and level.
 * Never pass API keys or account secrets to these functions. */
#ifndef LEADGEN_BASE_LOG_H
#define LEADGEN_BASE_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes one preformatted line (the access log) with a single write(2) so
 * lines from different threads never interleave. */
void log_line(const char *line, unsigned long len);

#endif
