/* The configuration table: every LEADGEN_* variable with its type, default, bounds or
 * allowed words, and help. config_load reads each one once, from the environment, else
 * from the LEADGEN_CONFIG file (KEY=value lines), else the default, checks it against
 * its row and stores it typed in a struct config; a value its row does not accept is an
 * error naming the variable and what it accepts. Only start-up (cli/) reads the struct:
 * it hands each module an option struct filled from it. */
#ifndef LEADGEN_CONFIG_H
#define LEADGEN_CONFIG_H

#include "base/rc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum config_type {
    CONFIG_STRING, /* any text; NULL when unset and without default */
    CONFIG_URL,    /* an http:// or https:// URL with a host */
    CONFIG_INT,    /* a decimal integer within [min, max] */
    CONFIG_BOOL,   /* 1, true, yes / 0, false, no */
    CONFIG_ENUM,   /* one of words[] */
    CONFIG_LIST,   /* comma-separated words[], each known; kept as the text */
};

/* Every variable, typed. Strings live until the next config_load. */
struct config {
    const char *listen, *db;
    int64_t db_pool;
    const char *auth_url;
    int64_t auth_ttl, auth_checks_per_ip;
    const char *secret, *secret_file;
    int64_t threads, workers, max_connections, max_connections_per_ip, client_timeout;
    const char *rate_limit;
    int64_t user_inflight, queue_upstream, queue_verify, queue_ai, queue_licence;
    bool access_log;
    const char *log_format, *log_level, *cors_origins;
    int64_t time_offset, first_user_credits;
    const char *search_provider;
    const char *google_search_url, *bing_search_url;
    const char *scraperapi_url, *scraperapi_key, *scraperapi_country;
    bool scraperapi_render;
    const char *serpapi_url, *serpapi_key;
    const char *searxng_url, *chromium;
    int64_t browser_tabs, browser_max_mb;
    const char *places_url, *places_key;
    int64_t upstream_timeout, places_parallel;
    const char *ai_url, *ai_key, *ai_model;
    bool allow_private_targets;
    const char *resolve;
    bool obey_robots;
    const char *dns_servers;
    int64_t dns_timeout, smtp_probe_port;
    const char *smtp_helo, *smtp_from;
    int64_t smtp_connect_timeout, smtp_timeout, smtp_per_host, verify_timeout;
    const char *smtp_probe, *smtp_proxy;
    const char *public_url;
    int64_t cron_interval, send_timeout;
    const char *oauth_auth_url, *oauth_token_url, *oauth_userinfo_url;
    const char *google_client_id, *google_client_secret;
    const char *gmail_smtp, *gmail_imap, *gmail_sent_folder;
    int64_t webhook_retry;
};

struct config_var {
    const char *name;
    enum config_type type;
    size_t offset;        /* of the field in struct config */
    const char *fallback; /* the default as text; NULL: unset */
    int64_t min, max;     /* CONFIG_INT */
    const char *const *words; /* CONFIG_ENUM and CONFIG_LIST, NULL-terminated */
    const char *help;
};

/* Fills *out from the environment, the LEADGEN_CONFIG file and the defaults. An
 * unreadable file, a malformed line, an unknown key in the file or a value its row
 * refuses is RC_INVALID (RC_IO for the file) with a message naming the variable. */
enum rc config_load(struct config *out, struct err *err);
/* What a row accepts into buf, e.g. "an integer from 1 to 1024". */
void config_accepts(const struct config_var *v, char *buf, size_t size);
const struct config_var *config_table(int *count);

#endif
