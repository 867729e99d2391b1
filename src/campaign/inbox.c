/* Replies and bounces: every run reads each sending account's new inbox
 * messages (mail/imap.c), classifies them (mail/inbound.c) and stops the
 * recipient they are about. A reply is matched by the Message-IDs it refers
 * to, else by its sender's address; a delivery-status report by the returned
 * message's Message-ID, else by its Final-Recipient. Automatic replies change
 * nothing. */
#include "campaign/sender_int.h"

#include "base/log.h"
#include "core/webhooks.h"
#include "base/clock.h"
#include "mail/inbound.h"

#include <stdio.h>
#include <string.h>

enum { POLL_MAX_MESSAGES = 500, POLL_MAX_BYTES = 256 << 10 };

struct inbox {
    struct store *st;
    const struct account *acc;
    struct sender_stats *stats;
};

/* Statuses a reply or a bounce may still change (not a later stop). */
static bool stoppable(const char *status, bool bounce)
{
    return strcmp(status, "pending") == 0 || strcmp(status, "in_progress") == 0 ||
           (!bounce && strcmp(status, "completed") == 0);
}

static void stop(struct inbox *box, const struct inbound *in, const char *address,
                 const char *status, const char *reason, struct arena *a)
{
    struct send_match m;
    struct err err = {0};
    enum rc rc = box->st->ops->send_match(box->st, box->acc->id, in->refs, in->refs_count,
                                          address, a, &m, &err);
    if (rc == RC_NOT_FOUND) return;
    if (rc == RC_OK && !stoppable(m.status, strcmp(status, "bounced") == 0)) return;
    if (rc == RC_OK)
        rc = box->st->ops->recipient_stop(box->st, m.recipient_id, status, reason, false,
                                          clock_now(), &err);
    if (rc != RC_OK) {
        log_error("sender: recording a %s for account %lld: %s", status, (long long)box->acc->id,
                  err.msg);
        return;
    }
    if (strcmp(status, "replied") == 0) box->stats->replies++;
    else box->stats->bounce_reports++;
    webhooks_emit_campaign(box->st, m.user_id,
                           strcmp(status, "replied") == 0 ? "email.replied" : "email.bounced",
                           m.campaign_id, m.recipient_id, m.email, -1);
    sender_complete_if_done(box->st, m.user_id, m.campaign_id, box->stats);
    log_info("sender: campaign %lld recipient %lld %s", (long long)m.campaign_id,
             (long long)m.recipient_id, status);
}

static void apply_message(const char *raw, size_t len, int64_t uid, void *ctx)
{
    struct inbox *box = ctx;
    struct arena a;
    arena_init(&a);
    struct inbound in;
    inbound_parse(raw, len, &a, &in);
    (void)uid;
    if (in.kind == INBOUND_BOUNCE) {
        char *reason = arena_sprintf(&a, "bounced: %s%s%s", in.status,
                                     in.diagnostic ? " " : "", in.diagnostic ? in.diagnostic : "");
        stop(box, &in, in.recipient, "bounced", reason, &a);
    } else if (in.kind == INBOUND_MESSAGE) {
        stop(box, &in, in.from, "replied", "", &a);
    } else {
        box->stats->auto_replies++;
    }
    arena_cleanup(&a);
}

static void poll_account(struct store *st, const struct sender_options *o,
                         const unsigned char key[SECRETS_KEY_LEN], const struct account *acc,
                         struct sender_stats *stats)
{
    struct arena a;
    arena_init(&a);
    struct mail_server smtp;
    struct imap_server imap;
    bool has_imap = false;
    struct err err = {0};
    enum rc rc = sender_account_servers(o, acc, key, &a, &smtp, &imap, &has_imap, &err);
    if (rc == RC_FORBIDDEN) sender_account_revoked(st, acc, err.msg);
    if (rc != RC_OK || !has_imap) goto out;
    struct imap_cursor cursor = {acc->imap_uidvalidity, acc->imap_last_uid};
    struct inbox box = {st, acc, stats};
    rc = imap_poll(&imap, &cursor, POLL_MAX_MESSAGES, POLL_MAX_BYTES, apply_message, &box, &err);
    if (rc != RC_OK) log_warn("sender: reading the inbox of account %lld: %s", (long long)acc->id,
                              err.msg);
    /* what was read before a failure is kept, so it is not read twice */
    if (cursor.uidvalidity != acc->imap_uidvalidity || cursor.last_uid != acc->imap_last_uid) {
        struct err cerr = {0};
        if (st->ops->account_set_cursor(st, acc->id, cursor.uidvalidity, cursor.last_uid,
                                        &cerr) != RC_OK)
            log_error("sender: saving the inbox position of account %lld: %s",
                      (long long)acc->id, cerr.msg);
    }
out:
    arena_cleanup(&a);
}

enum rc sender_poll_inboxes(struct store *st, const struct sender_options *o,
                            const unsigned char key[SECRETS_KEY_LEN], struct sender_stats *stats,
                            struct err *err)
{
    struct arena a;
    arena_init(&a);
    struct account *accounts = NULL;
    size_t n = 0;
    enum rc rc = st->ops->accounts_polled(st, &a, &accounts, &n, err);
    for (size_t i = 0; rc == RC_OK && i < n; i++) poll_account(st, o, key, &accounts[i], stats);
    arena_cleanup(&a);
    return rc;
}

bool sender_sent_folder_has(const struct sender_options *o, const struct imap_server *imap,
                            const char *message_id, bool *known)
{
    bool found = false;
    struct err err = {0};
    *known = imap_has_header(imap, o->gmail_sent_folder, "Message-ID", message_id, &found,
                             &err) == RC_OK;
    if (!*known) log_warn("sender: searching the sent folder for %s: %s", message_id, err.msg);
    return found;
}
