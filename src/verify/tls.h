/* OpenSSL's libssl for STARTTLS in mailbox probes, loaded with dlopen the
 * first time a probe needs it: like libcurl (net/curl_api.h), a TLS stack
 * linked at start would cost resident memory in every server, including
 * those that never verify an address. Only verify/smtp_conn.c uses this. */
#ifndef LEADGEN_VERIFY_TLS_H
#define LEADGEN_VERIFY_TLS_H

#include <openssl/err.h>
#include <openssl/ssl.h>

struct tls_api {
    SSL_CTX *ctx; /* client context: no certificate verification (RFC 7435) */
    SSL *(*ssl_new)(SSL_CTX *ctx);
    int (*set_fd)(SSL *s, int fd);
    long (*ctrl)(SSL *s, int cmd, long larg, void *parg);
    int (*connect)(SSL *s);
    int (*read)(SSL *s, void *buf, int num);
    int (*write)(SSL *s, const void *buf, int num);
    int (*get_error)(const SSL *s, int ret);
    void (*ssl_free)(SSL *s);
    unsigned long (*err_get)(void);
    void (*err_string)(unsigned long e, char *buf, size_t len);
    void (*err_clear)(void);
};

/* The loaded library, or NULL when libssl cannot be loaded (probes then
 * stay in plain text; the reason is logged once). */
const struct tls_api *tls_api(void);

#endif
