/* Helpers shared by the store's backends (SQL text both dialects accept).
 * Not for use outside src/store/. */
#ifndef LEADGEN_STORE_INT_H
#define LEADGEN_STORE_INT_H

#include "store/store.h"

/* The calling thread's lock-wait bound in ms (0: the full timeout), for the
 * backend's busy handler; store_note_write and store_note_cut_short keep the
 * state store_lock_bound describes. */
unsigned store_lock_wait_bound(void);
void store_note_write(void);
void store_note_cut_short(void);

/* "%@domain%" with LIKE's wildcards in domain escaped (for LIKE ... ESCAPE '\'). */
const char *store_like_mention(struct arena *a, const char *domain);

/* "%text%" with LIKE's wildcards in text escaped (for LIKE ... ESCAPE '\'). */
const char *store_like_contains(struct arena *a, const char *text);

/* One table as `store copy` moves it (the list is store_tables in
 * store_copy.c). Rows travel as text, one string per column, NULL for SQL
 * NULL; key (the first nkey columns) orders and pages the rows. */
struct store_table {
    const char *name;
    const char *columns; /* "id, user_id, ...": the column list, in row order */
    const char *types;   /* a letter per column: 'i' integer, 't' text */
    int nkey;            /* the first nkey columns are a unique key */
    const char *identity; /* the column an id generator numbers, or NULL */
    bool seeded;          /* the migrations fill it: the copy replaces those rows */
};

/* SELECT of t's columns in key order, at most limit rows; with after, only
 * rows whose key is above the parameters 1..nkey (written mark and number:
 * '?' for SQLite, '$' for PostgreSQL). */
char *store_table_select(struct arena *a, const struct store_table *t, bool after, size_t limit,
                         char mark);
/* A launch populates its recipients STORE_LAUNCH_BATCH leads per transaction
 * while the campaign is 'launching' (which the sender never sends); a launch
 * that has not committed a batch for STORE_LAUNCH_STALE seconds is taken
 * to have died, and a new launch may take the campaign over. */
enum { STORE_LAUNCH_BATCH = 500, STORE_LAUNCH_STALE = 300, STORE_LAUNCH_PAUSE_MS = 2 };

/* Adds n recipients of status (a recipients.status value) to the counters. */
void store_stats_add(struct recipient_stats *s, const char *status, int64_t n);
/* The counter of status, or the sum of all for NULL. */
int64_t store_stats_of(const struct recipient_stats *s, const char *status);

/* Whether a recipient whose next_send_at is set may be claimed: it is due, or
 * it is held under the claim's lease and the lease has not run out. A lease
 * is taken only on a due row, so while one lasts nobody else takes the row,
 * and the next one ends later: a lease that has not run out names its holder. */
bool store_due_or_held(int64_t next_send_at, const struct send_claim *claim);

/* Whether any recipient of list still holds a lease (send_release has work). */
bool store_any_leased(const struct send_recipient *list, size_t count);

/* The plan for a store holding applied[] against the binary's known[] (both ascending). */
void store_plan_fill(struct store_plan *p, const int *known, size_t nknown, const int *applied,
                     size_t napplied);

/* The tables `store copy` moves, in copy order (a unit test checks them
 * against the schema, so a new table or column cannot be left behind). */
const struct store_table *store_copy_tables(size_t *count);

#endif
