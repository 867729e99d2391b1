/* libcurl, loaded on first use. libcurl drags in a TLS stack, Kerberos, LDAP
 * and SSH libraries whose start-up relocations alone cost about 3 MB of
 * resident memory; a server that only answers store requests never needs
 * them, so net/ reaches libcurl through this table, filled by dlopen the
 * first time an outbound request is made. Only src/net/ includes this. */
#ifndef LEADGEN_NET_CURL_API_H
#define LEADGEN_NET_CURL_API_H

#include <curl/curl.h>
#include <stdbool.h>

struct curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *h);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_add_handle)(CURLM *m, CURL *h);
    CURLMcode (*multi_remove_handle)(CURLM *m, CURL *h);
    CURLMcode (*multi_perform)(CURLM *m, int *running);
    CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd *fds, unsigned n, int timeout_ms,
                            int *numfds);
    CURLMsg *(*multi_info_read)(CURLM *m, int *left);
    CURLMcode (*multi_cleanup)(CURLM *m);
    CURLU *(*url)(void);
    CURLUcode (*url_set)(CURLU *u, CURLUPart part, const char *content, unsigned flags);
    CURLUcode (*url_get)(const CURLU *u, CURLUPart part, char **content, unsigned flags);
    void (*url_cleanup)(CURLU *u);
    void (*free)(void *p);
};

/* The loaded and initialised library, or NULL (with the reason logged once). */
const struct curl_api *curl_api(void);

#endif
