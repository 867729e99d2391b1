/* Email-sequence generation with any OpenAI-compatible chat-completions
 * server (OpenAI, llama.cpp's server, Ollama, vLLM): structured JSON output
 * described by a strict JSON schema, parsed and validated before it is
 * returned, with one retry that feeds the validation error back. */
#ifndef LEADGEN_AI_H
#define LEADGEN_AI_H

#include "base/mem.h"
#include "base/rc.h"

#include <jansson.h>

struct ai_options {
    const char *url;   /* LEADGEN_AI_URL: the API base, "/chat/completions" is appended */
    const char *key;   /* LEADGEN_AI_KEY: NULL or "" means not configured */
    const char *model; /* LEADGEN_AI_MODEL */
    long timeout_ms;   /* LEADGEN_UPSTREAM_TIMEOUT */
};

struct ai_prompt {
    const char *system; /* NULL: the default cold-outreach prompt */
    const char *user;   /* the finished user message */
    int num_followups;  /* the answer must hold 1 + num_followups steps */
};

extern const char ai_default_system_prompt[];
extern const char ai_default_user_template[];

/* RC_OK with *steps (a new reference to a validated array); RC_UPSTREAM when
 * the server failed, refused, or answered invalid steps twice. */
enum rc ai_generate_steps(const struct ai_options *o, const struct ai_prompt *prompt,
                          json_t **steps, struct err *err);
/* Substitutes {num_followups} and {prompt} in a user-prompt template; the text
 * lives in a. */
char *ai_user_prompt(struct arena *a, const char *template_text, int num_followups,
                     const char *prompt);

#endif
