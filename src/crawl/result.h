/* A crawl's answer: the data object that crawl.php and `leadgen crawl` print
 * (domain, pages_crawled, metadata, emails on the site's domain, all emails,
 * phones, social links, in that order) and what it costs: 1 credit per site
 * email, at most CRAWL_MAX_CREDITS, at least 1 when anything was found. */
#ifndef LEADGEN_CRAWL_RESULT_H
#define LEADGEN_CRAWL_RESULT_H

#include "crawl/crawl.h"

#include <jansson.h>
#include <stdint.h>

enum { CRAWL_MAX_CREDITS = 15 };

/* A new reference. */
json_t *crawl_result_json(const struct crawl_result *r);
int64_t crawl_result_cost(const struct crawl_result *r);
/* The same rule on a data object (after erased addresses were taken out of it). */
int64_t crawl_data_cost(const json_t *data);

#endif
