/* What the command files share with the command table (cli.c). Not for use
 * outside src/cli/. Commands return an exit status, or -1 for a usage error. */
#ifndef LEADGEN_CLI_INT_H
#define LEADGEN_CLI_INT_H

#include "store/store.h"

/* The configured store (migrated), or NULL after printing why. */
struct store *cli_open_store(void);

/* cli_data.c */
int cli_leads_import(int argc, char **argv);
int cli_leads_export(int argc, char **argv);
int cli_subject_export(int argc, char **argv);
int cli_subject_erase(int argc, char **argv);

#endif
