/* The store interface: every persistent operation leadgen performs, as
 * operations rather than SQL. Backends (SQLite now, PostgreSQL later)
 * implement struct store_ops; callers call st->ops->op(st, ...).
 * The store is shared by all threads. Strings and arrays handed back are
 * allocated in the caller's arena. Failures return RC_DB (store unreachable
 * or unwritable) or the documented rc, with the reason in err. */
#ifndef LEADGEN_STORE_H
#define LEADGEN_STORE_H

#include "base/mem.h"
#include "base/rc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct user {
    int64_t id;
    const char *email;
    int64_t credits;
};

/* How an API key came to be known: issued here, or vouched for by LEADGEN_AUTH_URL. */
enum key_source { KEY_LOCAL = 0, KEY_EXTERNAL = 1 };

struct key_owner {
    int64_t user_id;
    enum key_source source;
    int64_t checked_at; /* when the licence service last vouched (external keys) */
};

struct campaign_ref {
    int64_t id;
    const char *name;
    const char *status;
};

struct project {
    int64_t id;
    const char *name;
    const char *type;
    int64_t leads_count;
    size_t campaigns_count;
    struct campaign_ref *campaigns;
};

struct lead {
    int64_t id;
    const char *email;
    const char *firstname, *lastname, *company, *website, *phones, *description;
    int verified; /* 1 valid, 0 unknown, -1 invalid */
    int64_t created_at;
    const char *source; /* where it came from (a URL or short text); NULL or "" when unknown */
    /* adds only: the address's tombstone key (core/privacy.h); NULL skips the erasure check */
    const char *tombstone;
};

/* suppressed: on the user's suppression list (address or domain) or erased. */
struct leads_added {
    int64_t added, duplicates, suppressed, total;
};

/* An entry of a user's suppression list: a lower-cased address, or a whole
 * domain (no '@'); reason "manual" or "unsubscribe". */
struct suppression {
    const char *value, *reason;
    int64_t created_at;
};

/* A stored record that holds an address (a data-subject export): kind is
 * lead, recipient, send, suppression, cache or ad; user_id 0 for shared data;
 * json is the row as a JSON object (cache: its key and body). */
struct subject_record {
    const char *kind;
    int64_t user_id;
    const char *json;
};

/* What an erasure removed or rewrote. */
struct subject_erased {
    int64_t leads, recipients, sends, suppressions, cached, ads;
    int64_t sightings, deliveries, jobs; /* addresses seen, webhook deliveries, async jobs */
};

struct account {
    int64_t id;
    const char *type; /* "smtp" or "gmail" */
    const char *address, *display_name;
    const char *smtp_host, *tls_mode, *username, *imap_host;
    int64_t smtp_port, imap_port, daily_limit, created_at;
    const char *secret; /* sealed (core/secrets.h); never leaves the server */
    int64_t user_id;
    /* when it may send: a window ("Mon-Fri 08:00-17:30", "" for always) in its
     * IANA time zone, and min_gap + a random 0..max_extra seconds between sends */
    const char *send_window, *timezone;
    int64_t min_gap, max_extra;
    const char *state, *state_reason; /* "ok", or "reauth" (it must be authorised again) */
    int64_t imap_uidvalidity, imap_last_uid; /* how far its inbox has been read */
};

struct campaign_account_ref {
    const char *type;
    int64_t id;
};

struct recipient_stats {
    int64_t pending, in_progress, completed, replied, bounced, unsubscribed, failed;
};

/* One UTC day of a campaign, for the dashboard's daily chart: its sends by
 * outcome (by claimed_at) and the recipients who replied or unsubscribed
 * that day (by changed_at, the time of their last status change). */
struct campaign_day {
    int64_t day; /* days since the epoch: claimed_at or changed_at / 86400 */
    int64_t sent, bounced, failed;
    int64_t replied, unsubscribed;
};

struct campaign {
    int64_t id, project_id;
    const char *name, *status;
    const char *status_reason; /* why the system set the status; "" otherwise */
    const char *steps;         /* JSON array text */
    int64_t daily_limit, batch_size, created_at, launched_at; /* launched_at 0: never */
    int64_t sent_today, sent_total;
    int64_t last_sent_at, next_send_at; /* 0: none yet / nobody due */
    struct recipient_stats stats;
    struct account *accounts;
    size_t accounts_count;
};

struct campaign_new {
    const char *name;
    int64_t project_id;
    const struct campaign_account_ref *accounts;
    size_t accounts_count;
    const char *steps; /* validated JSON array text */
    int64_t daily_limit, batch_size;
};

struct recipient {
    int64_t lead_id;
    const char *email, *status;
    int64_t current_step, last_sent_at, next_send_at; /* 0: not yet */
    int64_t attempts;   /* temporary failures of the current step */
    const char *reason; /* why it failed, bounced or stopped; "" otherwise */
};

enum { STORE_STATUS_LEN = 32 }; /* room for any campaign status name */

/* One status change, applied only while the campaign is in `from`. With
 * populate (a launch), the same transaction adds the project's leads as
 * recipients (pending, due at now; leads marked invalid and addresses on the
 * user's suppression list, by address or domain, left out) and sets
 * launched_at; when that would add
 * nobody, nothing changes and the answer is RC_INVALID with *recipients 0. */
struct campaign_status_change {
    const char *from, *to;
    const char *reason; /* why the system set it (e.g. no credits); "" for a user's action */
    int64_t now;
    bool populate;
};

/* ---- what the campaign sender works with (src/campaign/ holds the rules:
 * which status is sendable, limits, rotation, back-off, completion) ---- */

/* A campaign in the asked-for status with at least one due recipient. */
struct send_campaign {
    int64_t id, user_id;
    const char *steps; /* JSON array text */
    int64_t daily_limit, batch_size;
    int64_t claimed_today; /* claims since day_start, whatever their outcome */
};

/* A due recipient with the lead's merge fields. */
struct send_recipient {
    int64_t id, lead_id, step, attempts;
    /* send_lease: the recipient is held until lease_until (0: not leased, or
     * the lease was spent on a claim); due_at is when it was due before */
    int64_t lease_until, due_at;
    bool suppressed; /* the address or its domain is on the owner's suppression list */
    const char *email, *firstname, *lastname, *company, *website, *phones, *description;
};

/* A sending account of a campaign, secret included (for the SMTP login). */
struct send_account {
    struct account account;
    int64_t claimed_today;   /* claims since day_start across all campaigns */
    int64_t last_claimed_at; /* 0: never */
    /* Not stored: the sender's view during a run. When the account may send
     * next (its gap), or INT64_MAX when it may not send this run at all. */
    int64_t ready_at;
};

/* The recipient an inbound message or an unsubscribe link is about. */
struct send_match {
    int64_t recipient_id, campaign_id, user_id;
    const char *status, *email;
};

/* One claim: everything is checked and written in one transaction. */
struct send_claim {
    int64_t campaign_id, recipient_id, step, account_id;
    const char *message_id;       /* unique; known before the send, kept for reconciliation */
    const char *campaign_status;  /* the claim holds only while the campaign is in it */
    const char *recipient_status; /* the recipient's status while it is being sent */
    int64_t lease_until; /* the recipient's lease (send_lease), or 0 */
    int64_t campaign_limit, account_limit; /* per day: claims since day_start must be below */
    int64_t cost;                 /* credits charged to the campaign's owner */
    const char *endpoint;         /* the ledger row's endpoint name */
    int64_t now, day_start;
};

/* The outcome of a claimed send and what it means for the recipient, as
 * computed by src/campaign/. */
struct send_result {
    int64_t send_id;
    const char *state; /* sent, bounced, deferred (retry later) or failed */
    int64_t smtp_code; /* 0: no reply (connection failure) */
    const char *reason;
    bool refund; /* give the claim's credits back: nothing was delivered */
    const char *recipient_status;
    int64_t recipient_step, attempts;
    int64_t next_send_at; /* 0: not due again */
    int64_t last_sent_at; /* 0: unchanged */
    int64_t now;
};

/* A send still 'sending': claimed, outcome never recorded (a crash). */
struct send_unfinished {
    int64_t send_id, campaign_id, recipient_id, step, account_id, claimed_at;
    const char *message_id;
    int64_t user_id, attempts; /* the campaign's owner; the recipient's failed tries */
    const char *steps;         /* the campaign's steps (JSON array text) */
};

/* One ad in the permanent Ad Spy history. */
struct ad {
    int64_t id;
    const char *domain, *title_key; /* identity, with the query and engine */
    const char *title, *url, *display_url, *ad_text;
    int64_t position, first_seen, last_seen;
    const char *contact_data; /* JSON text, or NULL when never crawled */
    int64_t contact_checked_at;
};

/* A Lead Search recipe: a named query template holding "{query}". */
struct recipe {
    const char *code, *name, *template, *description;
};

/* ---- automation: usage, async jobs, webhooks ---- */

/* A dashboard sign-in: the session token is kept only as its hash. */
struct web_session {
    int64_t user_id, expires_at;
    const char *csrf;        /* the token every state-changing form carries */
    const char *oauth_state; /* a pending OAuth authorisation's state, or NULL */
};

/* One day's use of one endpoint, from the credit ledger (settled requests). */
struct usage_row {
    const char *date; /* "YYYY-MM-DD", UTC */
    const char *endpoint;
    int64_t requests, credits;
};

/* A request stored to run later (async=1) and, once finished, its answer. */
struct async_job {
    const char *id; /* random hex, unique */
    int64_t user_id;
    const char *endpoint, *file; /* the route's ledger name and file */
    int method;                  /* enum http_method */
    const char *args;            /* JSON: {"query": [[name, value], ...], "body": {...}} */
    const char *webhook_url;     /* NULL: none */
    const char *status;          /* queued, running, done, failed */
    const char *runner;          /* who claimed it ("host:pid"); NULL while queued */
    int64_t created_at, started_at, finished_at; /* 0: not yet */
    const char *result;          /* the answer's envelope (JSON text); NULL until finished */
};

/* A campaign-event subscription: events is a comma-separated list. */
struct webhook {
    int64_t id;
    const char *url, *events;
    int64_t created_at;
};

/* A webhook delivery still owed (the outbox). */
struct webhook_delivery {
    int64_t id, user_id;
    const char *url, *event, *body;
    int64_t attempts, created_at;
};

/* What the operator CLI shows of users, keys and the credit ledger. */
struct user_summary {
    int64_t id;
    const char *email;
    int64_t credits, keys, created_at;
};

enum { KEY_ID_LEN = 12 }; /* a key's id: the first hex digits of its hash */

/* An API key as an operator sees it: never the key, only its id. */
struct key_info {
    char id[KEY_ID_LEN + 1];
    enum key_source source;
    int64_t created_at, last_used_at; /* last_used_at 0: never (as far as recorded) */
};

struct ledger_entry {
    int64_t id;
    const char *endpoint, *state, *request_id;
    int64_t amount, reserved, created_at;
};

struct store;
struct store_table; /* a table as `store copy` moves it (store_int.h) */

/* An answer found by public_mentions. */
struct public_mention {
    const char *kind; /* "crawl", "search" or "ad" */
    const char *url;  /* the ad's landing page; NULL for cached answers */
    const char *json; /* the data object, or the ad's contact data */
};

/* An address seen on a public page (crawl.php, search.php and Ad Spy answers;
 * never a user's leads), kept after the cached answer expires. */
struct email_sighting {
    const char *email;  /* lowercase */
    const char *domain; /* the part after '@' */
    const char *source; /* the page that showed it */
    int64_t first_seen, last_seen;
    const char *person; /* the name that page showed next to it; NULL (read: "") for none */
};

struct store_ops {
    const char *name;
    void (*close)(struct store *st);
    /* A number that changes whenever this process writes to the store. */
    uint64_t (*generation)(struct store *st);
    enum rc (*ping)(struct store *st, struct err *err);

    enum rc (*meta_get)(struct store *st, const char *key, struct arena *a, char **value,
                        struct err *err);
    enum rc (*meta_set_once)(struct store *st, const char *key, const char *value,
                             struct err *err);
    enum rc (*meta_delete)(struct store *st, const char *key, struct err *err);

    enum rc (*user_create)(struct store *st, const char *email, int64_t credits,
                           const char *key_hash, int64_t *user_id, struct err *err);
    enum rc (*user_by_email)(struct store *st, const char *email, struct arena *a,
                             struct user *out, struct err *err);
    enum rc (*user_count)(struct store *st, int64_t *count, struct err *err);
    enum rc (*key_add)(struct store *st, int64_t user_id, const char *key_hash, struct err *err);
    enum rc (*key_lookup)(struct store *st, const char *key_hash, struct key_owner *out,
                          struct err *err);
    /* Links a key the licence service vouched for to the user with that email
     * (created if new); grant is credited only when the key is new here. */
    enum rc (*key_vouch)(struct store *st, const char *key_hash, const char *email,
                         int64_t grant, int64_t now, int64_t *user_id, struct err *err);

    /* Operator views (leadgen user list, key list, user show). */
    enum rc (*user_list)(struct store *st, struct arena *a, struct user_summary **out,
                         size_t *count, struct err *err);
    enum rc (*key_list)(struct store *st, int64_t user_id, struct arena *a, struct key_info **out,
                        size_t *count, struct err *err);
    /* Deletes the user's key whose hash is hash_or_id or starts with it (an id
     * of at least 8 digits); RC_NOT_FOUND when none, RC_CONFLICT when an id
     * matches more than one. */
    enum rc (*key_revoke)(struct store *st, int64_t user_id, const char *hash_or_id,
                          struct err *err);
    /* Records that the key was used at now (callers do it at most once a minute). */
    enum rc (*key_used)(struct store *st, const char *key_hash, int64_t now, struct err *err);
    /* The user's most recent ledger rows, newest first. */
    enum rc (*ledger_recent)(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                             struct ledger_entry **out, size_t *count, struct err *err);

    enum rc (*credits_add)(struct store *st, int64_t user_id, int64_t amount, const char *reason,
                           int64_t *balance, struct err *err);
    enum rc (*credits_balance)(struct store *st, int64_t user_id, int64_t *balance,
                               struct err *err);
    /* Takes min(max, balance) from the balance; RC_NO_CREDITS when it is 0. */
    enum rc (*credits_reserve)(struct store *st, int64_t user_id, const char *endpoint,
                               int64_t max, const char *request_id, int64_t *reserved,
                               int64_t *reservation, struct err *err);
    /* Charges min(cost, reserved) and refunds the rest; cost 0 releases. */
    enum rc (*credits_settle)(struct store *st, int64_t reservation, int64_t cost,
                              int64_t *charged, struct err *err);
    /* Credits held by the user's open reservations (requests in flight). */
    enum rc (*credits_held)(struct store *st, int64_t user_id, int64_t *held, struct err *err);
    /* The distinct holders (store_holder() of the process that reserved) of open reservations. */
    enum rc (*credits_holders)(struct store *st, struct arena *a, const char ***holders,
                               size_t *count, struct err *err);
    /* Refunds every open reservation of holder (a process known to be dead). */
    enum rc (*credits_release_holder)(struct store *st, const char *holder, int64_t *released,
                                      struct err *err);
    /* Refunds reservations made before `before` that were never settled (a crash). */
    enum rc (*credits_release_stale)(struct store *st, int64_t before, int64_t *released,
                                     struct err *err);

    enum rc (*cache_get)(struct store *st, const char *key, int64_t now, struct arena *a,
                         char **body, struct err *err);
    enum rc (*cache_put)(struct store *st, const char *key, const char *endpoint,
                         const char *body, int64_t expires_at, struct err *err);
    enum rc (*cache_purge)(struct store *st, int64_t now, int64_t *removed, struct err *err);

    enum rc (*project_list)(struct store *st, int64_t user_id, const char *search,
                            struct arena *a, struct project **out, size_t *count,
                            struct err *err);
    enum rc (*project_create)(struct store *st, int64_t user_id, const char *name,
                              int64_t now, int64_t *project_id, struct err *err);
    enum rc (*project_get)(struct store *st, int64_t user_id, int64_t project_id,
                           struct arena *a, struct project *out, struct err *err);

    enum rc (*leads_list)(struct store *st, int64_t user_id, int64_t project_id, int64_t limit,
                          int64_t offset, struct arena *a, struct lead **out, size_t *count,
                          int64_t *total, struct err *err);
    /* Adds in one transaction; an address on the user's suppression list (itself
     * or its domain), or whose tombstone is erased, is counted in suppressed. */
    enum rc (*leads_add)(struct store *st, int64_t user_id, int64_t project_id,
                         const struct lead *leads, size_t count, int64_t now,
                         struct leads_added *out, struct err *err);
    /* Up to limit leads with id > after_id in id order (keyset paging, for exports). */
    enum rc (*leads_after)(struct store *st, int64_t user_id, int64_t project_id,
                           int64_t after_id, int64_t limit, struct arena *a, struct lead **out,
                           size_t *count, struct err *err);

    /* The suppression list (struct suppression), newest first. add and remove
     * take lower-cased values and report how many rows changed. */
    enum rc (*suppression_list)(struct store *st, int64_t user_id, struct arena *a,
                                struct suppression **out, size_t *count, struct err *err);
    enum rc (*suppression_add)(struct store *st, int64_t user_id, const char *const *values,
                               size_t count, const char *reason, int64_t now, int64_t *added,
                               struct err *err);
    enum rc (*suppression_remove)(struct store *st, int64_t user_id, const char *const *values,
                                  size_t count, int64_t *removed, struct err *err);

    /* Data-subject requests (core/privacy.h holds the rules). erased[i] tells
     * whether tombstones[i] is an erased address's. */
    enum rc (*erased_check)(struct store *st, const char *const *tombstones, size_t count,
                            bool *erased, struct err *err);
    /* Every record of every user that holds the address (lower-cased). */
    enum rc (*subject_records)(struct store *st, const char *address, struct arena *a,
                               struct subject_record **out, size_t *count, struct err *err);
    /* In one transaction: deletes the address's leads (project counts follow),
     * recipients and their sends, suppression entries and the cached answers
     * that mention it; clears Ad Spy contact data that mentions it; records
     * the tombstone. Then makes the deleted bytes unreachable in the store's
     * files as far as the backend can (docs/PRIVACY.md). */
    enum rc (*subject_erase)(struct store *st, const char *address, const char *tombstone,
                             int64_t now, struct subject_erased *out, struct err *err);

    /* Sending accounts: RC_CONFLICT for a duplicate address, or removing one a
     * campaign uses. */
    enum rc (*account_add)(struct store *st, int64_t user_id, const struct account *in,
                           int64_t *id, struct err *err);
    enum rc (*account_list)(struct store *st, int64_t user_id, const char *type,
                            struct arena *a, struct account **out, size_t *count,
                            struct err *err);
    enum rc (*account_remove)(struct store *st, int64_t user_id, int64_t id, struct err *err);

    /* Campaigns (storage only: the state machine and its messages are in
     * src/campaign/). RC_INVALID with a message naming the parameter for a
     * refused create; RC_NOT_FOUND for another user's campaign. */
    enum rc (*campaign_create)(struct store *st, int64_t user_id, const struct campaign_new *in,
                               int64_t now, int64_t *id, struct err *err);
    enum rc (*campaign_list)(struct store *st, int64_t user_id, int64_t day_start,
                             struct arena *a, struct campaign **out, size_t *count,
                             struct err *err);
    enum rc (*campaign_get)(struct store *st, int64_t user_id, int64_t id, int64_t day_start,
                            struct arena *a, struct campaign *out, struct err *err);
    /* Replaces the steps if the campaign's status is still if_status; else
     * RC_CONFLICT with the status in current. */
    enum rc (*campaign_set_steps)(struct store *st, int64_t user_id, int64_t id,
                                  const char *if_status, const char *steps,
                                  char current[STORE_STATUS_LEN], struct err *err);
    /* Compare-and-set of the status (see struct campaign_status_change); else
     * RC_CONFLICT with the status in current, and nothing changed. */
    enum rc (*campaign_set_status)(struct store *st, int64_t user_id, int64_t id,
                                   const struct campaign_status_change *change,
                                   int64_t *recipients, char current[STORE_STATUS_LEN],
                                   struct err *err);
    /* Ad Spy history: inserts new ads (first_seen = last_seen = now) and
     * refreshes known ones (last_seen, position, url, text) in one
     * transaction; ads[i].id is set. Concurrent calls never duplicate an ad. */
    enum rc (*ads_record)(struct store *st, const char *query_key, const char *engine,
                          struct ad *ads, size_t count, int64_t now, struct err *err);
    /* Every stored ad of the query and engine, most recently seen first. */
    enum rc (*ads_history)(struct store *st, const char *query_key, const char *engine,
                           struct arena *a, struct ad **out, size_t *count, struct err *err);
    enum rc (*ads_set_contact)(struct store *st, int64_t ad_id, const char *contact_json,
                               int64_t now, struct err *err);
    /* Public answers that mention an address at domain (lowercase A-label), for
     * the email finder: unexpired crawl.php and search.php data objects in the
     * response cache (kind "crawl" / "search", url NULL) and Ad Spy contact data
     * (kind "ad", url the ad's landing page); at most max, newest ads first.
     * Never a user's own data (leads, campaigns). */
    enum rc (*public_mentions)(struct store *st, const char *domain, int64_t now, size_t max,
                               struct arena *a, struct public_mention **out, size_t *count,
                               struct err *err);
    /* Records addresses seen now (first_seen/last_seen of rows are ignored): a
     * new (email, source) pair starts at now, a known one has last_seen moved
     * to now (and takes the row's person unless that is NULL). One transaction. */
    enum rc (*sightings_record)(struct store *st, const struct email_sighting *rows, size_t count,
                                int64_t now, struct err *err);
    /* The sightings at domain (lowercase), by email then first_seen, at most max. */
    enum rc (*sightings_of_domain)(struct store *st, const char *domain, size_t max,
                                   struct arena *a, struct email_sighting **out, size_t *count,
                                   struct err *err);

    /* A page of the campaign's recipients (status NULL: all) in lead_id
     * order (the order a launch adds them); total is how many there are (of
     * that status), from counters. */
    enum rc (*campaign_recipients)(struct store *st, int64_t user_id, int64_t id,
                                   const char *status, int64_t limit, int64_t offset,
                                   struct arena *a, struct recipient **out, size_t *count,
                                   int64_t *total, struct err *err);
    /* Keyset paging: up to limit recipients with lead_id > after_id, in
     * lead_id order; total as above. */
    enum rc (*campaign_recipients_after)(struct store *st, int64_t user_id, int64_t id,
                                         const char *status, int64_t after_id, int64_t limit,
                                         struct arena *a, struct recipient **out, size_t *count,
                                         int64_t *total, struct err *err);

    /* The campaign sender (struct send_* above). Campaigns in `status` with
     * a recipient due at now (next_send_at <= now), oldest campaign first. */
    enum rc (*send_due)(struct store *st, const char *status, int64_t now, int64_t day_start,
                        int64_t limit, struct arena *a, struct send_campaign **out,
                        size_t *count, struct err *err);
    /* The campaign's due recipients, longest waiting first, read without a
     * lease (the sender uses send_lease). */
    enum rc (*send_recipients)(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                               struct arena *a, struct send_recipient **out, size_t *count,
                               struct err *err);
    /* Leases up to limit of the campaign's due recipients, longest waiting
     * first: in one transaction they are read and their next_send_at set to
     * lease_until (> now), so no other caller is handed them before then;
     * rows another caller is leasing or claiming are skipped. Each carries
     * lease_until and the due_at it had. */
    enum rc (*send_lease)(struct store *st, int64_t campaign_id, int64_t now, int64_t limit,
                          int64_t lease_until, struct arena *a, struct send_recipient **out,
                          size_t *count, struct err *err);
    /* Gives leased recipients back: each whose next_send_at is still its
     * lease_until is due at its due_at again (entries with lease_until 0 are
     * left alone), in one transaction. */
    enum rc (*send_release)(struct store *st, const struct send_recipient *list, size_t count,
                            struct err *err);
    /* The campaign's sending accounts in their listed order. */
    enum rc (*send_accounts)(struct store *st, int64_t campaign_id, int64_t day_start,
                             struct arena *a, struct send_account **out, size_t *count,
                             struct err *err);
    /* In one transaction: the campaign is still in claim->campaign_status and
     * the recipient still due at claim->step, or held at that step under
     * claim->lease_until while it lasts (else RC_CONFLICT); the
     * campaign's and the account's claims since day_start are below their
     * limits (else RC_FORBIDDEN, naming which); the owner's balance covers
     * cost (else RC_NO_CREDITS); then it charges cost (a 'charged' ledger
     * row, request_id = the Message-ID), inserts the send as 'sending' and
     * takes the recipient off the due list. Nothing is written on refusal. */
    enum rc (*send_claim)(struct store *st, const struct send_claim *claim, int64_t *send_id,
                          struct err *err);
    /* Records the outcome of a 'sending' send (else RC_CONFLICT: recorded
     * once) and updates its recipient, refunding when asked, in one
     * transaction. */
    enum rc (*send_record)(struct store *st, const struct send_result *result, struct err *err);
    /* Sends left 'sending' (claimed, never recorded), oldest first. */
    enum rc (*send_unfinished)(struct store *st, int64_t limit, struct arena *a,
                               struct send_unfinished **out, size_t *count, struct err *err);
    /* A reply or an unsubscribe: sets the recipient's status and takes it off
     * the due list; with unsubscribe, the address also joins the owner's
     * suppression list. */
    enum rc (*recipient_stop)(struct store *st, int64_t recipient_id, const char *status,
                              const char *reason, bool unsubscribe, int64_t now,
                              struct err *err);
    /* Message-IDs ("<...>") of the messages sent to a recipient, in step order. */
    enum rc (*send_thread)(struct store *st, int64_t recipient_id, struct arena *a,
                           const char ***ids, size_t *count, struct err *err);
    /* The recipient an inbound message to account_id is about: the one a send
     * whose Message-ID is in refs went to, else one at address `from` that the
     * account has sent to (most recent); RC_NOT_FOUND when neither. */
    enum rc (*send_match)(struct store *st, int64_t account_id, const char *const *refs,
                          size_t nrefs, const char *from, struct arena *a,
                          struct send_match *out, struct err *err);
    /* The recipient of lead_id in campaign_id (unsubscribe links); RC_NOT_FOUND. */
    enum rc (*recipient_by_lead)(struct store *st, int64_t campaign_id, int64_t lead_id,
                                 struct arena *a, struct send_match *out, struct err *err);
    /* Accounts sending for an active or paused campaign that have an inbox to
     * read (an IMAP host, or Gmail). */
    enum rc (*accounts_polled)(struct store *st, struct arena *a, struct account **out,
                               size_t *count, struct err *err);
    /* The first account with a sealed secret, secret included (the start-up
     * check that the sealing key opens what is stored); RC_NOT_FOUND when none. */
    enum rc (*account_sealed_one)(struct store *st, struct arena *a, struct account *out,
                                  struct err *err);
    enum rc (*account_set_state)(struct store *st, int64_t account_id, const char *state,
                                 const char *reason, struct err *err);
    /* The sealed secret of the user's account (account_list leaves it out). */
    enum rc (*account_secret)(struct store *st, int64_t user_id, int64_t account_id,
                              struct arena *a, const char **secret, struct err *err);
    /* A Gmail account authorised again: its new sealed refresh token, state "ok". */
    enum rc (*account_reconnect)(struct store *st, int64_t user_id, int64_t account_id,
                                 const char *secret, struct err *err);
    enum rc (*account_set_cursor)(struct store *st, int64_t account_id, int64_t uidvalidity,
                                  int64_t last_uid, struct err *err);

    /* Lead Search recipes, in display order; recipe_get is RC_NOT_FOUND for
     * an unknown code. */
    enum rc (*recipe_list)(struct store *st, struct arena *a, struct recipe **out, size_t *count,
                           struct err *err);
    enum rc (*recipe_get)(struct store *st, const char *code, struct arena *a,
                          struct recipe *out, struct err *err);

    /* Email verification. RC_NOT_FOUND (with *missing set) when an id is not
     * one of the user's leads. */
    enum rc (*leads_owned)(struct store *st, int64_t user_id, const int64_t *ids, size_t count,
                           int64_t *missing, struct err *err);
    /* Sets `verified` on the user's leads ids[i] to values[i] (1 valid, -1
     * invalid; 0 leaves the lead alone), in one transaction. */
    enum rc (*leads_set_verified)(struct store *st, int64_t user_id, const int64_t *ids,
                                  const int *values, size_t count, struct err *err);

    /* ---- automation ---- */
    enum rc (*user_get)(struct store *st, int64_t user_id, struct arena *a, struct user *out,
                        struct err *err);
    /* Settled requests (charged or released ledger rows) per UTC day and
     * endpoint since `since`, newest day first. */
    enum rc (*usage_by_day)(struct store *st, int64_t user_id, int64_t since, struct arena *a,
                            struct usage_row **out, size_t *count, struct err *err);
    /* The user's webhook signing secret; `fresh` becomes it when there is none yet. */
    enum rc (*webhook_secret)(struct store *st, int64_t user_id, const char *fresh, int64_t now,
                              struct arena *a, char **secret, struct err *err);
    /* Async jobs. job_get is RC_NOT_FOUND for another user's job. */
    enum rc (*job_create)(struct store *st, const struct async_job *job, struct err *err);
    enum rc (*job_get)(struct store *st, int64_t user_id, const char *id, struct arena *a,
                       struct async_job *out, struct err *err);
    /* The user's most recent jobs, newest first. */
    enum rc (*job_list)(struct store *st, int64_t user_id, int64_t limit, struct arena *a,
                        struct async_job **out, size_t *count, struct err *err);
    /* Claims the oldest queued job for runner (status running); RC_NOT_FOUND
     * when none is queued. Two claims never get the same job. */
    enum rc (*job_claim)(struct store *st, const char *runner, int64_t now, struct arena *a,
                         struct async_job *out, struct err *err);
    /* Records a running job's outcome (status done or failed) and its answer. */
    enum rc (*job_finish)(struct store *st, const char *id, const char *status,
                          const char *result, int64_t now, struct err *err);
    /* Puts running jobs back in the queue: those of runner (NULL: any runner)
     * started before started_before. */
    enum rc (*job_requeue)(struct store *st, const char *runner, int64_t started_before,
                           int64_t *count, struct err *err);
    /* The runners of running jobs (to find those of dead processes). */
    enum rc (*job_runners)(struct store *st, struct arena *a, const char ***out, size_t *count,
                           struct err *err);
    /* Campaign-event subscriptions; webhook_remove is RC_NOT_FOUND for another user's. */
    enum rc (*webhook_add)(struct store *st, int64_t user_id, const char *url, const char *events,
                           int64_t now, int64_t *id, struct err *err);
    enum rc (*webhook_list)(struct store *st, int64_t user_id, struct arena *a,
                            struct webhook **out, size_t *count, struct err *err);
    enum rc (*webhook_remove)(struct store *st, int64_t user_id, int64_t id, struct err *err);
    /* The delivery outbox: a delivery is added due at now; a claim takes the
     * oldest due one and hides it until lease_until (RC_NOT_FOUND: none due);
     * outbox_done records delivered, failed (given up) or pending again at next_at. */
    enum rc (*outbox_add)(struct store *st, int64_t user_id, const char *url, const char *event,
                          const char *body, int64_t now, struct err *err);
    enum rc (*outbox_claim)(struct store *st, int64_t now, int64_t lease_until, struct arena *a,
                            struct webhook_delivery *out, struct err *err);
    enum rc (*outbox_done)(struct store *st, int64_t id, const char *state, int64_t attempts,
                           int64_t next_at, const char *error, struct err *err);

    /* Whole-table row streams for store_copy (below), which drives them over
     * its table list. A row is t's columns as text (NULL for SQL NULL),
     * rows laid end to end. */
    enum rc (*table_count)(struct store *st, const struct store_table *t, int64_t *count,
                           struct err *err);
    /* Up to limit rows in key order, after the row whose key is `after`
     * (NULL: from the first). */
    enum rc (*table_read)(struct store *st, const struct store_table *t,
                          const char *const *after, size_t limit, struct arena *a,
                          const char ***rows, size_t *count, struct err *err);
    /* Inserts rows as they are (ids included), in one transaction. */
    enum rc (*table_write)(struct store *st, const struct store_table *t,
                           const char *const *rows, size_t count, struct err *err);
    /* Empties the table (a seeded one, before its rows are copied). */
    enum rc (*table_clear)(struct store *st, const struct store_table *t, struct err *err);
    /* After a copy: new ids continue past the copied ones. */
    enum rc (*table_done)(struct store *st, const struct store_table *t, struct err *err);
    /* ---- the web dashboard ---- */
    /* A user's password hash (crypto_pwhash_str); user_password gives "" when none is set
     * and RC_NOT_FOUND for an unknown email. */
    enum rc (*user_set_password)(struct store *st, int64_t user_id, const char *hash,
                                 struct err *err);
    enum rc (*user_password)(struct store *st, const char *email, struct arena *a,
                             int64_t *user_id, char **hash, struct err *err);
    /* Sessions by token hash; session_get is RC_NOT_FOUND when unknown or expired at now. */
    enum rc (*session_create)(struct store *st, const char *token_hash, int64_t user_id,
                              const char *csrf, int64_t now, int64_t expires_at, struct err *err);
    enum rc (*session_get)(struct store *st, const char *token_hash, int64_t now,
                           struct arena *a, struct web_session *out, struct err *err);
    enum rc (*session_delete)(struct store *st, const char *token_hash, struct err *err);
    /* Sets the session's pending OAuth state (NULL clears it); session_take_state clears
     * it only when it equals state: RC_NOT_FOUND otherwise, so a state is used once. */
    enum rc (*session_set_state)(struct store *st, const char *token_hash, const char *state,
                                 struct err *err);
    enum rc (*session_take_state)(struct store *st, const char *token_hash, const char *state,
                                  struct err *err);
    /* Replaces the user's own (locally issued) API keys with key_hash, in one transaction. */
    enum rc (*key_rotate)(struct store *st, int64_t user_id, const char *key_hash, int64_t now,
                          struct err *err);
    /* The user's campaign per UTC day from since on, oldest day first: its sends by outcome
     * (sent, bounced, failed; by claimed_at) and its recipients now replied or unsubscribed
     * (by changed_at). Days with none of these are left out, and another user's campaign (or
     * an unknown one) gives no days. */
    enum rc (*campaign_daily)(struct store *st, int64_t user_id, int64_t campaign_id,
                              int64_t since, struct arena *a, struct campaign_day **out,
                              size_t *count, struct err *err);
};

struct store {
    const struct store_ops *ops;
};

/* This process as the holder of the reservations it makes: "host:pid". */
const char *store_holder(void);

/* Lock waits of the calling thread. An event thread, which serves many
 * connections, bounds them to a few milliseconds so that a lock another
 * process holds (the CLI, a second serve, sqlite3) never stalls the requests
 * queued behind one: an operation that gives up fails with RC_DB, and
 * store_lock_cut_short() then says so, for the caller to hand the request to
 * a thread that may wait. The bound holds only until the thread's first write
 * since store_lock_bound (running a request again must not repeat a write).
 * 0, the default: the full wait (SQLite's busy timeout, PostgreSQL's
 * lock_timeout). SQLite bounds its busy handler; PostgreSQL runs the
 * statement with lock_timeout set to the bound, and bounds the wait for a
 * pooled connection too (all may be held by statements waiting for a lock). */
void store_lock_bound(unsigned ms);
bool store_lock_cut_short(void);

/* How to open a store; zero values take the defaults. */
struct store_options {
    unsigned pool; /* PostgreSQL: connections shared by all threads (LEADGEN_DB_POOL) */
};

/* Opens the store named by url (a file path, or postgres://... and
 * postgresql://...) and applies pending migrations. A store holding a
 * migration newer than this binary knows (a newer leadgen ran on it) is
 * refused, untouched. Returns NULL with err set on failure. opt may be NULL. */
struct store *store_open_with(const char *url, const struct store_options *opt, struct err *err);
struct store *store_open(const char *url, struct err *err);
void store_close(struct store *st);
enum { STORE_PLAN_MAX = 64 };

/* How a store stands against this binary's numbered migrations. */
struct store_plan {
    int known_max; /* the newest migration this binary carries */
    int store_max; /* the newest the store holds; 0 for a new store */
    int pending[STORE_PLAN_MAX]; /* what opening it would apply, in order */
    size_t npending;
};

/* Reads the plan without changing the store (a missing SQLite file or
 * PostgreSQL schema is a new store). */
enum rc store_plan(const char *url, struct store_plan *out, struct err *err);
/* RC_OK, or RC_DB naming both versions when the store is newer than the binary. */
enum rc store_refuse_newer(int store_max, int known_max, struct err *err);

/* Whether url names a PostgreSQL store. */
bool store_is_postgres(const char *url);

/* ---- copying a whole store (`leadgen store copy`) ---- */

/* Called after each batch, and once with done == total at each table's end. */
typedef void store_copy_progress(void *ctx, const char *table, int64_t done, int64_t total);

struct store_copy_count {
    const char *table;
    int64_t rows;
};

/* Copies every table of from into to, ids preserved, in an order that keeps
 * references valid. RC_CONFLICT when to holds any row (beyond what its
 * migrations seed). counts (static names, arena array) gets the rows per
 * table. Sealed values travel as they are, the store's own secret included. */
enum rc store_copy(struct store *from, struct store *to, store_copy_progress *progress,
                   void *ctx, struct arena *a, struct store_copy_count **counts, size_t *ntables,
                   struct err *err);

/* Backends. */
struct store *store_sqlite_open(const char *path, struct err *err);
struct store *store_pg_open(const char *url, unsigned pool, struct err *err);
enum rc store_sqlite_plan(const char *path, struct store_plan *out, struct err *err);
enum rc store_pg_plan(const char *url, struct store_plan *out, struct err *err);

#endif
