/* A process-wide cap on the probe connections open to one MX host at once,
 * so that many requests (or many domains hosted by one provider) never
 * look like an attack to it. Waiting is bounded by the caller's deadline. */
#ifndef LEADGEN_VERIFY_HOSTLIMIT_H
#define LEADGEN_VERIFY_HOSTLIMIT_H

#include <stdbool.h>

/* Takes one of the `max` slots of host, waiting until deadline_ms
 * (clock_mono_ms) for one to free; false when none did. */
bool hostlimit_acquire(const char *host, int max, double deadline_ms);
void hostlimit_release(const char *host);
/* Slots of host in use now (for tests). */
int hostlimit_in_use(const char *host);

#endif
