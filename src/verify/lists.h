/* The disposable-domain, free-provider and role-account lists. They are
 * plain text files in data/ (refreshed from the npm registry by
 * `make update-lists`) embedded in the binary at build time, parsed once on
 * first use into sorted arrays; read-only afterwards, so safe from any thread. */
#ifndef LEADGEN_VERIFY_LISTS_H
#define LEADGEN_VERIFY_LISTS_H

#include <stdbool.h>
#include <stddef.h>

enum verify_list { LIST_DISPOSABLE, LIST_FREE, LIST_ROLE, LIST_COUNT };

/* The domain (lowercase A-label form) or any parent of it is disposable. */
bool verify_is_disposable(const char *ascii_domain);
/* The domain is a free mailbox provider (gmail.com, yahoo.com, ...) and not disposable. */
bool verify_is_free_provider(const char *ascii_domain);
/* The local part, compared case-insensitively and without a "+tag", names
 * a role rather than a person (info, sales, support, ...). */
bool verify_is_role(const char *local);
/* Entries in a list (for tests and the operator's log). */
size_t verify_list_size(enum verify_list list);

#endif
