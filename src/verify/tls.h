/* OpenSSL's libssl for STARTTLS in mailbox probes: one client context,
 * shared by every probe. libssl is linked like every other library, so a
 * machine without it fails at start-up. Only verify/smtp_conn.c uses this. */
#ifndef LEADGEN_VERIFY_TLS_H
#define LEADGEN_VERIFY_TLS_H

#include <openssl/err.h>
#include <openssl/ssl.h>

/* The client context (no certificate verification: RFC 7435), created on
 * first use; NULL when OpenSSL could not create it (probes then stay in plain
 * text; the reason is logged once). */
SSL_CTX *tls_client_ctx(void);

#endif
