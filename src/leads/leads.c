/* Lead email syntax and name derivation. */
#include "leads/leads.h"

#include "core/privacy.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static bool atext(unsigned char c)
{
    return isalnum(c) || strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL || c >= 0x80;
}

static bool local_valid(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') return false;
        } else if (!atext((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

static bool domain_valid(const char *s)
{
    size_t n = strlen(s), label = 0;
    const char *last_dot = strrchr(s, '.');
    if (n == 0 || n > 253 || !last_dot || last_dot == s) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-') return false;
            label = 0;
        } else if (isalnum(c) || c == '-' || c >= 0x80) {
            if (label == 0 && c == '-') return false;
            if (++label > 63) return false;
        } else {
            return false;
        }
    }
    if (label == 0 || s[n - 1] == '-') return false;
    size_t tld = strlen(last_dot + 1);
    if (tld < 2) return false;
    bool punycode = strncasecmp(last_dot + 1, "xn--", 4) == 0;
    for (const char *p = last_dot + 1; *p && !punycode; p++)
        if (isdigit((unsigned char)*p) || *p == '-') return false;
    return true;
}

bool lead_email_valid(const char *email)
{
    size_t n = strlen(email);
    const char *at = strrchr(email, '@');
    if (n > LEAD_EMAIL_MAX || !at || strchr(email, '@') != at) return false;
    return local_valid(email, (size_t)(at - email)) && domain_valid(at + 1);
}

static const char *const role_locals[] = {
    "abuse",     "accounts",   "admin",     "administrator", "billing",  "booking",
    "bookings",  "careers",    "contact",   "contactus",     "customerservice", "enquiries",
    "enquiry",   "events",     "finance",   "hello",         "help",     "helpdesk",
    "hi",        "hostmaster", "hr",        "info",          "inquiries", "inquiry",
    "invoice",   "invoices",   "jobs",      "legal",         "mail",     "mailer-daemon",
    "marketing", "media",      "newsletter", "no-reply",     "noreply",  "office",
    "orders",    "postmaster", "press",     "privacy",       "reception", "recruiting",
    "reservations", "root",    "sales",     "security",      "service",  "shop",
    "support",   "team",       "test",      "webmaster",     "welcome",  "www",
};

bool lead_is_role_local(const char *local, unsigned long len)
{
    for (size_t i = 0; i < sizeof role_locals / sizeof role_locals[0]; i++)
        if (strlen(role_locals[i]) == len && strncasecmp(role_locals[i], local, len) == 0)
            return true;
    return false;
}

/* "jOHN" -> "John", in the arena. */
static const char *capitalised(struct arena *a, const char *s, size_t n)
{
    char *out = arena_strndup(a, s, n);
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(i ? tolower((unsigned char)out[i]) : toupper((unsigned char)out[i]));
    return out;
}

static bool alphabetic(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isalpha((unsigned char)s[i])) return false;
    return n >= 2;
}

void lead_names_from_email(const char *email, struct arena *a, const char **first,
                           const char **last)
{
    *first = *last = "";
    const char *at = strchr(email, '@');
    if (!at) return;
    size_t len = (size_t)(at - email);
    if (lead_is_role_local(email, len)) return;
    /* split on . _ - into at most three parts; use the first and the last */
    const char *part[3];
    size_t plen[3], nparts = 0;
    for (const char *p = email; p < at;) {
        size_t n = strcspn(p, "._-@");
        if (n > (size_t)(at - p)) n = (size_t)(at - p);
        if (nparts == 3 || !alphabetic(p, n) || lead_is_role_local(p, n)) return;
        part[nparts] = p;
        plen[nparts++] = n;
        p += n;
        if (p < at) p++;
    }
    if (nparts == 0) return;
    *first = capitalised(a, part[0], plen[0]);
    if (nparts > 1) *last = capitalised(a, part[nparts - 1], plen[nparts - 1]);
}

enum rc leads_add(struct store *st, int64_t user_id, int64_t project_id, struct lead *leads,
                  size_t count, int64_t now, struct arena *a, struct leads_added *out,
                  struct err *err)
{
    enum rc rc = privacy_mark_leads(st, leads, count, a, err);
    if (rc != RC_OK) return rc;
    return st->ops->leads_add(st, user_id, project_id, leads, count, now, out, err);
}
