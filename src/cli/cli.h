/* Command-line entry point: dispatches argv through the command table. */
#ifndef LEADGEN_CLI_H
#define LEADGEN_CLI_H

int cli_main(int argc, char **argv);

#endif
