/* Fuzz target: a POST body for leads.php and projects.php goes through the
 * same JSON decoding and parameter validation the server applies. */
#include "api/api.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(body)) {
        json_decref(body);
        return 0;
    }
    struct request req;
    memset(&req, 0, sizeof req);
    arena_init(&req.arena);
    req.method = M_POST;
    req.json = body;
    api_leads_add_parse(&req);
    req.error = E_NONE;
    api_projects_create_parse(&req);
    json_decref(body);
    arena_cleanup(&req.arena);
    return 0;
}
