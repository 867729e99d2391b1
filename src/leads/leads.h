/* Lead rules shared by the API, the CLI and importers: whether an address is
 * acceptable as a lead, and the first and last name guessed from its local
 * part (john.doe@ and john_doe@ give John Doe; role mailboxes give none). */
#ifndef LEADGEN_LEADS_LEADS_H
#define LEADGEN_LEADS_LEADS_H

#include "base/mem.h"
#include "store/store.h"

#include <stdbool.h>

enum { LEAD_EMAIL_MAX = 254 };

/* A dot-atom local part (at most 64 bytes) and a host name with a dot and an
 * alphabetic TLD. Deliverability is verify.php's business, not this one's. */
bool lead_email_valid(const char *email);
/* Sets *first and *last (arena strings, "" when nothing sensible is found). */
void lead_names_from_email(const char *email, struct arena *a, const char **first,
                           const char **last);
/* True for role and generic mailboxes (info, sales, admin, noreply, ...). */
bool lead_is_role_local(const char *local, unsigned long len);

/* Adds leads to a project as every entry point must: each address's
 * tombstone is set first, so an erased address is refused (counted in
 * out->suppressed, as are addresses on the user's suppression list). */
enum rc leads_add(struct store *st, int64_t user_id, int64_t project_id, struct lead *leads,
                  size_t count, int64_t now, struct arena *a, struct leads_added *out,
                  struct err *err);

#endif
