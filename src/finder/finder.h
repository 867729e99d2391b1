/* The email finder (find.php): a person's name and a company domain to the
 * most likely address. Names become ASCII local-part tokens (accents
 * transliterated by a table, compound names kept hyphenated with joined and
 * first-part variants); the domain's address patterns are ranked by the
 * addresses leadgen has seen at it in public data (cached crawl.php and
 * search.php answers, Ad Spy contacts, and the email sightings those answers
 * recorded; never a user's leads), then the
 * candidates are verified by SMTP in order of likelihood. The pure parts
 * (names, classification, ranking, confidence) are exposed for unit tests.
 * Everything returned lives in the caller's arena. */
#ifndef LEADGEN_FINDER_FINDER_H
#define LEADGEN_FINDER_FINDER_H

#include "base/mem.h"
#include "base/rc.h"
#include "crawl/crawl.h"
#include "store/store.h"
#include "verify/verify.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    FINDER_PROBES_MAX = 5,   /* candidate addresses verified per request */
    FINDER_SOURCES_MAX = 10, /* evidence URLs in an answer */
    FINDER_MENTIONS_MAX = 50, /* public answers read per domain */
    FINDER_SIGHTINGS_MAX = 500 /* addresses recorded per answer, sightings read per domain */
};

/* ---- names -------------------------------------------------------------- */

/* "José Müller-Lüdenscheid" -> "jose", "muller-ludenscheid": lowercase ASCII
 * letters and digits, hyphens kept between parts, other separators (spaces,
 * apostrophes, dots) dropped. NULL when nothing usable is left. */
const char *finder_name_ascii(const char *utf8, struct arena *a);

/* s[0..n) is a common given name (a small table, for reading address shapes). */
bool finder_is_given_name(const char *s, size_t n);

struct finder_name {
    const char *first, *middle, *last; /* ASCII tokens; middle may be NULL */
};

/* ---- patterns ------------------------------------------------------------ */

struct finder_pattern {
    const char *name; /* "{first}.{last}" */
    int prior;        /* how common it is without evidence: ties and thin evidence */
};
const struct finder_pattern *finder_patterns(size_t *count);
/* The local part of pattern for name (NULL when it needs a middle name that is absent). */
const char *finder_render(const char *pattern, const struct finder_name *name, struct arena *a);
/* The pattern an observed local part was most likely written with, as an
 * index into finder_patterns, or -1 when its shape tells nothing (role
 * addresses, digits, one unknown word). */
int finder_classify(const char *local);

/* The pattern a page that wrote the name person (as written: "Dr. José
 * Müller-Lüdenscheid", "Jan van der Berg") next to an address with local part
 * local spelled that address with: the most common pattern that renders the
 * name (or its compound variants) as local; -1 when none does. */
int finder_pair_pattern(const char *person, const char *local, struct arena *a);

/* One address seen at the domain: its local part and, when a page paired it
 * with a name, the pattern that pairing shows (else -1). */
struct finder_sample {
    const char *local;
    int paired;
};
/* A pairing tells the pattern for certain; a bare address only by its shape,
 * which may be misread ("xiomaraq": {f}{last} or {first}{l}?). */
enum { FINDER_WEIGHT_ADDRESS = 1, FINDER_WEIGHT_PAIRED = 3 };

struct finder_rank {
    int pattern; /* index into finder_patterns */
    int count;   /* evidence addresses written with it */
    int paired;  /* of which a page paired with a name */
    int weight;  /* count weighted: FINDER_WEIGHT_PAIRED per pairing, else FINDER_WEIGHT_ADDRESS */
};
/* Ranks every pattern by evidence weight, then by pairings, then (ties and
 * patterns without evidence) by prior; out holds one entry per pattern.
 * Returns the weight of all the samples that tell a pattern. */
int finder_rank_samples(const struct finder_sample *samples, size_t n, struct finder_rank *out);
/* The same for bare addresses; returns the number of locals classified. */
size_t finder_rank_patterns(const char *const *locals, size_t n, struct finder_rank *out);
/* 0-99 from the evidence weight behind the chosen pattern (of the total) and
 * the verification. */
enum finder_check { FINDER_VERIFIED, FINDER_CATCH_ALL, FINDER_UNVERIFIED };
int finder_confidence(int pattern_weight, size_t total_weight, enum finder_check check);

/* ---- public evidence ------------------------------------------------------ */

/* Calls fn(ctx, email, source) for each address in a public answer: kind
 * "crawl" (a crawl.php data object; source its page URL), "search" (a
 * search.php one; each result's URL) or "ad" (an ad's contact data; source is
 * url, its landing page). source may be NULL; email is as written. */
typedef void finder_email_fn(void *ctx, const char *email, const char *source);
void finder_answer_emails(const char *kind, json_t *data, const char *url, finder_email_fn *fn,
                          void *ctx);

/* Records the addresses of a public answer in the store's email sightings
 * (lowercased, with their page; at most FINDER_SIGHTINGS_MAX). A failure is
 * logged and dropped: sightings are a by-product of the answer. */
void finder_record_sightings(struct store *st, const char *kind, json_t *data, const char *url);

/* Records a crawl's name pairings (r->people) as sightings with their page and
 * name, for the addresses data (its answer, erased addresses taken out) still
 * lists in all_emails. Failures are logged and dropped, as above. */
void finder_record_people(struct store *st, const struct crawl_result *r, json_t *data);

/* ---- the whole search ---------------------------------------------------- */

struct finder_query {
    const char *domain; /* lowercase ASCII */
    struct finder_name name;
    bool crawl; /* may crawl the domain when nothing is known of it */
};

/* Fills *data (email, pattern, confidence, sources, verification, catch_all)
 * and *found (an address is returned: the request costs 1 credit). */
enum rc finder_find(struct store *st, const struct finder_query *q,
                    const struct verify_options *vopt, struct arena *a, json_t **data, bool *found,
                    struct err *err);

#endif
