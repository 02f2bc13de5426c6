/* test_api.c - unit tests for api.c's pure parts: the version a server
 * names, and the errno of a status. */
#include <errno.h>
#include <stdlib.h>

#include "api.h"
#include "pages.h"
#include "unit.h"

static void check_version(const char *info_json, const char *want)
{
    cJSON *info = cJSON_Parse(info_json);
    char *got = api_version_of(info);

    CHECK_STR_EQ(got, want);
    free(got);
    cJSON_Delete(info);
}

int main(void)
{
    check_version("{\"version\": \"v2025.8.102945\"}", "2025.8");
    check_version("{\"version\": \"2026.4\"}", "2026.4");
    check_version("{\"version\": \"v2025\"}", NULL);
    check_version("{\"version\": \"beta\"}", NULL);
    check_version("{\"version\": 2025.8}", NULL);
    check_version("{}", NULL);
    CHECK_INT_EQ(pager_link_last(
                     "<https://x/members?pageSize=1000&page=2>; rel=\"next\", "
                     "<https://x/members?pageSize=1000&page=10>; rel=\"last\""),
                 10);
    CHECK_INT_EQ(pager_link_last("<https://x/m?page=3&pageSize=5>; "
                                 "rel=\"last\""),
                 3);
    CHECK_INT_EQ(pager_link_last("<https://x/m?subpage=7>; rel=\"last\""), 0);
    CHECK_INT_EQ(pager_link_last("<https://x/m?page=2>; rel=\"next\""), 0);
    CHECK_INT_EQ(pager_link_last(NULL), 0);
    CHECK_INT_EQ(api_status_to_errno(200), 0);
    CHECK_INT_EQ(api_status_to_errno(404), -ENOENT);
    CHECK_INT_EQ(api_status_to_errno(403), -EACCES);
    CHECK_INT_EQ(api_status_to_errno(500), -EIO);
    return unit_report();
}
