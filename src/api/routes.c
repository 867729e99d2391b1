/* The route table: every endpoint, its method, and what the router does
 * around it (auth, credits to reserve, cache lifetime, job pool). Later
 * endpoints add a row here and a handler file beside this one. */
#include "api/api.h"
#include "http/router.h"
#include "web/web.h"

enum { DAY = 86400 };

/* ---- the parameters each parse function reads (router.h: struct route_param) ---- */

#define STR(n, req, desc) {.name = n, .type = PT_STRING, .required = req, .description = desc}
#define CHOICE(n, req, list, desc)                                                               \
    {.name = n, .type = PT_STRING, .required = req, .choices = list, .description = desc}
#define INT(n, req, lo, hi, desc)                                                                \
    {.name = n, .type = PT_INTEGER, .required = req, .min = lo, .max = hi, .description = desc}
#define ARRAY(n, req, ex, desc)                                                                  \
    {.name = n, .type = PT_ARRAY, .required = req, .example = ex, .description = desc}
#define EXAMPLE(n, req, ex, desc)                                                                \
    {.name = n, .type = PT_STRING, .required = req, .example = ex, .description = desc}
#define ID(n, desc) INT(n, true, 1, INT64_MAX, desc)
#define OFFSET INT("offset", false, 0, INT64_MAX / 2, "rows to skip")
/* keyset paging: the next page starts after this id (next_after_id of the last answer) */
#define AFTER_ID(what)                                                                           \
    {.name = "after_id", .type = PT_INTEGER, .min = 0, .max = INT64_MAX / 2,                     \
     .excludes = "offset", .description = "the page starts after this " what " (not with offset)"}
#define END {0}
#define STEPS_EXAMPLE "[{\"subject\":\"Hi\",\"body\":\"<p>Hello</p>\",\"delay_days\":0}]"

static const struct route_param projects_list_params[] = {
    STR("search", false, "only projects whose name contains this"), END};
static const struct route_param projects_create_params[] = {
    STR("name", true, "project name"), END};
static const struct route_param leads_list_params[] = {
    ID("project_id", "the project"), CHOICE("format", false, "json|csv", "csv: a CSV file"),
    INT("limit", false, 1, 500, "leads per page"), OFFSET, AFTER_ID("lead id"), END};
static const struct route_param leads_add_params[] = {
    ID("project_id", "the project"),
    ARRAY("leads", true, "[{\"email\":\"ann@example.com\"}]",
          "lead objects: email, firstname, lastname, company, phone, website, ..."),
    END};
static const struct route_param suppression_params[] = {
    ARRAY("emails", false, "[\"ann@example.com\"]", "addresses"),
    ARRAY("domains", false, "[\"example.com\"]", "whole domains"), END};
static const struct route_param search_params[] = {
    STR("query", true, "search query"), CHOICE("se", false, "google|bing", "search engine"),
    INT("page", false, 0, 1000, "result page, from 0"),
    INT("results_per_page", false, 1, 100, "results per page"),
    EXAMPLE("code", false, "\"gmail\"", "a recipe code (recipes.php)"), END};
static const struct route_param crawl_params[] = {
    EXAMPLE("domain", true, "\"example.com\"", "domain or URL to crawl"), END};
static const struct route_param find_params[] = {
    EXAMPLE("domain", true, "\"example.com\"", "company domain"),
    STR("first_name", true, "first name"), STR("last_name", true, "last name"),
    STR("middle_name", false, "middle name"),
    INT("crawl", false, 0, 1, "0: never crawl the site for evidence"), END};
static const struct route_param domain_params[] = {
    EXAMPLE("domain", true, "\"example.com\"", "company domain"),
    INT("crawl", false, 0, 1, "0: never crawl the site when nothing is known"), END};
static const struct route_param ads_params[] = {
    STR("query", true, "search query"), CHOICE("se", false, "google|bing", "search engine"),
    INT("page", false, 0, 100, "result page, from 0"),
    {.name = "include_history", .type = PT_BOOLEAN,
     .description = "ads seen before (default true)"},
    END};
static const struct route_param places_search_params[] = {
    STR("query", true, "text search, e.g. 'dentists in Austin'"),
    EXAMPLE("location", false, "\"30.27,-97.74\"", "lat,lng to bias results"),
    INT("radius", false, 1, 50000, "metres around location"),
    EXAMPLE("language", false, "\"en\"", "language code, e.g. en or pt-BR"),
    EXAMPLE("page_token", false, "\"abc\"", "next_page_token of the previous page"), END};
static const struct route_param places_reviews_params[] = {
    EXAMPLE("place_id", true, "\"ChIJabc\"", "Google place id"), END};
/* lead_ids must name the user's leads; the example leaves them out */
static const struct route_param verify_params[] = {
    ARRAY("emails", true, "[\"ann@example.com\"]", "addresses to verify"),
    ARRAY("lead_ids", false, "null", "lead ids to mark, one per email"), END};
static const struct route_param accounts_params[] = {
    CHOICE("type", false, "smtp|gmail", "only accounts of this type"), END};
static const struct route_param campaigns_list_params[] = {
    INT("id", false, 1, INT64_MAX, "one campaign"), END};
static const struct route_param campaigns_create_params[] = {
    STR("name", true, "campaign name"), ID("project_id", "the project whose leads get it"),
    ARRAY("sending_accounts", true, "[{\"type\":\"smtp\",\"id\":1}]",
          "accounts to send from: {type: smtp|gmail, id}"),
    ARRAY("steps", true, STEPS_EXAMPLE, "steps: {subject, body, delay_days}"),
    INT("daily_limit", false, 1, 10000, "emails a day"),
    INT("batch_size", false, 1, 500, "emails a scheduler run"), END};
static const struct route_param campaign_steps_params[] = {
    ID("campaign_id", "the campaign"),
    ARRAY("steps", true, STEPS_EXAMPLE, "steps: {subject, body, delay_days}"), END};
static const struct route_param campaign_id_params[] = {ID("campaign_id", "the campaign"), END};
static const struct route_param campaign_control_params[] = {
    ID("campaign_id", "the campaign"), CHOICE("action", true, "pause|resume|cancel", "what to do"),
    END};
static const struct route_param campaign_recipients_params[] = {
    ID("campaign_id", "the campaign"),
    CHOICE("status", false,
           "pending|in_progress|completed|replied|bounced|unsubscribed|failed",
           "only recipients in this state"),
    INT("limit", false, 1, 500, "recipients per page"), OFFSET, AFTER_ID("lead id"), END};
static const struct route_param generate_params[] = {
    STR("prompt", true, "what the emails are about"),
    INT("num_followups", false, 1, 5, "follow-ups after the first email"),
    STR("custom_system_prompt", false, "replaces the system prompt"),
    STR("custom_user_prompt_template", false, "replaces the user prompt ({prompt} inside)"), END};
static const struct route_param jobs_params[] = {
    STR("id", false, "one job"), INT("limit", false, 1, 100, "jobs to list"), END};
static const struct route_param webhooks_add_params[] = {
    EXAMPLE("url", true, "\"https://example.com/hook\"", "http(s) URL to POST events to"),
    ARRAY("events", true, "[\"email.sent\"]",
          "email.sent, email.replied, email.bounced, email.unsubscribed, campaign.completed"),
    END};
static const struct route_param webhooks_remove_params[] = {ID("id", "the subscription"), END};

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
     .parse = api_projects_list_parse,
     .params = projects_list_params, .cache_key = api_projects_list_cache_key,
     .run = api_projects_list_run},
    {.file = "projects.php", .method = M_POST, .endpoint = "projects",
     .parse = api_projects_create_parse,
     .params = projects_create_params, .run = api_projects_create_run},
    {.file = "leads.php", .method = M_GET, .endpoint = "leads", .parse = api_leads_list_parse,
     .params = leads_list_params,
     .run = api_leads_list_run},
    /* a JSON body, or a CSV file of up to 16 MiB */
    {.file = "leads.php", .method = M_POST, .endpoint = "leads", .raw_type = "text/csv",
     .raw_max_body = 16 << 20, .parse = api_leads_add_parse,
     .params = leads_add_params, .run = api_leads_add_run},
    {.file = "suppression.php", .method = M_GET, .endpoint = "suppression",
     .run = api_suppression_list_run},
    {.file = "suppression.php", .method = M_POST, .endpoint = "suppression",
     .parse = api_suppression_change_parse,
     .params = suppression_params, .run = api_suppression_add_run},
    {.file = "suppression.php", .method = M_DELETE, .endpoint = "suppression",
     .parse = api_suppression_change_parse,
     .params = suppression_params, .run = api_suppression_remove_run},
    /* 10 credits for more than 7 results, else 1 per unique email, 0 without results */
    {.file = "search.php", .method = M_GET, .endpoint = "search", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 10, .cache_ttl = 7 * DAY, .parse = api_search_parse,
     .params = search_params,
     .cache_key = api_search_cache_key, .run = api_search_run, .async_ok = true},
    {.file = "recipes.php", .method = M_GET, .endpoint = "recipes", .run = api_recipes_run},
    /* 1 credit per site email (max 15), min 1 when anything is found */
    {.file = "crawl.php", .method = M_GET, .endpoint = "crawl", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 15, .cache_ttl = 14 * DAY, .parse = api_crawl_parse,
     .params = crawl_params,
     .cache_key = api_crawl_cache_key, .from_cache = api_crawl_from_cache, .run = api_crawl_run,
     .async_ok = true},
    /* 1 credit when an address is returned, else 0; SMTP probes block like verify.php */
    {.file = "find.php", .method = M_GET, .endpoint = "find", .upstream = true, .max_credits = 1,
     .cache_ttl = 30 * DAY, .parse = api_find_parse,
     .params = find_params, .cache_key = api_find_cache_key,
     .run = api_find_run},
    /* crawl.php's price when nothing was known and the site was crawled (at most 15), else
     * 1 credit per 10 addresses returned (at most 100); a day in the cache: new public
     * answers and verifications show up by the next day, repeated looks are free */
    {.file = "domain.php", .method = M_GET, .endpoint = "domain", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 15, .cache_ttl = DAY, .parse = api_domain_parse,
     .params = domain_params,
     .cache_key = api_domain_cache_key, .run = api_domain_run},
    /* fresh search every time (never cached); 10 credits above 7 fresh ads, else 1 per ad
     * with an email; history and enrichment are free */
    {.file = "ads.php", .method = M_GET, .endpoint = "ads", .upstream = true, .max_credits = 10,
     .job = JOB_UPSTREAM, .parse = api_ads_parse,
     .params = ads_params, .run = api_ads_run, .async_ok = true},
    /* 10 credits per Details call, up to 20 places a page; places are cached one by one */
    {.file = "places/search.php", .method = M_GET, .endpoint = "places_search", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 200, .parse = api_places_search_parse,
     .params = places_search_params,
     .run = api_places_search_run, .async_ok = true},
    {.file = "places/reviews.php", .method = M_GET, .endpoint = "places_reviews", .upstream = true,
     .job = JOB_UPSTREAM, .max_credits = 5, .cache_ttl = 7 * DAY, .marks_cached = true,
     .parse = api_places_reviews_parse,
     .params = places_reviews_params, .cache_key = api_places_reviews_cache_key,
     .run = api_places_reviews_run, .async_ok = true},
    /* free; blocks on DNS and SMTP; each address's result is cached by the handler */
    {.file = "verify.php", .method = M_POST, .endpoint = "verify", .upstream = true,
     .job = JOB_VERIFY, .parse = api_verify_parse,
     .params = verify_params, .run = api_verify_run, .async_ok = true},
    {.file = "accounts.php", .method = M_GET, .endpoint = "accounts", .parse = api_accounts_parse,
     .params = accounts_params,
     .run = api_accounts_run},
    {.file = "campaigns.php", .method = M_GET, .endpoint = "campaigns",
     .parse = api_campaigns_list_parse,
     .params = campaigns_list_params, .run = api_campaigns_list_run},
    {.file = "campaigns.php", .method = M_POST, .endpoint = "campaigns",
     .parse = api_campaigns_create_parse,
     .params = campaigns_create_params, .run = api_campaigns_create_run},
    {.file = "campaigns/steps.php", .method = M_PUT, .endpoint = "campaign_steps",
     .parse = api_campaign_steps_parse,
     .params = campaign_steps_params, .run = api_campaign_steps_run},
    {.file = "campaigns/launch.php", .method = M_POST, .endpoint = "campaign_launch",
     .parse = api_campaign_id_parse, .params = campaign_id_params, .run = api_campaign_launch_run},
    {.file = "campaigns/control.php", .method = M_POST, .endpoint = "campaign_control",
     .parse = api_campaign_control_parse,
     .params = campaign_control_params, .run = api_campaign_control_run},
    {.file = "campaigns/status.php", .method = M_GET, .endpoint = "campaign_status",
     .parse = api_campaign_id_parse, .params = campaign_id_params, .run = api_campaign_status_run},
    {.file = "campaigns/recipients.php", .method = M_GET, .endpoint = "campaign_recipients",
     .parse = api_campaign_recipients_parse,
     .params = campaign_recipients_params, .run = api_campaign_recipients_run},
    /* 1 credit per generated email, 2 to 10 */
    {.file = "campaigns/generate.php", .method = M_POST, .endpoint = "generate", .upstream = true,
     .job = JOB_AI, .max_credits = 10, .parse = api_generate_parse,
     .params = generate_params, .run = api_generate_run,
     .async_ok = true},
    /* MCP over Streamable HTTP: tool calls run the routes below through the router */
    {.file = "/mcp", .method = M_POST, .endpoint = "mcp", .public = true, .upstream = true,
     .job = JOB_UPSTREAM, .run = api_mcp_run},
    /* automation: the balance and usage, async jobs, campaign-event webhooks */
    {.file = "account.php", .method = M_GET, .endpoint = "account", .run = api_account_run},
    {.file = "jobs.php", .method = M_GET, .endpoint = "jobs", .parse = api_jobs_parse,
     .params = jobs_params,
     .run = api_jobs_run},
    {.file = "webhooks.php", .method = M_GET, .endpoint = "webhooks",
     .run = api_webhooks_list_run},
    {.file = "webhooks.php", .method = M_POST, .endpoint = "webhooks",
     .parse = api_webhooks_add_parse, .params = webhooks_add_params, .run = api_webhooks_add_run},
    {.file = "webhooks.php", .method = M_DELETE, .endpoint = "webhooks",
     .parse = api_webhooks_remove_parse,
     .params = webhooks_remove_params, .run = api_webhooks_remove_run},
};
const size_t api_routes_count = sizeof api_routes / sizeof api_routes[0];
