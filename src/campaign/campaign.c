/* Campaign rules: the state table and its messages, launch eligibility, the
 * steps rule, and the sender's rules. State changes are compare-and-set in
 * the store; when another writer got there first, the rule is asked again. */
#include "campaign/campaign.h"

#include "base/mem.h"
#include "campaign/steps.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

enum { CAS_TRIES = 4, DAY = 86400 };

#define STATE_BIT(s_) (1u << (s_))

static const char *const state_names[CAMPAIGN_STATE_COUNT] = {
    [CAMPAIGN_DRAFT] = "draft",         [CAMPAIGN_ACTIVE] = "active",
    [CAMPAIGN_PAUSED] = "paused",       [CAMPAIGN_CANCELLED] = "cancelled",
    [CAMPAIGN_COMPLETED] = "completed",
};

/* The state machine of the reference (Control Campaign), plus the sender's
 * completion. from: the states the action applies to, tried in bit order. */
static const struct {
    const char *name;
    unsigned from;
    enum campaign_state to;
    bool control; /* accepted by control.php */
} actions[CAMPAIGN_ACTION_COUNT] = {
    [CAMPAIGN_LAUNCH] = {"launch", STATE_BIT(CAMPAIGN_DRAFT), CAMPAIGN_ACTIVE, false},
    [CAMPAIGN_PAUSE] = {"pause", STATE_BIT(CAMPAIGN_ACTIVE), CAMPAIGN_PAUSED, true},
    [CAMPAIGN_RESUME] = {"resume", STATE_BIT(CAMPAIGN_PAUSED), CAMPAIGN_ACTIVE, true},
    [CAMPAIGN_CANCEL] = {"cancel", STATE_BIT(CAMPAIGN_ACTIVE) | STATE_BIT(CAMPAIGN_PAUSED),
                         CAMPAIGN_CANCELLED, true},
    [CAMPAIGN_COMPLETE] = {"complete", STATE_BIT(CAMPAIGN_ACTIVE), CAMPAIGN_COMPLETED, false},
};

static const unsigned steps_editable = STATE_BIT(CAMPAIGN_DRAFT) | STATE_BIT(CAMPAIGN_PAUSED);

const char CAMPAIGN_CONTROL_ACTIONS_MSG[] =
    "Parameter 'action' must be one of: pause, resume, cancel.";
const char CAMPAIGN_SEND_ENDPOINT[] = "campaign_send";
const char CAMPAIGN_NO_CREDITS_REASON[] = "no credits: the balance is 0";

/* ---- the table ------------------------------------------------------------- */

const char *campaign_state_name(enum campaign_state s)
{
    return s < CAMPAIGN_STATE_COUNT ? state_names[s] : "unknown";
}

bool campaign_state_parse(const char *name, enum campaign_state *out)
{
    for (int s = 0; s < CAMPAIGN_STATE_COUNT; s++)
        if (strcmp(state_names[s], name) == 0) {
            *out = (enum campaign_state)s;
            return true;
        }
    return false;
}

const char *campaign_action_name(enum campaign_action a)
{
    return a < CAMPAIGN_ACTION_COUNT ? actions[a].name : "unknown";
}

bool campaign_control_action(const char *name, enum campaign_action *out)
{
    for (int a = 0; a < CAMPAIGN_ACTION_COUNT; a++)
        if (actions[a].control && strcmp(actions[a].name, name) == 0) {
            *out = (enum campaign_action)a;
            return true;
        }
    return false;
}

/* The refusal users read, naming the state the campaign is in. */
static void refusal(enum campaign_action action, int64_t id, const char *state, char *why,
                    size_t why_len)
{
    if (action == CAMPAIGN_LAUNCH)
        snprintf(why, why_len, "Campaign %lld is %s; only a draft campaign can be launched.",
                 (long long)id, state);
    else
        snprintf(why, why_len, "Cannot %s campaign %lld: it is %s.", actions[action].name,
                 (long long)id, state);
}

bool campaign_transition(enum campaign_action action, int64_t id, enum campaign_state from,
                         enum campaign_state *to, char *why, size_t why_len)
{
    if (actions[action].from & STATE_BIT(from)) {
        *to = actions[action].to;
        return true;
    }
    refusal(action, id, campaign_state_name(from), why, why_len);
    return false;
}

bool campaign_steps_editable(enum campaign_state s)
{
    return (steps_editable & STATE_BIT(s)) != 0;
}

/* The first state in mask: where a compare-and-set starts guessing. */
static enum campaign_state first_state(unsigned mask)
{
    for (int s = 0; s < CAMPAIGN_STATE_COUNT; s++)
        if (mask & STATE_BIT(s)) return (enum campaign_state)s;
    return CAMPAIGN_DRAFT;
}

/* ---- changes --------------------------------------------------------------- */

static enum rc refuse(struct err *err, enum campaign_action action, int64_t id, const char *state)
{
    char why[200];
    refusal(action, id, state, why, sizeof why);
    return err_set(err, RC_INVALID, "%s", why);
}

/* Compare-and-set from the guessed state; on a conflict the rule is asked
 * again with the state the store reports, so a concurrent change is judged,
 * never overwritten. */
static enum rc apply_from(struct store *st, int64_t user_id, int64_t id,
                          enum campaign_action action, enum campaign_state guess,
                          struct campaign_status_change *change, int64_t *recipients,
                          struct err *err)
{
    change->to = state_names[actions[action].to];
    for (int tries = 0; tries < CAS_TRIES; tries++) {
        char current[STORE_STATUS_LEN];
        struct err raw = {0};
        change->from = state_names[guess];
        enum rc rc =
            st->ops->campaign_set_status(st, user_id, id, change, recipients, current, &raw);
        if (rc == RC_INVALID && change->populate)
            return err_set(err, RC_INVALID,
                           "Campaign %lld: the project has no eligible leads (none, or all "
                           "invalid or unsubscribed).",
                           (long long)id);
        if (rc != RC_CONFLICT) return rc == RC_OK ? RC_OK : err_copy(err, &raw);
        enum campaign_state now_in, to;
        char why[200];
        if (!campaign_state_parse(current, &now_in)) return refuse(err, action, id, current);
        if (!campaign_transition(action, id, now_in, &to, why, sizeof why))
            return err_set(err, RC_INVALID, "%s", why);
        guess = now_in;
    }
    return err_set(err, RC_CONFLICT, "campaign %lld keeps changing; try again", (long long)id);
}

enum rc campaign_apply(struct store *st, int64_t user_id, int64_t id, enum campaign_action action,
                       const char *reason, int64_t now, const char **status, struct err *err)
{
    struct campaign_status_change change = {.reason = reason ? reason : "", .now = now};
    int64_t recipients = 0;
    enum rc rc = apply_from(st, user_id, id, action, first_state(actions[action].from), &change,
                            &recipients, err);
    if (rc == RC_OK) *status = state_names[actions[action].to];
    return rc;
}

/* Launch validates again: steps may predate a rule, accounts may be gone. */
static enum rc launchable(const struct campaign *c, struct err *err)
{
    json_t *steps = json_loads(c->steps, 0, NULL);
    char why[512];
    bool ok = steps_validate(steps, 0, false, why, sizeof why);
    json_decref(steps);
    if (!ok)
        return err_set(err, RC_INVALID, "Campaign %lld cannot launch: %s.", (long long)c->id, why);
    if (c->accounts_count == 0)
        return err_set(err, RC_INVALID, "Campaign %lld cannot launch: it has no sending accounts.",
                       (long long)c->id);
    return RC_OK;
}

enum rc campaign_launch(struct store *st, int64_t user_id, int64_t id, int64_t now,
                        int64_t *recipients, struct err *err)
{
    struct arena a;
    arena_init(&a);
    struct campaign c;
    enum campaign_state state, to;
    char why[200];
    *recipients = 0;
    enum rc rc = st->ops->campaign_get(st, user_id, id, campaign_day_start(now), &a, &c, err);
    if (rc != RC_OK) goto out;
    if (!campaign_state_parse(c.status, &state)) {
        rc = refuse(err, CAMPAIGN_LAUNCH, id, c.status);
        goto out;
    }
    if (!campaign_transition(CAMPAIGN_LAUNCH, id, state, &to, why, sizeof why)) {
        rc = err_set(err, RC_INVALID, "%s", why);
        goto out;
    }
    rc = launchable(&c, err);
    if (rc != RC_OK) goto out;
    struct campaign_status_change change = {.reason = "", .now = now, .populate = true};
    rc = apply_from(st, user_id, id, CAMPAIGN_LAUNCH, state, &change, recipients, err);
out:
    arena_cleanup(&a);
    return rc;
}

enum rc campaign_replace_steps(struct store *st, int64_t user_id, int64_t id, const char *steps,
                               struct err *err)
{
    enum campaign_state guess = first_state(steps_editable);
    for (int tries = 0; tries < CAS_TRIES; tries++) {
        char current[STORE_STATUS_LEN];
        struct err raw = {0};
        enum rc rc = st->ops->campaign_set_steps(st, user_id, id, state_names[guess], steps,
                                                 current, &raw);
        if (rc != RC_CONFLICT) return rc == RC_OK ? RC_OK : err_copy(err, &raw);
        if (!campaign_state_parse(current, &guess) || !campaign_steps_editable(guess))
            return err_set(err, RC_INVALID,
                           "Campaign %lld is %s; steps can be replaced only while it is draft or "
                           "paused.",
                           (long long)id, current);
    }
    return err_set(err, RC_CONFLICT, "campaign %lld keeps changing; try again", (long long)id);
}

/* ---- the sender's rules ---------------------------------------------------- */

int64_t campaign_day_start(int64_t now)
{
    return now - now % DAY;
}

int64_t campaign_run_quota(const struct send_campaign *c)
{
    int64_t left_today = c->daily_limit - c->claimed_today;
    int64_t quota = c->batch_size < left_today ? c->batch_size : left_today;
    return quota > 0 ? quota : 0;
}

int64_t campaign_lease(int64_t send_timeout)
{
    return 2 * (send_timeout > 0 ? send_timeout : 1);
}

struct send_account *campaign_next_account(struct send_account *accounts, size_t n,
                                           size_t *cursor, int64_t now, int64_t *wait_until)
{
    *wait_until = 0;
    for (size_t i = 0; i < n; i++) {
        struct send_account *a = &accounts[(*cursor + i) % n];
        if (a->claimed_today >= a->account.daily_limit || a->ready_at == INT64_MAX) continue;
        if (a->ready_at <= now) {
            *cursor = (*cursor + i + 1) % n;
            return a;
        }
        if (!*wait_until || a->ready_at < *wait_until) *wait_until = a->ready_at;
    }
    return NULL;
}

void campaign_claim_prepare(const struct send_campaign *c, const struct send_account *account,
                            const struct send_recipient *r, const char *message_id, int64_t now,
                            struct send_claim *out)
{
    *out = (struct send_claim){
        .campaign_id = c->id,
        .recipient_id = r->id,
        .step = r->step,
        .lease_until = r->lease_until,
        .account_id = account->account.id,
        .message_id = message_id,
        .campaign_status = state_names[CAMPAIGN_ACTIVE],
        .recipient_status = "in_progress",
        .campaign_limit = c->daily_limit,
        .account_limit = account->account.daily_limit,
        .cost = CAMPAIGN_SEND_COST,
        .endpoint = CAMPAIGN_SEND_ENDPOINT,
        .now = now,
        .day_start = campaign_day_start(now),
    };
}

/* Retry n + 1 waits backoff[n]; after CAMPAIGN_RETRY_MAX failures the recipient fails. */
static const int64_t backoff[CAMPAIGN_RETRY_MAX] = {15 * 60, 60 * 60, 4 * 3600, 12 * 3600, DAY};

int64_t campaign_backoff(int64_t attempts)
{
    if (attempts < 0) attempts = 0;
    return backoff[attempts < CAMPAIGN_RETRY_MAX ? attempts : CAMPAIGN_RETRY_MAX - 1];
}

/* Per outcome: the send's state and whether the credit is kept. A bounce
 * was tried (and tells something about the lead); a deferral delivered nothing. */
static const struct {
    const char *state;
    bool charged;
} outcomes[SEND_OUTCOME_COUNT] = {
    [SEND_OUTCOME_SENT] = {"sent", true},
    [SEND_OUTCOME_BOUNCED] = {"bounced", true},
    /* 1 credit per email handed to the mail server: a refused RCPT hands nothing over */
    [SEND_OUTCOME_REFUSED] = {"bounced", false},
    [SEND_OUTCOME_DEFERRED] = {"deferred", false},
};

void campaign_outcome(const struct send_progress *p, enum send_outcome outcome, int64_t smtp_code,
                      const char *reason, int64_t now, struct send_result *out)
{
    *out = (struct send_result){
        .send_id = p->send_id,
        .state = outcomes[outcome].state,
        .smtp_code = smtp_code,
        .reason = reason ? reason : "",
        .refund = !outcomes[outcome].charged,
        .recipient_step = p->step,
        .now = now,
    };
    if (outcome == SEND_OUTCOME_SENT) {
        bool last = p->step + 1 >= p->steps_count;
        out->recipient_status = last ? "completed" : "in_progress";
        out->recipient_step = last ? p->step : p->step + 1;
        out->next_send_at = last ? 0 : now + p->next_delay_days * DAY;
        out->last_sent_at = now;
    } else if (outcome == SEND_OUTCOME_BOUNCED || outcome == SEND_OUTCOME_REFUSED) {
        out->recipient_status = "bounced";
    } else if (p->attempts + 1 < CAMPAIGN_RETRY_MAX) {
        out->recipient_status = p->step == 0 ? "pending" : "in_progress";
        out->attempts = p->attempts + 1;
        out->next_send_at = now + campaign_backoff(p->attempts);
    } else {
        out->state = "failed";
        out->recipient_status = "failed";
        out->attempts = p->attempts + 1;
    }
}

enum rc campaign_complete_if_done(struct store *st, int64_t user_id, int64_t id, int64_t now,
                                  bool *completed, struct err *err)
{
    struct arena a;
    arena_init(&a);
    struct campaign c;
    *completed = false;
    enum rc rc = st->ops->campaign_get(st, user_id, id, campaign_day_start(now), &a, &c, err);
    bool done = rc == RC_OK && strcmp(c.status, state_names[CAMPAIGN_ACTIVE]) == 0 &&
                c.stats.pending + c.stats.in_progress == 0;
    arena_cleanup(&a);
    if (!done) return rc;
    /* recipients only ever leave pending and in_progress, so done stays done */
    const char *status;
    struct err raw = {0};
    rc = campaign_apply(st, user_id, id, CAMPAIGN_COMPLETE, "", now, &status, &raw);
    *completed = rc == RC_OK;
    return rc == RC_INVALID ? RC_OK : rc == RC_OK ? RC_OK : err_copy(err, &raw);
}
