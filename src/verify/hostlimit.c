/* Per-host connection slots: a small table under one mutex. Hosts with no
 * connection open leave the table, so it only ever holds busy hosts. */
#include "verify/hostlimit.h"

#include "base/clock.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

enum { HOSTS_MAX = 256, NAME_MAX_LEN = 254 };

struct slot {
    char host[NAME_MAX_LEN];
    int in_use;
};

static struct slot slots[HOSTS_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t freed = PTHREAD_COND_INITIALIZER;

/* The host's entry, or a free one claimed for it; NULL when the table is full. */
static struct slot *find(const char *host, bool claim)
{
    struct slot *empty = NULL;
    for (int i = 0; i < HOSTS_MAX; i++) {
        if (slots[i].in_use && strncmp(slots[i].host, host, NAME_MAX_LEN - 1) == 0)
            return &slots[i];
        if (!slots[i].in_use && !empty) empty = &slots[i];
    }
    if (!claim || !empty) return NULL;
    strncpy(empty->host, host, NAME_MAX_LEN - 1);
    empty->host[NAME_MAX_LEN - 1] = '\0';
    return empty;
}

static struct timespec wall_deadline(double deadline_ms)
{
    double left = deadline_ms - clock_mono_ms();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (left < 0) left = 0;
    long long ns = ts.tv_nsec + (long long)(left * 1e6);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    return ts;
}

bool hostlimit_acquire(const char *host, int max, double deadline_ms)
{
    if (max < 1) max = 1;
    struct timespec until = wall_deadline(deadline_ms);
    bool got = false;
    pthread_mutex_lock(&lock);
    for (;;) {
        struct slot *s = find(host, true);
        if (s && s->in_use < max) {
            s->in_use++;
            got = true;
            break;
        }
        if (pthread_cond_timedwait(&freed, &lock, &until) == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&lock);
    return got;
}

void hostlimit_release(const char *host)
{
    pthread_mutex_lock(&lock);
    struct slot *s = find(host, false);
    if (s && s->in_use > 0) s->in_use--;
    pthread_cond_broadcast(&freed);
    pthread_mutex_unlock(&lock);
}

int hostlimit_in_use(const char *host)
{
    pthread_mutex_lock(&lock);
    struct slot *s = find(host, false);
    int n = s ? s->in_use : 0;
    pthread_mutex_unlock(&lock);
    return n;
}
