/* Wall and monotonic time. Wall time is injectable: tests move it with
 * clock_set_offset (and the server with LEADGEN_TIME_OFFSET) so TTLs and
 * daily limits are testable without sleeping. */
#ifndef LEADGEN_BASE_CLOCK_H
#define LEADGEN_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now(void); /* Unix seconds, plus the offset */
void clock_set_offset(int64_t seconds);
double clock_mono_ms(void); /* milliseconds from an arbitrary start */
/* Writes "YYYY-MM-DD HH:MM:SS" (UTC), the reference's datetime form; out needs 20 bytes. */
void clock_format(int64_t unix_seconds, char out[20]);
/* Writes ISO 8601 "YYYY-MM-DDTHH:MM:SSZ"; out needs 21 bytes. */
void clock_format_iso(int64_t unix_seconds, char out[21]);

#endif
