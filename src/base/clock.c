/* Wall clock with a test offset, and a monotonic clock for latencies. */
#include "base/clock.h"

#include <stdatomic.h>
#include <time.h>

static _Atomic int64_t clock_offset;

int64_t clock_now(void)
{
    return (int64_t)time(NULL) + atomic_load(&clock_offset);
}

void clock_set_offset(int64_t seconds)
{
    atomic_store(&clock_offset, seconds);
}

double clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static struct tm utc(int64_t unix_seconds)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm;
}

void clock_format(int64_t unix_seconds, char out[20])
{
    struct tm tm = utc(unix_seconds);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

void clock_format_iso(int64_t unix_seconds, char out[21])
{
    struct tm tm = utc(unix_seconds);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
