/* test_walks.c - unit tests for walks.c: when stats add up to a walk. */
#include "unit.h"
#include "walks.h"

int main(void)
{
    struct walks *w = walks_new();

    CHECK(w != NULL);
    if (!w)
        return unit_report();
    /* never listed: each stat asks for its object */
    for (int i = 0; i < 3 * WALK_MISSES; i++)
        CHECK(!walks_missed(w, "list:members"));
    walks_listed(w, "list:members");
    for (int i = 1; i < WALK_MISSES; i++)
        CHECK(!walks_missed(w, "list:members"));
    CHECK(walks_missed(w, "list:members")); /* the walk is seen */
    CHECK(!walks_missed(w, "list:callbacks"));
    walks_listed(w, "list:members"); /* listed again: counted anew */
    CHECK(!walks_missed(w, "list:members"));
    walks_free(w);
    return unit_report();
}
