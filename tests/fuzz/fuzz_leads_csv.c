/* Fuzz target: the leads CSV reader (an import body is outside input) and the
 * writer on whatever it accepted: every lead read back has a valid address and
 * a row is written without running past its cells. */
#include "base/buf.h"
#include "base/mem.h"
#include "leads/csv.h"
#include "leads/leads.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    struct csv_import in;
    struct err err = {0};
    if (csv_leads_read((const char *)data, size, &a, &in, &err) == RC_OK) {
        if (in.rejected_count > CSV_MAX_REJECTED || (int64_t)in.rejected_count > in.invalid)
            abort();
        struct buf out;
        buf_init(&out, 0);
        for (size_t i = 0; i < in.count; i++) {
            if (!lead_email_valid(in.leads[i].email)) abort();
            csv_lead_row(&out, &in.leads[i]);
        }
        buf_free(&out);
    }
    arena_cleanup(&a);
    return 0;
}
