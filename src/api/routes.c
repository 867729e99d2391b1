/* The route table: every endpoint, its method, and what the router does
 * around it (auth, credits to reserve, cache lifetime, job pool). Later
 * endpoints add a row here and a handler file beside this one. */
#include "api/api.h"
#include "http/router.h"
#include "web/web.h"

enum { DAY = 86400 };

const struct route api_routes[] = {
    {.file = "healthz", .method = M_GET, .endpoint = "healthz", .public = true,
     .run = api_healthz_run},
    {.file = "openapi.json", .method = M_GET, .endpoint = "openapi", .public = true,
     .run = api_openapi_run},
    /* the links in campaign emails: pages, not API answers */
    {.file = "/u/", .method = M_GET, .endpoint = "unsubscribe", .public = true,
     .run = api_unsubscribe_page_run},
    {.file = "/u/", .method = M_POST, .endpoint = "unsubscribe", .public = true,
     .run = api_unsubscribe_run},
    /* the web dashboard (web/): pages dispatched by path; a sign-in hashes a password and
     * may be slowed, and forms may test a mail server: those wait on the job pool */
    {.file = "/login", .method = M_GET, .endpoint = "web", .public = true, .run = web_get_run},
    {.file = "/login", .method = M_POST, .endpoint = "web", .public = true, .upstream = true,
     .job = JOB_LICENCE, .run = web_post_run},
    {.file = "/logout", .method = M_POST, .endpoint = "web", .public = true, .run = web_post_run},
    /* Connect Gmail's return: exchanges the code at the token endpoint */
    {.file = "/oauth/google/callback", .method = M_GET, .endpoint = "web", .public = true,
     .upstream = true, .job = JOB_UPSTREAM, .run = web_get_run},
    {.file = "/app*", .method = M_GET, .endpoint = "web", .public = true, .run = web_get_run},
    {.file = "/app*", .method = M_POST, .endpoint = "web", .public = true, .upstream = true,
     .job = JOB_UPSTREAM, .run = web_post_run},
    /* the hottest read: answered from memory while the store is unchanged (at most 1 s) */
    {.file = "projects.php", .method = M_GET, .endpoint = "projects", .hot_cache = true,
     .parse = api_projects_list_parse, .cache_key = api_projects_list_cache_key,
     .run = api_projects_list_run},
    {.file = "projects.php", .method = M_POST, .endpoint = "projects",
     .parse = api_projects_create_parse, .run = api_projects_create_run},
    {.file = "leads.php", .method = M_GET, .endpoint = "leads", .parse = api_leads_list_parse,
     .run = api_leads_list_run},
    /* a JSON body, or a CSV file of up to 16 MiB */
    {.file = "leads.php", .method = M_POST, .endpoint = "leads", .raw_type = "text/csv",
     .raw_max_body = 16 << 20, .parse = api_leads_add_parse, .run = api_leads_add_run},
    {.file = "suppression.php", .method = M_GET, .endpoint = "suppression",
     .run = api_suppression_list_run},
    {.file = "suppression.php", .method = M_POST, .endpoint = "suppression",
     .parse = api_suppression_change_parse, .run = api_suppression_add_run},
    {.file = "suppression.php", .method = M_DELETE, .endpoint = "suppression",
     .parse = api_suppression_change_parse, .run = api_suppression_remove_run},
    /* 10 credits for more than 7 results, else 1 per unique email, 0 without results */
    {.file = "search.php", .method = M_GET, .endpoint = "search", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 10, .cache_ttl = 7 * DAY, .parse = api_search_parse,
     .cache_key = api_search_cache_key, .run = api_search_run, .async_ok = true},
    {.file = "recipes.php", .method = M_GET, .endpoint = "recipes", .run = api_recipes_run},
    /* 1 credit per site email (max 15), min 1 when anything is found */
    {.file = "crawl.php", .method = M_GET, .endpoint = "crawl", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 15, .cache_ttl = 14 * DAY, .parse = api_crawl_parse,
     .cache_key = api_crawl_cache_key, .from_cache = api_crawl_from_cache, .run = api_crawl_run,
     .async_ok = true},
    /* 1 credit when an address is returned, else 0; SMTP probes block like verify.php */
    {.file = "find.php", .method = M_GET, .endpoint = "find", .upstream = true, .max_credits = 1,
     .cache_ttl = 30 * DAY, .parse = api_find_parse, .cache_key = api_find_cache_key,
     .run = api_find_run},
    /* crawl.php's price when nothing was known and the site was crawled (at most 15), else
     * 1 credit per 10 addresses returned (at most 100); a day in the cache: new public
     * answers and verifications show up by the next day, repeated looks are free */
    {.file = "domain.php", .method = M_GET, .endpoint = "domain", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 15, .cache_ttl = DAY, .parse = api_domain_parse,
     .cache_key = api_domain_cache_key, .run = api_domain_run},
    /* fresh search every time (never cached); 10 credits above 7 fresh ads, else 1 per ad
     * with an email; history and enrichment are free */
    {.file = "ads.php", .method = M_GET, .endpoint = "ads", .upstream = true, .max_credits = 10,
     .job = JOB_UPSTREAM, .parse = api_ads_parse, .run = api_ads_run, .async_ok = true},
    /* 10 credits per Details call, up to 20 places a page; places are cached one by one */
    {.file = "places/search.php", .method = M_GET, .endpoint = "places_search", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 200, .parse = api_places_search_parse,
     .run = api_places_search_run, .async_ok = true},
    {.file = "places/reviews.php", .method = M_GET, .endpoint = "places_reviews", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 5, .cache_ttl = 7 * DAY, .marks_cached = true,
     .parse = api_places_reviews_parse, .cache_key = api_places_reviews_cache_key,
     .run = api_places_reviews_run, .async_ok = true},
    /* free; blocks on DNS and SMTP; each address's result is cached by the handler */
    {.file = "verify.php", .method = M_POST, .endpoint = "verify", .upstream = true,
     .job = JOB_VERIFY, .parse = api_verify_parse, .run = api_verify_run, .async_ok = true},
    {.file = "accounts.php", .method = M_GET, .endpoint = "accounts", .parse = api_accounts_parse,
     .run = api_accounts_run},
    {.file = "campaigns.php", .method = M_GET, .endpoint = "campaigns",
     .parse = api_campaigns_list_parse, .run = api_campaigns_list_run},
    {.file = "campaigns.php", .method = M_POST, .endpoint = "campaigns",
     .parse = api_campaigns_create_parse, .run = api_campaigns_create_run},
    {.file = "campaigns/steps.php", .method = M_PUT, .endpoint = "campaign_steps",
     .parse = api_campaign_steps_parse, .run = api_campaign_steps_run},
    {.file = "campaigns/launch.php", .method = M_POST, .endpoint = "campaign_launch",
     .parse = api_campaign_id_parse, .run = api_campaign_launch_run},
    {.file = "campaigns/control.php", .method = M_POST, .endpoint = "campaign_control",
     .parse = api_campaign_control_parse, .run = api_campaign_control_run},
    {.file = "campaigns/status.php", .method = M_GET, .endpoint = "campaign_status",
     .parse = api_campaign_id_parse, .run = api_campaign_status_run},
    {.file = "campaigns/recipients.php", .method = M_GET, .endpoint = "campaign_recipients",
     .parse = api_campaign_recipients_parse, .run = api_campaign_recipients_run},
    /* 1 credit per generated email, 2 to 10 */
    {.file = "campaigns/generate.php", .method = M_POST, .endpoint = "generate", .upstream = true,
     .job = JOB_AI, .max_credits = 10, .parse = api_generate_parse, .run = api_generate_run,
     .async_ok = true},
    /* MCP over Streamable HTTP: tool calls run the routes below through the router */
    {.file = "/mcp", .method = M_POST, .endpoint = "mcp", .public = true, .upstream = true,
     .job = JOB_UPSTREAM, .run = api_mcp_run},
    /* automation: the balance and usage, async jobs, campaign-event webhooks */
    {.file = "account.php", .method = M_GET, .endpoint = "account", .run = api_account_run},
    {.file = "jobs.php", .method = M_GET, .endpoint = "jobs", .parse = api_jobs_parse,
     .run = api_jobs_run},
    {.file = "webhooks.php", .method = M_GET, .endpoint = "webhooks",
     .run = api_webhooks_list_run},
    {.file = "webhooks.php", .method = M_POST, .endpoint = "webhooks",
     .parse = api_webhooks_add_parse, .run = api_webhooks_add_run},
    {.file = "webhooks.php", .method = M_DELETE, .endpoint = "webhooks",
     .parse = api_webhooks_remove_parse, .run = api_webhooks_remove_run},
};
const size_t api_routes_count = sizeof api_routes / sizeof api_routes[0];
