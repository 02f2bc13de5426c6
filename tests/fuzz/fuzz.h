/* fuzz.h - what the libFuzzer targets share.
 *
 * Each target feeds one parser of input cwmfs does not control (the
 * server's answers, the config file, the mount table) and checks what
 * must hold for every input: no crash, no leak, no undefined behaviour
 * (ASan, UBSan), and the target's own oracle, which aborts on failure. */
#ifndef CWMFS_FUZZ_H
#define CWMFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (malloc'd; aborts without memory). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* An oracle that failed: says which, and stops the run with the input. */
#define FUZZ_REQUIRE(cond)                                                    \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: oracle failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                   \
            abort();                                                          \
        }                                                                     \
    } while (0)

#endif
