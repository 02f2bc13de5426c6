/* runs.c - see runs.h. */
#include "runs.h"

#include "strmap.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct runs {
    pthread_mutex_t lock;
    struct strmap *params; /* object -> JSON text */
};

struct runs *runs_new(void)
{
    struct runs *runs = calloc(1, sizeof(*runs));

    if (!runs)
        return NULL;
    runs->params = strmap_new(free);
    if (!runs->params) {
        free(runs);
        return NULL;
    }
    pthread_mutex_init(&runs->lock, NULL);
    return runs;
}

void runs_free(struct runs *runs)
{
    if (!runs)
        return;
    strmap_free(runs->params);
    pthread_mutex_destroy(&runs->lock);
    free(runs);
}

char *runs_params(struct runs *runs, const char *object)
{
    const char *text;
    char *copy;

    pthread_mutex_lock(&runs->lock);
    text = strmap_get(runs->params, object);
    copy = strdup(text ? text : "{}");
    pthread_mutex_unlock(&runs->lock);
    return copy;
}

int runs_set_params(struct runs *runs, const char *object, const char *text)
{
    char *copy = strdup(text);
    int rc;

    if (!copy)
        return -ENOMEM;
    pthread_mutex_lock(&runs->lock);
    rc = strmap_put(runs->params, object, copy);
    pthread_mutex_unlock(&runs->lock);
    if (rc)
        free(copy);
    return rc;
}
