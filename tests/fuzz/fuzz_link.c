/* fuzz_link.c - the Link header of a listing page, as pages.c reads it for
 * the last page.  Oracle: the answer is a page number, never negative. */
#include "fuzz.h"

#include "api.h"
#include "pages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *link = fuzz_string(data, size);

    FUZZ_REQUIRE(pager_link_last(link) >= 0);
    free(link);
    return 0;
}
