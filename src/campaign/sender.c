/* One sender run: reconcile interrupted sends, read inboxes, then for each
 * active campaign with due recipients: lease a batch (other workers take
 * others), per recipient pick an account (rotation, daily limit, window,
 * gap), render, claim (charge and count in one store transaction), hand the
 * message to the account's SMTP server, record the outcome; give back what
 * was not claimed. The rules (quotas, lease, outcomes, back-off, completion)
 * are campaign.c's. */
#include "campaign/sender_int.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/webhooks.h"
#include "campaign/campaign.h"
#include "campaign/message.h"
#include "campaign/unsubscribe.h"
#include "campaign/window.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CAMPAIGNS_PER_RUN = 1000, UNFINISHED_PER_RUN = 1000, ACCOUNT_WAIT_MAX = 120 };

struct step {
    const char *subject, *body;
    int64_t delay_days;
};

/* What a run knows while it works on one campaign. */
struct campaign_run {
    struct store *st;
    const struct sender_options *o;
    const unsigned char *key;
    struct sender_stats *stats;
    struct arena *a;
    const struct send_campaign *c;
    struct step *steps;
    size_t steps_count;
    struct send_account *accounts;
    struct mail_session **sessions; /* per account, opened on first use */
    size_t accounts_count, cursor;
};

enum next { NEXT_RECIPIENT, NEXT_CAMPAIGN };

/* ---- steps and accounts ------------------------------------------------------ */

static size_t parse_steps(const char *json, struct arena *a, struct step **out)
{
    json_t *doc = json_loads(json ? json : "[]", 0, NULL);
    size_t n = json_is_array(doc) ? json_array_size(doc) : 0;
    struct step *steps = arena_alloc(a, (n ? n : 1) * sizeof *steps);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(doc, i);
        const char *subject = json_string_value(json_object_get(s, "subject"));
        const char *body = json_string_value(json_object_get(s, "body"));
        steps[i] = (struct step){arena_strdup(a, subject ? subject : ""),
                                 arena_strdup(a, body ? body : ""),
                                 json_integer_value(json_object_get(s, "delay_days"))};
    }
    json_decref(doc);
    *out = steps;
    return n;
}

/* When an account may send next: never this run outside its window or when
 * it is not in a state to send; otherwise after its gap. */
static int64_t ready_at(const struct account *acc, int64_t last_claimed_at, int64_t now)
{
    if (strcmp(acc->state, "ok") != 0) return INT64_MAX;
    if (acc->send_window && *acc->send_window) {
        struct window w;
        struct err err = {0};
        bool open = false;
        if (window_parse(acc->send_window, acc->timezone, &w, &err) != RC_OK ||
            window_is_open(&w, now, &open, &err) != RC_OK) {
            log_warn("sender: account %lld: %s", (long long)acc->id, err.msg);
            return INT64_MAX;
        }
        if (!open) return INT64_MAX;
    }
    if (!last_claimed_at) return 0;
    uint32_t extra = acc->max_extra > 0 ? randombytes_uniform((uint32_t)acc->max_extra + 1) : 0;
    return last_claimed_at + acc->min_gap + extra;
}

static struct mail_session *session_of(struct campaign_run *r, size_t i, struct err *err)
{
    if (r->sessions[i]) return r->sessions[i];
    struct mail_server smtp;
    struct imap_server imap;
    bool has_imap;
    const struct account *acc = &r->accounts[i].account;
    enum rc rc = sender_account_servers(r->o, acc, r->key, r->a, &smtp, &imap, &has_imap, err);
    if (rc == RC_FORBIDDEN) sender_account_revoked(r->st, acc, err->msg);
    if (rc != RC_OK) return NULL;
    r->sessions[i] = mail_session_new(&smtp);
    return r->sessions[i];
}

/* ---- one message ------------------------------------------------------------- */

static struct tpl_vars lead_vars(const struct send_recipient *r)
{
    struct tpl_vars v = {{0}};
    v.values[TPL_FIRSTNAME] = r->firstname;
    v.values[TPL_LASTNAME] = r->lastname;
    v.values[TPL_COMPANY] = r->company;
    v.values[TPL_WEBSITE] = r->website;
    v.values[TPL_EMAIL] = r->email;
    v.values[TPL_PHONES] = r->phones;
    v.values[TPL_DESCRIPTION] = r->description;
    return v;
}

const char *sender_unsubscribe_url(const struct sender_options *o, struct arena *a,
                                   int64_t campaign_id, int64_t lead_id)
{
    return arena_sprintf(a, "%s/u/%s", o->public_url,
                         unsub_token(a, o->link_key, o->link_key_len, campaign_id, lead_id));
}

/* The recipient's message for its current step; follow-ups thread under the
 * earlier ones and reuse the first subject, rendered again from its seed. */
static enum rc render(struct campaign_run *r, const struct send_recipient *rcpt,
                      const struct account *acc, const char *message_id, struct msg_output *out,
                      struct err *err)
{
    struct msg_input in = {
        .lead = lead_vars(rcpt),
        .from_addr = acc->address,
        .from_name = acc->display_name,
        .to_addr = rcpt->email,
        .message_id = message_id,
        .unsubscribe_url = sender_unsubscribe_url(r->o, r->a, r->c->id, rcpt->lead_id),
        .date = (time_t)clock_now(),
    };
    if (rcpt->step > 0) {
        struct msg_input first = in;
        first.subject = r->steps[0].subject;
        first.body_html = r->steps[0].body;
        first.seed = msg_seed(r->c->id, rcpt->id, 0);
        struct msg_output first_out;
        enum rc rc = msg_render(&first, r->a, &first_out, err);
        if (rc != RC_OK) return rc;
        in.first_subject = first_out.subject;
        const char **ids = NULL;
        rc = r->st->ops->send_thread(r->st, rcpt->id, r->a, &ids, &in.earlier_count, err);
        if (rc != RC_OK) return rc;
        in.earlier_ids = ids;
    }
    in.subject = r->steps[rcpt->step].subject;
    in.body_html = r->steps[rcpt->step].body;
    in.seed = msg_seed(r->c->id, rcpt->id, (int)rcpt->step);
    return msg_render(&in, r->a, out, err);
}

/* The claim was refused: what the refusal means for this run. */
static enum next claim_refused(struct campaign_run *r, struct send_account *acc, enum rc rc,
                               const struct err *err)
{
    if (rc == RC_NO_CREDITS) {
        const char *status;
        struct err perr = {0};
        if (campaign_apply(r->st, r->c->user_id, r->c->id, CAMPAIGN_PAUSE,
                           CAMPAIGN_NO_CREDITS_REASON, clock_now(), &status, &perr) == RC_OK) {
            r->stats->paused++;
            log_info("sender: campaign %lld paused: %s", (long long)r->c->id,
                     CAMPAIGN_NO_CREDITS_REASON);
        }
        return NEXT_CAMPAIGN;
    }
    if (rc == RC_FORBIDDEN && strncmp(err->msg, "account", 7) == 0) {
        acc->claimed_today = acc->account.daily_limit; /* another process filled it */
        return NEXT_RECIPIENT;
    }
    if (rc == RC_FORBIDDEN || (rc == RC_CONFLICT && strstr(err->msg, "no longer")))
        return NEXT_CAMPAIGN; /* the day's limit, or paused or cancelled meanwhile */
    if (rc == RC_DB) log_error("sender: claim: %s", err->msg);
    return NEXT_RECIPIENT; /* claimed by another process, or unsubscribed meanwhile */
}

static enum send_outcome outcome_of(const struct mail_result *m)
{
    if (m->outcome == MAIL_SENT) return SEND_OUTCOME_SENT;
    if (m->outcome != MAIL_REJECTED) return SEND_OUTCOME_DEFERRED;
    return m->after_data ? SEND_OUTCOME_BOUNCED : SEND_OUTCOME_REFUSED;
}

static void count(struct sender_stats *s, enum send_outcome o, const struct send_result *res)
{
    if (o == SEND_OUTCOME_SENT) s->sent++;
    else if (o == SEND_OUTCOME_BOUNCED || o == SEND_OUTCOME_REFUSED) s->bounced++;
    else if (strcmp(res->state, "failed") == 0) s->failed++;
    else s->deferred++;
}

static void record(struct campaign_run *r, const struct send_recipient *rcpt, int64_t send_id,
                   enum send_outcome outcome, int64_t code, const char *reason)
{
    struct send_progress p = {
        .send_id = send_id,
        .step = rcpt->step,
        .attempts = rcpt->attempts,
        .steps_count = (int64_t)r->steps_count,
        .next_delay_days =
            rcpt->step + 1 < (int64_t)r->steps_count ? r->steps[rcpt->step + 1].delay_days : 0,
    };
    struct send_result res;
    campaign_outcome(&p, outcome, code, reason, clock_now(), &res);
    struct err err = {0};
    if (r->st->ops->send_record(r->st, &res, &err) != RC_OK)
        log_error("sender: recording send %lld: %s", (long long)send_id, err.msg);
    else if (outcome == SEND_OUTCOME_SENT || outcome == SEND_OUTCOME_BOUNCED)
        webhooks_emit_campaign(r->st, r->c->user_id,
                               outcome == SEND_OUTCOME_SENT ? "email.sent" : "email.bounced",
                               r->c->id, rcpt->id, rcpt->email, rcpt->step);
    count(r->stats, outcome, &res);
}

static void stop_recipient(struct campaign_run *r, const struct send_recipient *rcpt,
                           const char *status, const char *reason)
{
    struct err err = {0};
    if (r->st->ops->recipient_stop(r->st, rcpt->id, status, reason, false, clock_now(), &err) !=
        RC_OK)
        log_error("sender: stopping recipient %lld: %s", (long long)rcpt->id, err.msg);
}

static enum next send_one(struct campaign_run *r, struct send_recipient *rcpt,
                          struct send_account *sa, size_t box)
{
    const struct account *acc = &sa->account;
    struct err err = {0};
    struct mail_session *session = session_of(r, box, &err);
    if (!session) {
        sa->ready_at = INT64_MAX;
        log_warn("sender: account %lld cannot send this run: %s", (long long)acc->id, err.msg);
        return NEXT_RECIPIENT;
    }
    const char *message_id = msg_make_id(r->a, acc->address);
    struct msg_output msg;
    if (render(r, rcpt, acc, message_id, &msg, &err) != RC_OK) {
        log_error("sender: campaign %lld recipient %lld: %s", (long long)r->c->id,
                  (long long)rcpt->id, err.msg);
        stop_recipient(r, rcpt, "failed", err.msg);
        return NEXT_RECIPIENT;
    }
    int64_t now = clock_now(), send_id = 0;
    struct send_claim claim;
    campaign_claim_prepare(r->c, sa, rcpt, message_id, now, &claim);
    enum rc rc = r->st->ops->send_claim(r->st, &claim, &send_id, &err);
    if (rc != RC_OK) return claim_refused(r, sa, rc, &err);
    rcpt->lease_until = 0; /* spent: not given back at the end of the batch */
    /* claimed and charged: from here until record() the send row says 'sending' */
    struct mail_result res;
    mail_send(session, acc->address, rcpt->email, msg.data, msg.len, &res);
    sa->claimed_today++;
    sa->ready_at = ready_at(acc, now, now);
    if (res.outcome == MAIL_ACCOUNT) sa->ready_at = INT64_MAX;
    record(r, rcpt, send_id, outcome_of(&res), res.code, res.message);
    return NEXT_RECIPIENT;
}

/* ---- one campaign ------------------------------------------------------------ */

/* The next account for a recipient, waiting out a short gap when no other is ready. */
static struct send_account *pick_account(struct campaign_run *r, size_t *box)
{
    for (;;) {
        int64_t now = clock_now(), wait_until = 0;
        struct send_account *sa =
            campaign_next_account(r->accounts, r->accounts_count, &r->cursor, now, &wait_until);
        if (sa) {
            *box = (size_t)(sa - r->accounts);
            return sa;
        }
        if (!wait_until || wait_until - now > ACCOUNT_WAIT_MAX || !r->o->wait ||
            !r->o->wait(r->o->wait_ctx, wait_until - now))
            return NULL;
    }
}

static void run_campaign(struct campaign_run *r)
{
    int64_t now = clock_now(), quota = campaign_run_quota(r->c);
    int64_t send_timeout = r->o->timeout_ms / 1000;
    struct err err = {0};
    r->steps_count = parse_steps(r->c->steps, r->a, &r->steps);
    struct send_recipient *due = NULL;
    size_t n = 0;
    if (quota <= 0 || r->steps_count == 0 ||
        r->st->ops->send_accounts(r->st, r->c->id, campaign_day_start(now), r->a, &r->accounts,
                                  &r->accounts_count, &err) != RC_OK ||
        r->st->ops->send_lease(r->st, r->c->id, now, quota, now + campaign_lease(send_timeout),
                               r->a, &due, &n, &err) != RC_OK) {
        if (err.msg[0]) log_error("sender: campaign %lld: %s", (long long)r->c->id, err.msg);
        return;
    }
    r->sessions = arena_alloc(r->a, (r->accounts_count + 1) * sizeof *r->sessions);
    for (size_t i = 0; i < r->accounts_count; i++)
        r->accounts[i].ready_at =
            ready_at(&r->accounts[i].account, r->accounts[i].last_claimed_at, now);
    for (size_t i = 0; i < n; i++) {
        if (due[i].suppressed) {
            stop_recipient(r, &due[i], "unsubscribed", "the address is on the suppression list");
            continue;
        }
        if (due[i].step >= (int64_t)r->steps_count) continue;
        size_t box;
        struct send_account *sa = pick_account(r, &box);
        if (!sa || send_one(r, &due[i], sa, box) == NEXT_CAMPAIGN) break;
    }
    /* what this run did not claim is due again now, not when the lease ends */
    if (r->st->ops->send_release(r->st, due, n, &err) != RC_OK)
        log_error("sender: campaign %lld: %s", (long long)r->c->id, err.msg);
    for (size_t i = 0; i < r->accounts_count; i++) mail_session_free(r->sessions[i]);
}

void sender_complete_if_done(struct store *st, int64_t user_id, int64_t campaign_id,
                             struct sender_stats *stats)
{
    bool completed = false;
    struct err err = {0};
    if (campaign_complete_if_done(st, user_id, campaign_id, clock_now(), &completed, &err) !=
        RC_OK)
        log_error("sender: completing campaign %lld: %s", (long long)campaign_id, err.msg);
    if (completed) {
        webhooks_emit_campaign(st, user_id, "campaign.completed", campaign_id, 0, NULL, -1);
        stats->completed++;
        log_info("sender: campaign %lld completed", (long long)campaign_id);
    }
}

static enum rc send_campaigns(struct store *st, const struct sender_options *o,
                              const unsigned char *key, struct sender_stats *stats,
                              struct err *err)
{
    struct arena list_arena;
    arena_init(&list_arena);
    int64_t now = clock_now();
    struct send_campaign *due = NULL;
    size_t n = 0;
    enum rc rc = st->ops->send_due(st, "active", now, campaign_day_start(now), CAMPAIGNS_PER_RUN,
                                   &list_arena, &due, &n, err);
    for (size_t i = 0; rc == RC_OK && i < n; i++) {
        struct arena a;
        arena_init(&a);
        struct campaign_run r = {.st = st, .o = o, .key = key, .stats = stats, .a = &a, .c = &due[i]};
        run_campaign(&r);
        sender_complete_if_done(st, due[i].user_id, due[i].id, stats);
        arena_cleanup(&a);
    }
    arena_cleanup(&list_arena);
    return rc;
}

/* ---- reconciliation ----------------------------------------------------------- */

/* What became of a send a crash interrupted. Gmail keeps what it sent in a
 * folder the sender can search, so there the answer is known; other servers
 * say nothing, so the send counts as delivered: a person never gets the same
 * step twice, and the recipient moves on with the reason recorded. */
static bool interrupted_outcome(struct store *st, const struct sender_options *o,
                                const unsigned char *key, const struct send_unfinished *u,
                                struct arena *a, enum send_outcome *outcome, const char **reason)
{
    struct send_account *accounts = NULL;
    size_t n = 0;
    struct err err = {0};
    *outcome = SEND_OUTCOME_SENT;
    *reason = "interrupted while sending; counted as delivered so it is never sent twice";
    if (st->ops->send_accounts(st, u->campaign_id, 0, a, &accounts, &n, &err) != RC_OK)
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct account *acc = &accounts[i].account;
        if (acc->id != u->account_id || strcmp(acc->type, "gmail") != 0) continue;
        struct mail_server smtp;
        struct imap_server imap;
        bool has_imap = false, known = false;
        if (sender_account_servers(o, acc, key, a, &smtp, &imap, &has_imap, &err) != RC_OK)
            return false; /* ask again next run */
        bool found = sender_sent_folder_has(o, &imap, u->message_id, &known);
        if (!known) return false;
        *outcome = found ? SEND_OUTCOME_SENT : SEND_OUTCOME_DEFERRED;
        *reason = found ? "interrupted while sending; found in the sent folder"
                        : "interrupted before the server took it; sent again later";
    }
    return true;
}

static void reconcile_one(struct store *st, const struct sender_options *o,
                          const unsigned char *key, const struct send_unfinished *u,
                          struct sender_stats *stats)
{
    struct arena a;
    arena_init(&a);
    enum send_outcome outcome;
    const char *reason;
    if (!interrupted_outcome(st, o, key, u, &a, &outcome, &reason)) goto out;
    struct step *steps;
    size_t steps_count = parse_steps(u->steps, &a, &steps);
    struct send_progress p = {
        .send_id = u->send_id,
        .step = u->step,
        .attempts = u->attempts,
        .steps_count = (int64_t)steps_count,
        .next_delay_days = u->step + 1 < (int64_t)steps_count ? steps[u->step + 1].delay_days : 0,
    };
    struct send_result res;
    campaign_outcome(&p, outcome, 0, reason, clock_now(), &res);
    struct err err = {0};
    if (st->ops->send_record(st, &res, &err) != RC_OK) {
        log_error("sender: reconciling send %lld: %s", (long long)u->send_id, err.msg);
        goto out;
    }
    stats->reconciled++;
    log_warn("sender: send %lld (%s) %s", (long long)u->send_id, u->message_id, reason);
    sender_complete_if_done(st, u->user_id, u->campaign_id, stats);
out:
    arena_cleanup(&a);
}

static enum rc reconcile(struct store *st, const struct sender_options *o,
                         const unsigned char *key, struct sender_stats *stats, struct err *err)
{
    struct arena a;
    arena_init(&a);
    struct send_unfinished *list = NULL;
    size_t n = 0;
    int64_t before = clock_now() - o->reconcile_after;
    enum rc rc = st->ops->send_unfinished(st, UNFINISHED_PER_RUN, &a, &list, &n, err);
    for (size_t i = 0; rc == RC_OK && i < n; i++)
        if (list[i].claimed_at < before) reconcile_one(st, o, key, &list[i], stats);
    arena_cleanup(&a);
    return rc;
}

/* ---- a run --------------------------------------------------------------------- */

enum rc sender_run(struct store *st, const struct sender_options *o, struct sender_stats *stats,
                   struct err *err)
{
    *stats = (struct sender_stats){0};
    unsigned char key[SECRETS_KEY_LEN];
    enum rc rc = secrets_key(st, key, err);
    if (rc == RC_OK) rc = reconcile(st, o, key, stats, err);
    if (rc == RC_OK) rc = sender_poll_inboxes(st, o, key, stats, err);
    if (rc == RC_OK) rc = send_campaigns(st, o, key, stats, err);
    sodium_memzero(key, sizeof key);
    return rc;
}
