/* leadgen: one binary for the API server, the scheduler and the admin CLI. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
