/* fuzz_error.c - a ConnectWise error body ({"code","message","errors"})
 * made into the one line cwmfs logs.  Oracle: the line is terminated and
 * fits its buffer, whatever the body. */
#include "fuzz.h"

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_response resp = { .status = 400 };
    struct api_error error;

    resp.body = fuzz_string(data, size);
    resp.len = size;
    memset(&error, 'x', sizeof(error));
    api_describe_error(&resp, &error);
    FUZZ_REQUIRE(memchr(error.message, 0, sizeof(error.message)) != NULL);
    FUZZ_REQUIRE(memchr(error.allow, 0, sizeof(error.allow)) != NULL);
    free(resp.body);
    return 0;
}
