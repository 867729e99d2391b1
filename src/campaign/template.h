/* Email templates: spintax `{a|b|{c|d}}` (nestable; `\{`, `\|`, `\}` and
 * `\\` are literal) and merge fields `{{firstname}}` / `{{firstname|there}}`.
 * One walker validates and renders, so what validates is exactly what renders.
 * Rendering picks each spintax option with equal probability from a caller-
 * seeded generator, so tests are repeatable. */
#ifndef LEADGEN_CAMPAIGN_TEMPLATE_H
#define LEADGEN_CAMPAIGN_TEMPLATE_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The merge fields a template may use, in this order. */
enum tpl_field {
    TPL_FIRSTNAME,
    TPL_LASTNAME,
    TPL_COMPANY,
    TPL_WEBSITE,
    TPL_EMAIL,
    TPL_PHONES,
    TPL_DESCRIPTION,
    TPL_FIELD_COUNT
};

struct tpl_vars {
    const char *values[TPL_FIELD_COUNT]; /* NULL or "" falls back */
};

/* True when text is balanced spintax with known merge fields; otherwise
 * writes a message (with the 1-based character position) into why. */
bool tpl_validate(const char *text, char *why, size_t why_len);
/* Appends the rendering of text to out; false (with why) on invalid text.
 * *rng is the generator state; any non-zero seed works. */
bool tpl_render(const char *text, const struct tpl_vars *vars, uint64_t *rng, struct buf *out,
                char *why, size_t why_len);
const char *tpl_field_name(enum tpl_field f);

#endif
