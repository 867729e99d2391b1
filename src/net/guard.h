/* The private-address guard and host pins for any libcurl handle, so SMTP and
 * IMAP connections get the same connect-time check as HTTP fetches: the
 * address judged is the one being connected to, after DNS and redirects. */
#ifndef LEADGEN_NET_GUARD_H
#define LEADGEN_NET_GUARD_H

#include <curl/curl.h>
#include <stdbool.h>

struct net_guard {
    bool refused; /* set when a connection was refused */
};

/* Refuses loopback, private, link-local and similar addresses on h. */
void net_guard_apply(CURL *h, struct net_guard *g);
/* "host:port:addr[,...]" (curl's --resolve syntax) as a list for CURLOPT_RESOLVE;
 * NULL for an empty spec. Free with curl_slist_free_all. */
struct curl_slist *net_resolve_pins(const char *spec);

#endif
