/* Copying a whole store into another (`leadgen store copy`), backend to
 * backend, as row streams per table. The tables are a list: a new table is one
 * row below, in an order where every table comes after those it refers to. */
#include "store/store_int.h"

#include <string.h>

enum { COPY_BATCH = 2000 };

/* Parents before children (foreign keys hold at every insert). campaign_counts
 * is not here: the target's triggers rebuild it as campaigns, recipients and
 * sends arrive. */
static const struct store_table store_tables[] = {
    {"meta", "key, value", "tt", 1, NULL, false},
    {"users", "id, email, credits, created_at, password_hash", "itiit", 1, "id", false},
    {"api_keys", "key_hash, user_id, source, checked_at, created_at, last_used_at", "tiiiii", 1,
     NULL, false},
    {"credit_ledger",
     "id, user_id, endpoint, amount, reserved, state, request_id, created_at, holder", "iitiittit",
     1, "id", false},
    {"web_sessions", "token_hash, user_id, csrf, oauth_state, created_at, expires_at", "tittii", 1,
     NULL, false},
    {"webhook_secrets", "user_id, secret, created_at", "iti", 1, NULL, false},
    {"async_jobs",
     "id, user_id, endpoint, file, method, args, webhook_url, status, runner, created_at, "
     "started_at, finished_at, result",
     "tittittttiiit", 1, NULL, false},
    {"webhooks", "id, user_id, url, events, created_at", "iitti", 1, "id", false},
    {"webhook_outbox",
     "id, user_id, url, event, body, attempts, next_at, state, last_error, created_at",
     "iitttiitti", 1, "id", false},
    {"suppressions", "user_id, value, reason, created_at", "itti", 2, NULL, false},
    {"erasures", "hash, created_at", "ti", 1, NULL, false},
    {"cache", "key, endpoint, body, expires_at", "ttti", 1, NULL, false},
    {"email_sightings", "email, source, domain, first_seen, last_seen, person", "tttiit", 2, NULL,
     false},
    {"projects", "id, user_id, name, type, leads_count, created_at, name_fold", "iittiit", 1,
     "id", false},
    {"leads",
     "id, project_id, email, email_key, firstname, lastname, company, website, phones, "
     "description, verified, created_at, source",
     "iittttttttiit", 1, "id", false},
    {"accounts",
     "id, user_id, type, address, display_name, smtp_host, smtp_port, tls_mode, username, "
     "imap_host, imap_port, daily_limit, secret, created_at, send_window, timezone, min_gap, "
     "max_extra, state, state_reason, imap_uidvalidity, imap_last_uid",
     "iittttitttiitittiittii", 1, "id", false},
    {"campaigns",
     "id, user_id, project_id, name, status, created_at, steps, daily_limit, batch_size, "
     "launched_at, status_reason, launch_beat",
     "iiittitiiiti", 1, "id", false},
    {"campaign_accounts", "campaign_id, account_id, position", "iii", 2, NULL, false},
    {"recipients",
     "id, campaign_id, lead_id, email, status, current_step, attempts, reason, last_sent_at, "
     "next_send_at, changed_at",
     "iiittiitiii", 1, "id", false},
    {"sends",
     "id, campaign_id, recipient_id, account_id, step, message_id, state, ledger_id, smtp_code, "
     "reason, claimed_at, finished_at",
     "iiiiittiitii", 1, "id", false},
    {"recipes", "code, name, template, description, position", "tttti", 1, NULL, true},
    {"ads",
     "id, query_key, engine, domain, title_key, title, url, display_url, ad_text, position, "
     "first_seen, last_seen, contact_data, contact_checked_at",
     "ittttttttiiiti", 1, "id", false},
};
enum { TABLE_COUNT = sizeof store_tables / sizeof store_tables[0] };

const struct store_table *store_copy_tables(size_t *count)
{
    *count = TABLE_COUNT;
    return store_tables;
}

static enum rc require_empty(struct store *to, struct err *err)
{
    for (size_t i = 0; i < TABLE_COUNT; i++) {
        const struct store_table *t = &store_tables[i];
        int64_t n = 0;
        if (t->seeded) continue;
        enum rc rc = to->ops->table_count(to, t, &n, err);
        if (rc != RC_OK) return rc;
        if (n > 0)
            return err_set(err, RC_CONFLICT, "the target store is not empty (%s has %lld rows)",
                           t->name, (long long)n);
    }
    return RC_OK;
}

/* Pages through the source by key; two arenas take turns so the last row of
 * one batch (the next one's `after`) outlives the reading of the next. */
static enum rc copy_table(struct store *from, struct store *to, const struct store_table *t,
                          store_copy_progress *progress, void *ctx, int64_t *copied,
                          struct err *err)
{
    size_t ncols = strlen(t->types);
    int64_t total = 0;
    struct arena batches[2];
    arena_init(&batches[0]);
    arena_init(&batches[1]);
    const char *const *after = NULL;
    *copied = 0;
    enum rc rc = from->ops->table_count(from, t, &total, err);
    if (rc == RC_OK && t->seeded) rc = to->ops->table_clear(to, t, err);
    for (int turn = 0; rc == RC_OK; turn ^= 1) {
        const char **rows = NULL;
        size_t count = 0;
        arena_cleanup(&batches[turn]);
        rc = from->ops->table_read(from, t, after, COPY_BATCH, &batches[turn], &rows, &count, err);
        if (rc != RC_OK || count == 0) break;
        rc = to->ops->table_write(to, t, rows, count, err);
        *copied += (int64_t)count;
        after = rows + (count - 1) * ncols;
        if (progress) progress(ctx, t->name, *copied, total > *copied ? total : *copied);
    }
    if (rc == RC_OK) rc = to->ops->table_done(to, t, err);
    if (rc == RC_OK && progress) progress(ctx, t->name, *copied, *copied);
    arena_cleanup(&batches[0]);
    arena_cleanup(&batches[1]);
    return rc;
}

enum rc store_copy(struct store *from, struct store *to, store_copy_progress *progress,
                   void *ctx, struct arena *a, struct store_copy_count **counts, size_t *ntables,
                   struct err *err)
{
    struct store_copy_count *out = arena_alloc(a, TABLE_COUNT * sizeof *out);
    *counts = out;
    *ntables = 0;
    enum rc rc = require_empty(to, err);
    for (size_t i = 0; rc == RC_OK && i < TABLE_COUNT; i++) {
        struct err why = {0};
        out[i].table = store_tables[i].name;
        rc = copy_table(from, to, &store_tables[i], progress, ctx, &out[i].rows, &why);
        if (rc == RC_OK) *ntables = i + 1;
        else err_set(err, rc, "copying %s: %s", store_tables[i].name, why.msg);
    }
    return rc;
}
