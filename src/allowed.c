/* allowed.c - see allowed.h. */
#include "allowed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strmap.h"

/* Methods on an object's own route; POST goes to the collection's. */
#define ITEM_VERBS (VERB_PUT | VERB_PATCH | VERB_DELETE)

struct allowed {
    pthread_mutex_t lock;
    /* pattern -> unsigned, the verbs refused: by the row's pattern, which
     * the copies bound to a directory's values share (tokens/<member>/:
     * one member's 405 speaks for all). */
    struct strmap *refused;
};

static const struct {
    unsigned verb;
    const char *method;
} methods[] = {
    { VERB_GET, "GET" },     { VERB_POST, "POST" },     { VERB_PUT, "PUT" },
    { VERB_PATCH, "PATCH" }, { VERB_DELETE, "DELETE" },
};

struct allowed *allowed_new(void)
{
    struct allowed *allowed = calloc(1, sizeof(*allowed));

    if (!allowed)
        return NULL;
    allowed->refused = strmap_new(free);
    if (!allowed->refused) {
        free(allowed);
        return NULL;
    }
    pthread_mutex_init(&allowed->lock, NULL);
    return allowed;
}

void allowed_free(struct allowed *allowed)
{
    if (!allowed)
        return;
    strmap_free(allowed->refused);
    pthread_mutex_destroy(&allowed->lock);
    free(allowed);
}

unsigned allowed_verbs(struct allowed *allowed, const struct resource_type *res)
{
    unsigned *refused, verbs = res->verbs;

    pthread_mutex_lock(&allowed->lock);
    refused = strmap_get(allowed->refused, res->pattern);
    if (refused)
        verbs &= ~*refused;
    pthread_mutex_unlock(&allowed->lock);
    return verbs;
}

unsigned allowed_parse(const char *header)
{
    unsigned verbs = 0;

    for (const char *p = header; p && *p;) {
        size_t n;

        p += strspn(p, " \t,");
        n = strcspn(p, " \t,");
        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
            if (n == strlen(methods[i].method) &&
                strncasecmp(p, methods[i].method, n) == 0)
                verbs |= methods[i].verb;
        p += n;
    }
    return verbs;
}

const char *allowed_method(unsigned verb)
{
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (methods[i].verb == verb)
            return methods[i].method;
    return "?";
}

/* What a 405 to verb says is refused: the route's other methods too when
 * the Allow header names what the route takes. */
static unsigned refused_by(unsigned verb, const char *allow)
{
    unsigned route = (verb & ITEM_VERBS) ? ITEM_VERBS : verb;
    unsigned named = allowed_parse(allow);

    return (named ? route & ~named : 0) | verb;
}

bool allowed_learn(struct allowed *allowed, const struct resource_type *res,
                   unsigned verb, const struct api_error *err)
{
    unsigned *refused;
    bool ok = true;

    if (!err || err->status != 405)
        return false;
    pthread_mutex_lock(&allowed->lock);
    refused = strmap_get(allowed->refused, res->pattern);
    if (!refused) {
        refused = calloc(1, sizeof(*refused));
        ok = refused &&
             strmap_put(allowed->refused, res->pattern, refused) == 0;
        if (!ok)
            free(refused); /* not remembered: the next write asks again */
    }
    if (ok)
        *refused |= refused_by(verb, err->allow);
    pthread_mutex_unlock(&allowed->lock);
    return true;
}

void allowed_forget_all(struct allowed *allowed)
{
    pthread_mutex_lock(&allowed->lock);
    strmap_clear(allowed->refused);
    pthread_mutex_unlock(&allowed->lock);
}
