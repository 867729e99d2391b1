/* The handlers' copy of the domain modules' options: written once by start-up,
 * before any request thread exists, and only read afterwards. */
#include "api/api.h"

static struct api_options options;

void api_configure(const struct api_options *o)
{
    options = *o;
}

const struct api_options *api_options(void)
{
    return &options;
}
