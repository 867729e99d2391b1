/* campaigns/generate.php: an email sequence written by an OpenAI-compatible
 * model. 1 credit per email generated (at least 2, at most 10), charged only
 * when validated steps are returned. */
#include "api/api.h"

#include "ai/ai.h"

enum { PROMPT_MAX = 8000, CUSTOM_PROMPT_MAX = 20000 };

struct generate_params {
    const char *prompt, *system, *user_template;
    int64_t num_followups;
};

bool api_generate_parse(struct request *req)
{
    struct generate_params *p = req->params = arena_alloc(&req->arena, sizeof *p);
    if (!param_string(req, "prompt", true, PROMPT_MAX, &p->prompt) ||
        !param_int(req, "num_followups", false, 2, 1, 5, &p->num_followups) ||
        !param_string(req, "custom_system_prompt", false, CUSTOM_PROMPT_MAX, &p->system) ||
        !param_string(req, "custom_user_prompt_template", false, CUSTOM_PROMPT_MAX,
                      &p->user_template))
        return false;
    const char *key = api_options()->ai.key;
    if (!key || !*key)
        return req_fail(req, E_NOT_CONFIGURED,
                        "AI generation is not configured: set LEADGEN_AI_KEY (any value for "
                        "servers that need none) and LEADGEN_AI_URL.");
    return true;
}

bool api_generate_run(struct request *req)
{
    const struct generate_params *p = req->params;
    char *user = ai_user_prompt(&req->arena,
                                p->user_template ? p->user_template : ai_default_user_template,
                                (int)p->num_followups, p->prompt);
    struct ai_prompt prompt = {.system = p->system, .user = user,
                               .num_followups = (int)p->num_followups};
    json_t *steps = NULL;
    struct err err = {0};
    if (ai_generate_steps(&api_options()->ai, &prompt, &steps, &err) != RC_OK)
        return req_fail(req, E_API_ERROR, "%s", err.msg);
    int64_t emails = (int64_t)json_array_size(steps);
    req->cost = emails < 2 ? 2 : emails > 10 ? 10 : emails;
    req->data = json_pack("{s:o}", "steps", steps);
    return true;
}
