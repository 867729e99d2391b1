/* The campaign sender: one run reconciles sends a crash interrupted, reads
 * the sending accounts' inboxes for replies and bounces, then claims, renders,
 * sends and records the due emails of every active campaign, within each
 * campaign's batch and daily limit and each account's daily limit, window and
 * gap. Exactly once: a send is claimed (charged, counted) in one store
 * transaction before the SMTP exchange and recorded after it; see
 * docs/ARCHITECTURE.md, "The campaign sender". */
#ifndef LEADGEN_CAMPAIGN_SENDER_H
#define LEADGEN_CAMPAIGN_SENDER_H

#include "base/rc.h"
#include "mail/oauth.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sender_options {
    const char *public_url;          /* base of unsubscribe links, no trailing slash */
    const unsigned char *link_key;   /* signs unsubscribe links */
    size_t link_key_len;
    struct oauth_client oauth;       /* Gmail accounts' access tokens */
    const char *gmail_smtp;          /* "smtps://smtp.gmail.com:465" */
    const char *gmail_imap;          /* "imaps://imap.gmail.com:993" */
    const char *gmail_sent_folder;   /* where Gmail keeps what was sent: reconciliation */
    long timeout_ms;                 /* each SMTP or IMAP exchange */
    bool guard_private;              /* refuse loopback and private mail servers */
    const char *resolve;             /* curl --resolve pins, or NULL */
    int64_t reconcile_after;         /* seconds before a 'sending' row counts as interrupted */
    /* Waits up to `seconds` (for an account's gap); false when the sender must stop. */
    bool (*wait)(void *ctx, int64_t seconds);
    void *wait_ctx;
};

struct sender_stats {
    int64_t sent, bounced, deferred, failed;   /* this run's sends, by outcome */
    int64_t replies, bounce_reports, auto_replies, reconciled, paused, completed;
};

/* One run over everything due now. Errors of one campaign or account are
 * logged and do not stop the others; RC_DB when the store fails. */
enum rc sender_run(struct store *st, const struct sender_options *o, struct sender_stats *stats,
                   struct err *err);

/* A live check of a sending account for a person: an SMTP login and, when it has an
 * inbox, an IMAP login, nothing sent or read; each server's answer or the reason it
 * failed. RC_FORBIDDEN when a Gmail grant was revoked (the account is then marked). */
struct account_check {
    bool smtp_ok, imap_ok, has_imap;
    char smtp[300], imap[300];
};
enum rc sender_account_check(struct store *st, const struct sender_options *o,
                             const struct account *acc, struct account_check *out,
                             struct err *err);

/* Drops this process's cached access token of a Gmail account (authorised again). */
void sender_token_forget(int64_t account_id);

/* The unsubscribe link of a recipient ("PUBLIC_URL/u/TOKEN"), in a. */
const char *sender_unsubscribe_url(const struct sender_options *o, struct arena *a,
                                   int64_t campaign_id, int64_t lead_id);

#endif
