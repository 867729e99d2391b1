/* Connect-time address guard and --resolve pins shared by every libcurl
 * protocol leadgen speaks. */
#include "net/guard.h"

#include "net/addr.h"

#include <string.h>
#include <sys/socket.h>

static curl_socket_t open_guarded(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct net_guard *g = clientp;
    (void)purpose;
    if (addr_is_private(&addr->addr)) {
        g->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

void net_guard_apply(CURL *h, struct net_guard *g)
{
    g->refused = false;
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_guarded);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g);
}

struct curl_slist *net_resolve_pins(const char *spec)
{
    struct curl_slist *list = NULL;
    char item[512];
    for (const char *p = spec ? spec : ""; *p;) {
        size_t n = strcspn(p, ",");
        if (n > 0 && n < sizeof item) {
            memcpy(item, p, n);
            item[n] = '\0';
            list = curl_slist_append(list, item);
        }
        p += n;
        if (*p == ',') p++;
    }
    return list;
}
