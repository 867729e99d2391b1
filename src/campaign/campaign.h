/* Campaign rules, above the store: the state machine (a table of actions,
 * the states each applies to and the state it leads to), launch eligibility,
 * when steps may be replaced, the sender's rules (what a claim asks of the
 * store, account rotation, outcomes, back-off, completion) and every message
 * a user sees about them. Functions call plain store operations (compare-and-
 * set); refusals are RC_INVALID with the user's message in err. */
#ifndef LEADGEN_CAMPAIGN_CAMPAIGN_H
#define LEADGEN_CAMPAIGN_CAMPAIGN_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum campaign_state {
    CAMPAIGN_DRAFT,
    CAMPAIGN_ACTIVE,
    CAMPAIGN_PAUSED,
    CAMPAIGN_CANCELLED,
    CAMPAIGN_COMPLETED, /* reached by the sender only: nobody pending or in progress */
    CAMPAIGN_STATE_COUNT
};

enum campaign_action {
    CAMPAIGN_LAUNCH,   /* launch.php */
    CAMPAIGN_PAUSE,    /* control.php, or the sender (with a reason) */
    CAMPAIGN_RESUME,   /* control.php */
    CAMPAIGN_CANCEL,   /* control.php */
    CAMPAIGN_COMPLETE, /* the sender */
    CAMPAIGN_ACTION_COUNT
};

/* "Parameter 'action' must be one of: pause, resume, cancel." */
extern const char CAMPAIGN_CONTROL_ACTIONS_MSG[];

const char *campaign_state_name(enum campaign_state s);
/* False for a name that is not a state. */
bool campaign_state_parse(const char *name, enum campaign_state *out);
const char *campaign_action_name(enum campaign_action a);
/* The actions control.php accepts (pause, resume, cancel). */
bool campaign_control_action(const char *name, enum campaign_action *out);

/* The state `action` leads to from `from`; when refused, false with the
 * user's message in why ("Cannot pause campaign 3: it is draft."). */
bool campaign_transition(enum campaign_action action, int64_t id, enum campaign_state from,
                         enum campaign_state *to, char *why, size_t why_len);
/* Steps can be replaced while draft or paused. */
bool campaign_steps_editable(enum campaign_state s);

/* launch.php: checks the state, the steps and the accounts, then moves
 * draft -> active and populates the recipients in one store transaction. */
enum rc campaign_launch(struct store *st, int64_t user_id, int64_t id, int64_t now,
                        int64_t *recipients, struct err *err);
/* control.php and the sender: applies action; *status is the new state's
 * name (static). reason is kept with the status ("" for a user's action). */
enum rc campaign_apply(struct store *st, int64_t user_id, int64_t id, enum campaign_action action,
                       const char *reason, int64_t now, const char **status, struct err *err);
/* steps.php: replaces the steps (validated JSON text) if the state allows. */
enum rc campaign_replace_steps(struct store *st, int64_t user_id, int64_t id, const char *steps,
                               struct err *err);

/* ---- the sender's rules --------------------------------------------------- */

enum { CAMPAIGN_SEND_COST = 1, CAMPAIGN_RETRY_MAX = 5 };
extern const char CAMPAIGN_SEND_ENDPOINT[];    /* "campaign_send", the ledger's name */
extern const char CAMPAIGN_NO_CREDITS_REASON[]; /* why the sender paused a campaign */

/* The start of now's UTC day: daily limits count claims since then. */
int64_t campaign_day_start(int64_t now);
/* How many emails this run may claim for the campaign (batch and day). */
int64_t campaign_run_quota(const struct send_campaign *c);
/* How long a run holds the due recipients it takes (send_lease): as long as
 * two sends may take, each within send_timeout seconds (after twice that a
 * send counts as interrupted). The claim is the check, so a lease only keeps
 * concurrent workers off each other's batches: a recipient not claimed by
 * then is due again, and a worker that dies holding a lease loses nobody. */
int64_t campaign_lease(int64_t send_timeout);
/* The next account with room today that is ready at now (ready_at), round
 * robin from *cursor (advanced); NULL when none is, with *wait_until the
 * earliest moment one will be (0 when every account is full or unusable). */
struct send_account *campaign_next_account(struct send_account *accounts, size_t n,
                                           size_t *cursor, int64_t now, int64_t *wait_until);
/* The claim the store must make for this recipient through this account. */
void campaign_claim_prepare(const struct send_campaign *c, const struct send_account *account,
                            const struct send_recipient *r, const char *message_id, int64_t now,
                            struct send_claim *out);

enum send_outcome {
    SEND_OUTCOME_SENT,     /* accepted (2xx) */
    SEND_OUTCOME_BOUNCED,  /* refused for good (5xx) after the message was handed over */
    SEND_OUTCOME_REFUSED,  /* refused for good (5xx) before it was: RCPT, so not charged */
    SEND_OUTCOME_DEFERRED, /* 4xx or no connection: retry with back-off */
    SEND_OUTCOME_COUNT
};

/* Where the recipient stood when it was claimed. */
struct send_progress {
    int64_t send_id, step, attempts, steps_count;
    int64_t next_delay_days; /* delay_days of step + 1 (ignored after the last step) */
};

/* The delay before retry number attempts + 1 (attempts >= 0). */
int64_t campaign_backoff(int64_t attempts);
/* What the store records for an outcome: the send's state, refund, and the
 * recipient's status, step, attempts and next due time. */
void campaign_outcome(const struct send_progress *p, enum send_outcome outcome, int64_t smtp_code,
                      const char *reason, int64_t now, struct send_result *out);
/* Active -> completed once no recipient is pending or in progress. */
enum rc campaign_complete_if_done(struct store *st, int64_t user_id, int64_t id, int64_t now,
                                  bool *completed, struct err *err);

#endif
