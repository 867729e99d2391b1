/* Internals shared by the sender's source files (sender.c sends, inbox.c
 * reads replies and bounces, accounts.c turns a stored account into servers
 * to talk to). Not for use outside src/campaign/. */
#ifndef LEADGEN_CAMPAIGN_SENDER_INT_H
#define LEADGEN_CAMPAIGN_SENDER_INT_H

#include "campaign/sender.h"
#include "core/secrets.h"
#include "mail/imap.h"
#include "mail/smtp.h"

/* Where and how to reach one account's mail servers, its secrets opened (and,
 * for Gmail, a current access token). RC_FORBIDDEN when the account must be
 * authorised again (a revoked grant); RC_UPSTREAM when the token endpoint
 * failed (try again next run). has_imap is false without an inbox to read. */
enum rc sender_account_servers(const struct sender_options *o, const struct account *acc,
                               const unsigned char key[SECRETS_KEY_LEN], struct arena *a,
                               struct mail_server *smtp, struct imap_server *imap,
                               bool *has_imap, struct err *err);
/* Marks an account as needing authorisation again (logged, visible in accounts.php). */
void sender_account_revoked(struct store *st, const struct account *acc, const char *why);

/* Active -> completed once nobody is pending or in progress (logged, counted). */
void sender_complete_if_done(struct store *st, int64_t user_id, int64_t campaign_id,
                             struct sender_stats *stats);

/* Reads every polled account's new inbox messages and applies them. */
enum rc sender_poll_inboxes(struct store *st, const struct sender_options *o,
                            const unsigned char key[SECRETS_KEY_LEN], struct sender_stats *stats,
                            struct err *err);
/* True when a Gmail account's sent folder holds message_id (reconciliation);
 * false when it does not or cannot be read. *known says whether it could. */
bool sender_sent_folder_has(const struct sender_options *o, const struct imap_server *imap,
                            const char *message_id, bool *known);

#endif
