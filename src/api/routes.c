/* The route table: every endpoint, its method, and what the router does
 * around it (auth, credits to reserve, cache lifetime, job pool). Later
 * endpoints add a row here and a handler file beside this one. */
#include "api/api.h"
#include "http/router.h"

enum { DAY = 86400 };

const struct route api_routes[] = {
    {.file = "healthz", .method = M_GET, .endpoint = "healthz", .public = true,
     .run = api_healthz_run},
    {.file = "openapi.json", .method = M_GET, .endpoint = "openapi", .public = true,
     .run = api_openapi_run},
    {.file = "projects.php", .method = M_GET, .endpoint = "projects",
     .parse = api_projects_list_parse, .run = api_projects_list_run},
    {.file = "projects.php", .method = M_POST, .endpoint = "projects",
     .parse = api_projects_create_parse, .run = api_projects_create_run},
    {.file = "leads.php", .method = M_GET, .endpoint = "leads", .parse = api_leads_list_parse,
     .run = api_leads_list_run},
    {.file = "leads.php", .method = M_POST, .endpoint = "leads", .parse = api_leads_add_parse,
     .run = api_leads_add_run},
    /* 10 credits per Details call, up to 20 places a page; places are cached one by one */
    {.file = "places/search.php", .method = M_GET, .endpoint = "places_search", .upstream = true,
     .max_credits = 200, .parse = api_places_search_parse, .run = api_places_search_run},
    {.file = "places/reviews.php", .method = M_GET, .endpoint = "places_reviews", .upstream = true,
     .max_credits = 5, .cache_ttl = 7 * DAY, .marks_cached = true,
     .parse = api_places_reviews_parse, .cache_key = api_places_reviews_cache_key,
     .run = api_places_reviews_run},
    /* 1 credit per generated email, 2 to 10 */
    {.file = "campaigns/generate.php", .method = M_POST, .endpoint = "generate", .upstream = true,
     .max_credits = 10, .parse = api_generate_parse, .run = api_generate_run},
};
const size_t api_routes_count = sizeof api_routes / sizeof api_routes[0];
