/* The configuration table: every LEADGEN_* variable with its default and help.
 * Values come from the environment, else from the LEADGEN_CONFIG file
 * (KEY=value lines), else the default. Strings returned live for the process. */
#ifndef LEADGEN_CONFIG_H
#define LEADGEN_CONFIG_H

#include "base/rc.h"

#include <stdbool.h>
#include <stdint.h>

struct config_var {
    const char *name;
    const char *fallback; /* NULL: unset */
    const char *help;
};

/* Loads LEADGEN_CONFIG if set; an unreadable file or a malformed line is an error. */
enum rc config_load(struct err *err);
/* The value of a table variable, or NULL when unset; aborts on a name not in the table. */
const char *config_get(const char *name);
/* Integer value clamped to [min, max]; the default or fallback when unset or not a number. */
int64_t config_int(const char *name, int64_t fallback, int64_t min, int64_t max);
bool config_bool(const char *name);
const struct config_var *config_table(int *count);

#endif
