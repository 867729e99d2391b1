/* Handlers for the API's endpoints, one file per endpoint family. Each
 * handler reads parameters with the http/request.h helpers, calls the store
 * or a domain module, and leaves a `data` object in req->data. */
#ifndef LEADGEN_API_H
#define LEADGEN_API_H

#include "ai/ai.h"
#include "http/request.h"
#include "http/router.h"
#include "places/places.h"
#include "serp/serp.h"
#include "verify/verify.h"

/* The route table (routes.c): what `leadgen serve` answers. */
extern const struct route api_routes[];
extern const size_t api_routes_count;

/* The domain modules' options the handlers pass on, filled once at start-up
 * from the configuration (cli/) before the server starts. */
struct api_options {
    struct serp_options serp;
    struct places_options places;
    struct ai_options ai;
    struct verify_options verify;
    const unsigned char *unsubscribe_key; /* signs the links in campaign emails */
    size_t unsubscribe_key_len;
};
void api_configure(const struct api_options *o);
/* Until api_configure: all zero (no provider, no keys: 503 not_configured). */
const struct api_options *api_options(void);

bool api_healthz_run(struct request *req);
/* GET /u/TOKEN: a confirmation page; POST /u/TOKEN: unsubscribes (RFC 8058 one-click). */
bool api_unsubscribe_page_run(struct request *req);
bool api_unsubscribe_run(struct request *req);
bool api_openapi_run(struct request *req);

bool api_projects_list_parse(struct request *req);
const char *api_projects_list_cache_key(struct request *req);
bool api_projects_list_run(struct request *req);
bool api_projects_create_parse(struct request *req);
bool api_projects_create_run(struct request *req);

bool api_leads_list_parse(struct request *req);
bool api_leads_list_run(struct request *req);
bool api_leads_add_parse(struct request *req);
bool api_leads_add_run(struct request *req);

bool api_suppression_list_run(struct request *req);
bool api_suppression_change_parse(struct request *req);
bool api_suppression_add_run(struct request *req);
bool api_suppression_remove_run(struct request *req);

bool api_places_search_parse(struct request *req);
bool api_places_search_run(struct request *req);
bool api_places_reviews_parse(struct request *req);
const char *api_places_reviews_cache_key(struct request *req);
bool api_places_reviews_run(struct request *req);

bool api_verify_parse(struct request *req);
bool api_verify_run(struct request *req);

bool api_generate_parse(struct request *req);
bool api_generate_run(struct request *req);

bool api_accounts_parse(struct request *req);
bool api_accounts_run(struct request *req);
bool api_campaigns_list_parse(struct request *req);
bool api_campaigns_list_run(struct request *req);
bool api_campaigns_create_parse(struct request *req);
bool api_campaigns_create_run(struct request *req);
bool api_campaign_steps_parse(struct request *req);
bool api_campaign_steps_run(struct request *req);
bool api_campaign_id_parse(struct request *req);
bool api_campaign_launch_run(struct request *req);
bool api_campaign_control_parse(struct request *req);
bool api_campaign_control_run(struct request *req);
bool api_campaign_status_run(struct request *req);
bool api_campaign_recipients_parse(struct request *req);
bool api_campaign_recipients_run(struct request *req);

/* A bare host name from a domain parameter (a scheme, "www." and a path are
 * dropped): letters, digits, '-' and '.', with a dot, lowercased; NULL otherwise. */
const char *api_domain_param(struct request *req, const char *text);

bool api_search_parse(struct request *req);
const char *api_search_cache_key(struct request *req);
bool api_search_run(struct request *req);
bool api_recipes_run(struct request *req);

bool api_find_parse(struct request *req);
const char *api_find_cache_key(struct request *req);
bool api_find_run(struct request *req);
/* domain.php: what is known of a domain's addresses (finder/domainsearch.h). */
bool api_domain_parse(struct request *req);
const char *api_domain_cache_key(struct request *req);
bool api_domain_run(struct request *req);

bool api_crawl_parse(struct request *req);
const char *api_crawl_cache_key(struct request *req);
void api_crawl_from_cache(struct request *req);
bool api_crawl_run(struct request *req);

bool api_ads_parse(struct request *req);
bool api_ads_run(struct request *req);

/* account.php, jobs.php, webhooks.php (automation.c). */
bool api_account_run(struct request *req);
bool api_jobs_parse(struct request *req);
bool api_jobs_run(struct request *req);
bool api_webhooks_add_parse(struct request *req);
bool api_webhooks_add_run(struct request *req);
bool api_webhooks_list_run(struct request *req);
bool api_webhooks_remove_parse(struct request *req);
bool api_webhooks_remove_run(struct request *req);
/* A job as jobs.php shows it (the webhook body too); with_result adds its answer. */
json_t *api_job_json(const struct async_job *job, bool with_result);

/* MCP (mcp.c): POST /mcp, and one JSON-RPC message for `leadgen mcp` as the
 * key's user; the answer (malloc'd, one line) or NULL for a notification. */
bool api_mcp_run(struct request *req);
char *api_mcp_handle(const char *text, size_t len, const char *api_key, struct store *st);
/* Whether every MCP tool names a row of api_routes (its inputSchema comes from there). */
bool api_mcp_tools_routed(void);

/* Shared JSON shapes. */
json_t *api_project_json(const struct project *p);
/* "YYYY-MM-DD HH:MM:SS" UTC as a JSON string. */
json_t *api_datetime_json(int64_t unix_seconds);

#endif
