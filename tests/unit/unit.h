/* unit.h - a tiny assertion helper shared by the C unit tests.
 *
 * Checks never abort: each failure prints file:line and the test keeps
 * going, so one run shows every broken expectation.  A test's main() ends
 * with `return unit_report();`, which prints "N passed, N failed" and
 * returns non-zero when anything failed (what ctest looks at). */
#ifndef CWMFS_TESTS_UNIT_H
#define CWMFS_TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

/* static: every test is its own executable, so one copy per program. */
static int unit_passed;
static int unit_failed;

static inline void unit_fail_header(const char *file, int line)
{
    fprintf(stderr, "%s:%d: FAILED: ", file, line);
}

#define CHECK(cond)                               \
    do {                                          \
        if (cond) {                               \
            unit_passed++;                        \
        } else {                                  \
            unit_failed++;                        \
            unit_fail_header(__FILE__, __LINE__); \
            fprintf(stderr, "%s\n", #cond);       \
        }                                         \
    } while (0)

/* NULL-safe: NULL equals only NULL. */
#define CHECK_STR_EQ(a, b)                                           \
    do {                                                             \
        const char *unit_a_ = (a);                                   \
        const char *unit_b_ = (b);                                   \
        if ((unit_a_ == NULL && unit_b_ == NULL) ||                  \
            (unit_a_ && unit_b_ && strcmp(unit_a_, unit_b_) == 0)) { \
            unit_passed++;                                           \
        } else {                                                     \
            unit_failed++;                                           \
            unit_fail_header(__FILE__, __LINE__);                    \
            fprintf(stderr,                                          \
                    "%s == %s\n  got:      \"%s\"\n"                 \
                    "  expected: \"%s\"\n",                          \
                    #a, #b, unit_a_ ? unit_a_ : "(null)",            \
                    unit_b_ ? unit_b_ : "(null)");                   \
        }                                                            \
    } while (0)

#define CHECK_INT_EQ(a, b)                         \
    do {                                           \
        long long unit_a_ = (long long)(a);        \
        long long unit_b_ = (long long)(b);        \
        if (unit_a_ == unit_b_) {                  \
            unit_passed++;                         \
        } else {                                   \
            unit_failed++;                         \
            unit_fail_header(__FILE__, __LINE__);  \
            fprintf(stderr,                        \
                    "%s == %s\n  got:      %lld\n" \
                    "  expected: %lld\n",          \
                    #a, #b, unit_a_, unit_b_);     \
        }                                          \
    } while (0)

static inline int unit_report(void)
{
    printf("%d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}

#endif /* CWMFS_TESTS_UNIT_H */
