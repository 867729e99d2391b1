/* The route table: every endpoint, its method, and what the router does
 * around it (auth, credits to reserve, cache lifetime, job pool). Later
 * endpoints add a row here and a handler file beside this one. */
#include "api/api.h"
#include "http/router.h"

const struct route api_routes[] = {
    /* file            method  endpoint    public upstream credits ttl parse cache_key run */
    {"healthz", M_GET, "healthz", true, false, 0, 0, NULL, NULL, api_healthz_run},
    {"openapi.json", M_GET, "openapi", true, false, 0, 0, NULL, NULL, api_openapi_run},
    {"projects.php", M_GET, "projects", false, false, 0, 0, api_projects_list_parse, NULL,
     api_projects_list_run},
    {"projects.php", M_POST, "projects", false, false, 0, 0, api_projects_create_parse, NULL,
     api_projects_create_run},
    {"leads.php", M_GET, "leads", false, false, 0, 0, api_leads_list_parse, NULL,
     api_leads_list_run},
    {"leads.php", M_POST, "leads", false, false, 0, 0, api_leads_add_parse, NULL,
     api_leads_add_run},
};
const size_t api_routes_count = sizeof api_routes / sizeof api_routes[0];
