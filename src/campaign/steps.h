/* Campaign steps ({"subject", "body", "delay_days"}) as Create Campaign,
 * Update Steps and the AI generator accept them, and the HTML rules for
 * generated bodies (no scripts, event handlers or external resources). */
#ifndef LEADGEN_CAMPAIGN_STEPS_H
#define LEADGEN_CAMPAIGN_STEPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum { STEPS_MAX = 20, STEP_SUBJECT_MAX = 500, STEP_BODY_MAX = 50000, STEP_DELAY_MAX = 365 };

/* Checks a JSON array of steps; expected is the exact count, or 0 for 1..STEPS_MAX.
 * With safe_html, bodies must also pass steps_html_safe. The message in why
 * names the step and field, e.g. "steps[1].subject: unbalanced '{' ...".
 * Normalises in place what it accepts: a delay_days given as a decimal string
 * ("3") becomes the integer, and a first step without one gets 0. */
bool steps_validate(json_t *steps, size_t expected, bool safe_html, char *why,
                    size_t why_len);
/* False for <script>, <iframe>, <object>, <embed>, <link>, <style>, <meta>,
 * <form>, <base>, on* event attributes, src/srcset/background attributes,
 * url(...) and @import in styles, and javascript: links. */
bool steps_html_safe(const char *body, char *why, size_t why_len);

#endif
