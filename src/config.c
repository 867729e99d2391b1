/* Configuration table and loader. Each row says how its text becomes a typed field of
 * struct config; the loader reads the file once, then parses every row in table order,
 * so a bad value stops start-up instead of being clamped or replaced later. */
#include "config.h"

#include "base/mem.h"
#include "base/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(f) offsetof(struct config, f)
#define STRING(name, f, def, help) {name, CONFIG_STRING, FIELD(f), def, 0, 0, NULL, help}
#define URL(name, f, def, help) {name, CONFIG_URL, FIELD(f), def, 0, 0, NULL, help}
#define INT(name, f, def, lo, hi, help) {name, CONFIG_INT, FIELD(f), def, lo, hi, NULL, help}
#define BOOL(name, f, def, help) {name, CONFIG_BOOL, FIELD(f), def, 0, 0, NULL, help}
#define ENUM(name, f, def, words, help) {name, CONFIG_ENUM, FIELD(f), def, 0, 0, words, help}
#define LIST(name, f, def, words, help) {name, CONFIG_LIST, FIELD(f), def, 0, 0, words, help}

static const char *const search_providers[] = {"direct",  "scraperapi", "serpapi",
                                               "searxng", "browser",    NULL};
static const char *const on_off[] = {"on", "off", NULL};
static const char *const log_formats[] = {"auto", "text", "json", NULL};
static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};

static const struct config_var config_vars[] = {
    STRING("LEADGEN_LISTEN", listen, "127.0.0.1:8080", "address and port to listen on"),
    STRING("LEADGEN_DB", db, "./leadgen.db", "SQLite file path, or a postgres:// URL"),
    INT("LEADGEN_DB_POOL", db_pool, "0", 0, 1000,
        "PostgreSQL connections per process (0: threads + workers, at most 16)"),
    URL("LEADGEN_AUTH_URL", auth_url, NULL,
        "external licence service for keys this store does not know"),
    INT("LEADGEN_AUTH_TTL", auth_ttl, "300", 0, 86400,
        "seconds a licence-service answer is trusted before re-checking"),
    INT("LEADGEN_AUTH_CHECKS_PER_IP", auth_checks_per_ip, "60", 0, 1000000,
        "licence checks of unknown keys one client address may start a minute (0: no limit)"),
    STRING("LEADGEN_SECRET", secret, NULL,
           "key for stored account secrets (generated into LEADGEN_SECRET_FILE when unset)"),
    STRING("LEADGEN_SECRET_FILE", secret_file, NULL,
           "file (0600) for the generated sealing key, never inside the store (default: the "
           "SQLite store's path with .key; required for PostgreSQL without LEADGEN_SECRET)"),
    INT("LEADGEN_THREADS", threads, "0", 0, 64,
        "event threads serving requests (0: one per core but one)"),
    INT("LEADGEN_WORKERS", workers, "64", 1, 1024, "threads for requests that wait on upstream I/O"),
    INT("LEADGEN_USER_INFLIGHT", user_inflight, "8", 1, 1024,
        "most job-pool requests one user may have queued or running"),
    STRING("LEADGEN_RATE_LIMIT", rate_limit, NULL,
           "per-user request limits per family over the defaults search=60/min,crawl=120/min,"
           "find=120/min,places=60/min,verify=60/min,ai=60/min (N 0: no limit)"),
    INT("LEADGEN_QUEUE_UPSTREAM", queue_upstream, "64", 0, 100000,
        "search/crawl/ads/places requests waiting for a thread"),
    INT("LEADGEN_QUEUE_VERIFY", queue_verify, "32", 0, 100000,
        "verify.php requests waiting for a thread"),
    INT("LEADGEN_QUEUE_AI", queue_ai, "32", 0, 100000, "AI generation requests waiting for a thread"),
    INT("LEADGEN_QUEUE_LICENCE", queue_licence, "128", 0, 100000,
        "requests waiting for a thread to ask the licence service"),
    INT("LEADGEN_MAX_CONNECTIONS", max_connections, "4096", 16, 1000000,
        "open connections accepted at once"),
    INT("LEADGEN_MAX_CONNECTIONS_PER_IP", max_connections_per_ip, "1024", 0, 1000000,
        "open connections one client address may hold (0: no limit)"),
    INT("LEADGEN_CLIENT_TIMEOUT", client_timeout, "30", 1, 3600,
        "seconds an idle or slow client may hold a connection"),
    BOOL("LEADGEN_ACCESS_LOG", access_log, "1", "0 turns the per-request access log off"),
    ENUM("LEADGEN_LOG_FORMAT", log_format, "auto", log_formats,
         "text or json log lines on stderr (auto: text on a terminal, else json)"),
    ENUM("LEADGEN_LOG_LEVEL", log_level, "info", log_levels,
         "least level logged (access-log lines are info)"),
    STRING("LEADGEN_CORS_ORIGINS", cors_origins, NULL,
           "origins browsers may call the API from, comma-separated, or * (unset: no CORS)"),
    INT("LEADGEN_TIME_OFFSET", time_offset, "0", -3153600000, 3153600000,
        "seconds added to the wall clock (tests only)"),
    INT("LEADGEN_FIRST_USER_CREDITS", first_user_credits, "100", 0, 1000000000000,
        "credits given to the first user `serve` creates"),
    LIST("LEADGEN_SEARCH_PROVIDER", search_provider, "direct", search_providers,
         "who fetches result pages for Lead Search and Ad Spy, tried in order"),
    URL("LEADGEN_GOOGLE_SEARCH_URL", google_search_url, "https://www.google.com/search",
        "Google result page (direct and scraperapi)"),
    URL("LEADGEN_BING_SEARCH_URL", bing_search_url, "https://www.bing.com/search",
        "Bing result page (direct and scraperapi)"),
    URL("LEADGEN_SCRAPERAPI_URL", scraperapi_url, "https://api.scraperapi.com/",
        "ScraperAPI proxy endpoint"),
    STRING("LEADGEN_SCRAPERAPI_KEY", scraperapi_key, NULL, "ScraperAPI key"),
    BOOL("LEADGEN_SCRAPERAPI_RENDER", scraperapi_render, "0",
         "1 asks ScraperAPI to render pages (render=true)"),
    STRING("LEADGEN_SCRAPERAPI_COUNTRY", scraperapi_country, NULL,
           "ScraperAPI country_code, e.g. us"),
    URL("LEADGEN_SERPAPI_URL", serpapi_url, "https://serpapi.com/search.json",
        "SerpApi-compatible search API"),
    STRING("LEADGEN_SERPAPI_KEY", serpapi_key, NULL, "SerpApi key"),
    URL("LEADGEN_SEARXNG_URL", searxng_url, NULL,
        "SearXNG instance (the searxng provider), JSON output enabled"),
    STRING("LEADGEN_CHROMIUM", chromium, NULL,
           "Chromium binary for the browser provider (unset: chromium on PATH)"),
    INT("LEADGEN_BROWSER_TABS", browser_tabs, "2", 1, 16,
        "tabs the browser provider searches in at once"),
    INT("LEADGEN_BROWSER_MAX_MB", browser_max_mb, "1024", 0, 1048576,
        "memory (PSS, MB) above which the browser provider's Chromium is restarted between "
        "searches (0: never)"),
    URL("LEADGEN_PLACES_URL", places_url, "https://places.googleapis.com",
        "Google Places API (New) base URL"),
    STRING("LEADGEN_PLACES_KEY", places_key, NULL, "Google Places API key"),
    INT("LEADGEN_UPSTREAM_TIMEOUT", upstream_timeout, "20", 1, 600,
        "seconds one upstream call (search provider, Places, AI) may take"),
    INT("LEADGEN_PLACES_PARALLEL", places_parallel, "20", 1, 100,
        "most Place Details calls in flight at once"),
    URL("LEADGEN_AI_URL", ai_url, "https://api.openai.com/v1", "OpenAI-compatible API base"),
    STRING("LEADGEN_AI_KEY", ai_key, NULL, "AI API key"),
    STRING("LEADGEN_AI_MODEL", ai_model, "gpt-4o-mini", "model name"),
    BOOL("LEADGEN_ALLOW_PRIVATE_TARGETS", allow_private_targets, "0",
         "1 lets outbound calls reach private addresses (tests only)"),
    STRING("LEADGEN_RESOLVE", resolve, NULL, "host:port:address[,...] pins for outbound HTTP"),
    BOOL("LEADGEN_OBEY_ROBOTS", obey_robots, "1", "0 makes the crawler ignore robots.txt"),
    STRING("LEADGEN_DNS_SERVERS", dns_servers, NULL,
           "host:port[,host:port] for verification look-ups (unset: the system resolver)"),
    INT("LEADGEN_DNS_TIMEOUT", dns_timeout, "3", 1, 60,
        "seconds per DNS try during verification (two tries)"),
    INT("LEADGEN_SMTP_PROBE_PORT", smtp_probe_port, "25", 1, 65535,
        "port used for SMTP mailbox probes"),
    STRING("LEADGEN_SMTP_HELO", smtp_helo, NULL,
           "EHLO name for SMTP mailbox probes (unset: the machine's name)"),
    STRING("LEADGEN_SMTP_FROM", smtp_from, NULL,
           "MAIL FROM address for SMTP mailbox probes (unset: verify@ the EHLO name)"),
    INT("LEADGEN_SMTP_CONNECT_TIMEOUT", smtp_connect_timeout, "10", 1, 300,
        "seconds an MX host may take to accept a probe"),
    INT("LEADGEN_SMTP_TIMEOUT", smtp_timeout, "20", 1, 600,
        "seconds to wait for each SMTP reply during a probe"),
    INT("LEADGEN_SMTP_PER_HOST", smtp_per_host, "3", 1, 100,
        "most probe connections open to one MX host at once"),
    INT("LEADGEN_VERIFY_TIMEOUT", verify_timeout, "60", 5, 3600,
        "most seconds one verify.php request spends on DNS and SMTP"),
    ENUM("LEADGEN_SMTP_PROBE", smtp_probe, "on", on_off,
         "off answers verifications without any SMTP connection"),
    STRING("LEADGEN_SMTP_PROXY", smtp_proxy, NULL,
           "socks5://[user:pass@]host:port[,...] that SMTP probes connect through, in turn"),
    URL("LEADGEN_PUBLIC_URL", public_url, NULL,
        "base URL of unsubscribe links (default http:// + LEADGEN_LISTEN)"),
    INT("LEADGEN_CRON_INTERVAL", cron_interval, "300", 1, 86400,
        "seconds between campaign sender runs"),
    INT("LEADGEN_SEND_TIMEOUT", send_timeout, "60", 5, 600,
        "seconds one SMTP or IMAP exchange of the sender may take"),
    URL("LEADGEN_OAUTH_AUTH_URL", oauth_auth_url, "https://accounts.google.com/o/oauth2/v2/auth",
        "OAuth authorisation page the dashboard's Connect Gmail sends the user to"),
    URL("LEADGEN_OAUTH_TOKEN_URL", oauth_token_url, "https://oauth2.googleapis.com/token",
        "OAuth token endpoint that refreshes Gmail accounts' access tokens"),
    URL("LEADGEN_OAUTH_USERINFO_URL", oauth_userinfo_url,
        "https://openidconnect.googleapis.com/v1/userinfo",
        "OpenID userinfo endpoint that names a newly connected Gmail account"),
    STRING("LEADGEN_GOOGLE_CLIENT_ID", google_client_id, NULL,
           "OAuth client id the Gmail refresh tokens were issued to"),
    STRING("LEADGEN_GOOGLE_CLIENT_SECRET", google_client_secret, NULL, "its client secret"),
    STRING("LEADGEN_GMAIL_SMTP", gmail_smtp, "smtps://smtp.gmail.com:465",
           "where Gmail accounts send (XOAUTH2), scheme://host:port"),
    STRING("LEADGEN_GMAIL_IMAP", gmail_imap, "imaps://imap.gmail.com:993",
           "where Gmail accounts are read for replies and bounces, scheme://host:port"),
    STRING("LEADGEN_GMAIL_SENT_FOLDER", gmail_sent_folder, "[Gmail]/Sent Mail",
           "the Gmail folder searched for a send a crash interrupted"),
    INT("LEADGEN_WEBHOOK_RETRY", webhook_retry, "30", 1, 3600,
        "seconds before a failed webhook delivery is retried; doubles each time, for a day"),
};
enum { CONFIG_COUNT = sizeof config_vars / sizeof config_vars[0] };

/* Values read from the LEADGEN_CONFIG file, and where, until the next load. */
static char *file_values[CONFIG_COUNT];
static char file_where[CONFIG_COUNT][600];

static int config_index(const char *name)
{
    for (int i = 0; i < CONFIG_COUNT; i++)
        if (strcmp(config_vars[i].name, name) == 0) return i;
    return -1;
}

static void forget_file(void)
{
    for (int i = 0; i < CONFIG_COUNT; i++) {
        free(file_values[i]);
        file_values[i] = NULL;
    }
}

static enum rc parse_line(char *line, const char *path, int lineno, struct err *err)
{
    char *s = str_trim(line);
    if (!*s || *s == '#') return RC_OK;
    char *eq = strchr(s, '=');
    if (!eq) return err_set(err, RC_INVALID, "%s:%d: expected KEY=value", path, lineno);
    *eq = '\0';
    char *key = str_trim(s), *value = str_trim(eq + 1);
    int i = config_index(key);
    if (i < 0) return err_set(err, RC_INVALID, "%s:%d: unknown variable %s", path, lineno, key);
    free(file_values[i]);
    file_values[i] = xstrdup(value);
    snprintf(file_where[i], sizeof file_where[i], " (%s:%d)", path, lineno);
    return RC_OK;
}

static enum rc read_file(struct err *err)
{
    forget_file();
    const char *path = getenv("LEADGEN_CONFIG");
    if (!path || !*path) return RC_OK;
    FILE *f = fopen(path, "r");
    if (!f) return err_set(err, RC_IO, "cannot read LEADGEN_CONFIG file %s", path);
    char line[4096];
    int lineno = 0;
    enum rc rc = RC_OK;
    while (rc == RC_OK && fgets(line, sizeof line, f)) rc = parse_line(line, path, ++lineno, err);
    fclose(f);
    return rc;
}

void config_accepts(const struct config_var *v, char *buf, size_t size)
{
    switch (v->type) {
    case CONFIG_STRING: snprintf(buf, size, "any text"); return;
    case CONFIG_URL: snprintf(buf, size, "an http:// or https:// URL"); return;
    case CONFIG_INT:
        snprintf(buf, size, "an integer from %lld to %lld", (long long)v->min, (long long)v->max);
        return;
    case CONFIG_BOOL: snprintf(buf, size, "1, true, yes, 0, false or no"); return;
    case CONFIG_ENUM:
    case CONFIG_LIST: {
        size_t used = (size_t)snprintf(buf, size, v->type == CONFIG_ENUM ? "one of" :
                                       "a comma-separated list of");
        for (const char *const *w = v->words; *w && used < size; w++)
            used += (size_t)snprintf(buf + used, size - used, "%s %s", w == v->words ? "" : ",", *w);
        return;
    }
    }
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes"}, *const no[] = {"0", "false", "no"};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(s, yes[i]) == 0) return *out = true, true;
        if (strcmp(s, no[i]) == 0) return *out = false, true;
    }
    return false;
}

static bool url_valid(const char *s)
{
    size_t scheme = strncmp(s, "http://", 7) == 0 ? 7 : strncmp(s, "https://", 8) == 0 ? 8 : 0;
    return scheme && s[scheme] && !strchr("/?#", s[scheme]) && !strpbrk(s, " \t\r\n");
}

static bool known_word(const char *const *words, const char *s, size_t n)
{
    for (; *words; words++)
        if (strlen(*words) == n && strncmp(*words, s, n) == 0) return true;
    return false;
}

/* Every comma-separated item of text (spaces around it allowed) is a known word. */
static bool list_valid(const char *const *words, const char *text)
{
    for (const char *p = text;;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, ",");
        size_t len = n;
        while (len && p[len - 1] == ' ') len--;
        if (!known_word(words, p, len)) return false;
        if (!p[n]) return true;
        p += n + 1;
    }
}

/* Stores text (never NULL) into v's field; false when the row refuses it. */
static bool parse_value(const struct config_var *v, const char *text, struct config *out)
{
    char *field = (char *)out + v->offset;
    int64_t n;
    switch (v->type) {
    case CONFIG_URL:
        if (!url_valid(text)) return false;
        /* fall through */
    case CONFIG_STRING: *(const char **)field = text; return true;
    case CONFIG_INT:
        if (!str_parse_int64(text, &n) || n < v->min || n > v->max) return false;
        *(int64_t *)field = n;
        return true;
    case CONFIG_BOOL: return parse_bool(text, (bool *)field);
    case CONFIG_ENUM:
        for (const char *const *w = v->words; *w; w++)
            if (strcmp(*w, text) == 0) return *(const char **)field = *w, true;
        return false;
    case CONFIG_LIST:
        if (!list_valid(v->words, text)) return false;
        *(const char **)field = text;
        return true;
    }
    return false;
}

/* The environment wins over the file; an empty value counts as unset. */
static enum rc load_var(int i, struct config *out, struct err *err)
{
    const struct config_var *v = &config_vars[i];
    const char *env = getenv(v->name), *where = "";
    const char *text = env && *env ? env : NULL;
    if (!text && file_values[i] && *file_values[i]) text = file_values[i], where = file_where[i];
    if (!text) text = v->fallback;
    if (!text) return RC_OK; /* an unset string: the field stays NULL */
    if (parse_value(v, text, out)) return RC_OK;
    char accepts[200];
    config_accepts(v, accepts, sizeof accepts);
    return err_set(err, RC_INVALID, "%s=%s%s: expected %s", v->name, text, where, accepts);
}

enum rc config_load(struct config *out, struct err *err)
{
    memset(out, 0, sizeof *out);
    enum rc rc = read_file(err);
    for (int i = 0; rc == RC_OK && i < CONFIG_COUNT; i++) rc = load_var(i, out, err);
    return rc;
}

const struct config_var *config_table(int *count)
{
    *count = CONFIG_COUNT;
    return config_vars;
}
