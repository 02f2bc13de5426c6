/* pages.c - a list's pages fetched at once, prepared as they come and
 * handed in order (see pages.h). */
#include "pages.h"

#include "clock.h"
#include "jsontext.h"
#include "progress.h"
#include "strmap.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lists whose page count is remembered: the collections, and the saved
 * searches and queries asked for lately (a forgotten one only costs its
 * next listing a round trip). */
#define SEEN_MAX 1024

struct pager {
    pager_get_fn get;
    void *ctx;
    int page_size;             /* items asked for a page (-o page_size) */
    int max_conns;             /* pages fetched at once (-o max_conns) */
    int max_pages;             /* pages one listing may take (-o max_pages) */
    struct progress *listings; /* in flight, for the status file */
    pthread_mutex_t seen_lock; /* guards seen */
    struct strmap *seen; /* endpoint -> pages its last listing had (int) */
};

struct pager *pager_new(pager_get_fn get, void *ctx)
{
    struct pager *pager = calloc(1, sizeof(*pager));

    if (!pager)
        return NULL;
    pager->get = get;
    pager->ctx = ctx;
    pager->page_size = API_MAX_PAGE_SIZE;
    pager->max_conns = API_DEFAULT_CONNS;
    pager->max_pages = API_DEFAULT_MAX_PAGES;
    pthread_mutex_init(&pager->seen_lock, NULL);
    pager->listings = progress_new();
    pager->seen = strmap_new(free);
    if (!pager->listings || !pager->seen) {
        pager_free(pager);
        return NULL;
    }
    return pager;
}

void pager_free(struct pager *pager)
{
    if (!pager)
        return;
    progress_free(pager->listings);
    strmap_free(pager->seen);
    pthread_mutex_destroy(&pager->seen_lock);
    free(pager);
}

void pager_set_page_size(struct pager *pager, int page_size)
{
    pager->page_size = page_size;
}

void pager_set_max_conns(struct pager *pager, int max_conns)
{
    pager->max_conns = max_conns;
}

void pager_set_max_pages(struct pager *pager, int max_pages)
{
    pager->max_pages = max_pages;
}

int pager_page_size(const struct pager *pager) { return pager->page_size; }

struct progress *pager_listings(struct pager *pager) { return pager->listings; }

/* True when a Link header offers rel="next". */
static bool link_has_next(const char *link)
{
    return link && strstr(link, "rel=\"next\"") != NULL;
}

int pager_link_last(const char *link)
{
    const char *rel = link ? strstr(link, "rel=\"last\"") : NULL;
    const char *open = rel, *page;

    while (open && open > link && *open != '<')
        open--;
    if (!open || *open != '<')
        return 0;
    for (page = strstr(open, "page="); page && page < rel;
         page = strstr(page + 1, "page="))
        if (page[-1] == '?' || page[-1] == '&') {
            long n = strtol(page + 5, NULL, 10); /* ERANGE: LONG_MAX */
            return n < 0 ? 0 : n > INT_MAX ? INT_MAX : (int)n;
        }
    return 0;
}

/* One page of a list, and what its Link header says of the others. */
struct page {
    struct http_response resp; /* the text the items lie in */
    struct json_span *items;
    size_t count;
    bool more;     /* rel="next" */
    int last;      /* rel="last", 0 when not said */
    bool prepared; /* the taker's prepare ran (the text is gone) */
    void *made;    /* what it made, until taken */
};

/* What the taker sees of page n. */
static struct api_page page_view(const struct page *page, int n)
{
    return (struct api_page){ n, page->items, page->count, page->made };
}

/* Frees a page, and through the taker (NULL: none yet) what its prepare
 * made of it. */
static void page_free(const struct api_page_taker *taker, struct page *page)
{
    if (page->made && taker && taker->discard) {
        struct api_page view = page_view(page, 0);
        taker->discard(taker->ctx, &view);
    }
    http_response_free(&page->resp);
    free(page->items);
    memset(page, 0, sizeof(*page));
}

static int request_page(struct pager *pager, const char *endpoint, int n,
                        struct http_response *resp, struct api_error *error)
{
    char *path;
    int rc;

    if (asprintf(&path, "%s%spageSize=%d&page=%d", endpoint,
                 strchr(endpoint, '?') ? "&" : "?", pager->page_size, n) < 0)
        return -ENOMEM;
    rc = pager->get(pager->ctx, path, resp, error);
    free(path);
    return rc;
}

/* Splits a page's answer (taken over) into its items, in out. */
static int digest_page(struct http_response *resp, const char *endpoint,
                       struct page *out, struct api_error *error)
{
    int rc;

    out->resp = *resp;
    out->more = link_has_next(resp->link);
    out->last = pager_link_last(resp->link);
    rc = jsontext_split(resp->body, resp->len, &out->items, &out->count);
    if (rc == -EINVAL) {
        snprintf(error->message, sizeof(error->message),
                 "GET %s: expected a JSON array", endpoint);
        rc = -EIO;
    }
    if (rc)
        page_free(NULL, out);
    return rc;
}

/* Says why the taker refused page n (rc, nonzero). */
static int refused_page(int rc, const char *endpoint, int n,
                        struct api_error *error)
{
    if (rc == -EIO)
        snprintf(error->message, sizeof(error->message),
                 "GET %s: page %d holds an item that is not JSON", endpoint, n);
    else
        snprintf(error->message, sizeof(error->message),
                 "GET %s: page %d could not be kept", endpoint, n);
    return rc;
}

/* Runs the taker's prepare on page n, once, then frees the page's text,
 * which only prepare reads. */
static int prepare_page(const struct api_page_taker *taker, int n,
                        struct page *page, const char *endpoint,
                        struct api_error *error)
{
    struct api_page view = page_view(page, n);
    int rc;

    if (!taker->prepare || page->prepared)
        return 0;
    view.prepared = NULL;
    rc = taker->prepare(taker->ctx, &view);
    page->prepared = true;
    page->made = view.prepared;
    if (rc)
        return refused_page(rc, endpoint, n, error);
    http_response_free(&page->resp);
    free(page->items);
    page->items = NULL;
    return 0;
}

/* Hands page n to the taker (prepared first, unless that was done while
 * another page was awaited). */
static int hand_page(const struct api_page_taker *taker, int n,
                     struct page *page, const char *endpoint,
                     struct api_error *error)
{
    struct api_page view;
    int rc = prepare_page(taker, n, page, endpoint, error);

    if (rc)
        return rc;
    view = page_view(page, n);
    page->made = NULL; /* the taker's now */
    rc = taker->take(taker->ctx, &view);
    if (view.prepared && taker->discard)
        taker->discard(taker->ctx, &view);
    return rc ? refused_page(rc, endpoint, n, error) : 0;
}

static int get_page(struct pager *pager, const char *endpoint, int n,
                    struct page *out, struct api_error *error)
{
    struct http_response resp;
    int rc = request_page(pager, endpoint, n, &resp, error);

    return rc ? rc : digest_page(&resp, endpoint, out, error);
}

/* A listing past max_pages: refused before any request for it. */
static int too_many_pages(struct pager *pager, const char *endpoint, int pages,
                          struct api_error *error)
{
    if (pages <= pager->max_pages)
        return 0;
    snprintf(error->message, sizeof(error->message),
             "GET %s: the listing goes on past %d pages (its Link header "
             "says so); -o max_pages=%d stops it there",
             endpoint, pager->max_pages, pager->max_pages);
    return -EFBIG;
}

/* Pages 2..last: fetched and split by up to max_conns threads at once,
 * and handed, in order, to the caller's thread, which gives each to the
 * taker while later pages are still on their way.  While it waits for the
 * next in order, it prepares any other that came (pages come back in any
 * order): the fetchers only fetch, and the caller is never idle while
 * there is work.  One thread prepares and takes, so the taker needs no
 * lock.
 *
 * When the list was listed before, its page count then is a guess, and
 * page 1 is fetched with pages 2..guess, at once: that saves a round trip
 * per listing (a TTL's expiry, a refresh).  Page 1 then says how many
 * pages there are now.  Pages past that are dropped unseen (a request is
 * wasted only when the list lost a page); a list that grew is fetched on
 * to its new end.  Until page 1 has spoken, a fetcher with no page left
 * to fetch waits rather than leave. */
struct fetch {
    struct pager *pager;
    const char *endpoint;
    const struct api_page_taker *taker;
    struct page *first;        /* handed while the others are fetched */
    struct page first_fetched; /* page 1, when fetched here */
    int *said;                 /* how many pages page 1 says there are */
    pthread_mutex_t lock;      /* guards what follows */
    pthread_cond_t changed;    /* a page came, the count is known, a failure */
    int next;                  /* the page the next fetcher takes */
    int last;                  /* as far as known; set by the caller alone */
    bool counted;              /* last is page 1's word, or all there will be */
    int cap;                   /* pages and done hold 0..cap */
    struct page *pages;        /* by number, split */
    bool *done;                /* pages[n] is there */
    int rc;                    /* the first failure stops every fetcher */
    struct api_error error;
    atomic_bool cancelled; /* the caller gave up: stop at once */
    pthread_t tid[API_MAX_CONNS];
    int started;
};

/* Records a failure (the first one wins); f locked. */
static void fail_locked(struct fetch *f, int rc, const struct api_error *error)
{
    if (rc && !f->rc) {
        f->rc = rc;
        f->error = *error;
        pthread_cond_broadcast(&f->changed);
    }
}

/* The failure that stops the listing, or 0. */
static int failure(struct fetch *f)
{
    int rc;

    pthread_mutex_lock(&f->lock);
    rc = f->rc;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

/* The number of the page to fetch next, or 0 when there is none (or a
 * failure stops the listing). */
static int take_number(struct fetch *f)
{
    int n = 0;

    pthread_mutex_lock(&f->lock);
    while (!f->rc && f->next > f->last && !f->counted)
        pthread_cond_wait(&f->changed, &f->lock);
    if (!f->rc && f->next <= f->last)
        n = f->next++;
    pthread_mutex_unlock(&f->lock);
    return n;
}

static void *fetch_pages(void *arg)
{
    struct fetch *f = arg;

    http_set_thread_cancel(&f->cancelled);
    for (int n = take_number(f); n; n = take_number(f)) {
        struct api_error error = { 0 };
        struct http_response resp;
        struct page page = { 0 };
        int rc = request_page(f->pager, f->endpoint, n, &resp, &error);

        if (rc == 0)
            rc = digest_page(&resp, f->endpoint, &page, &error);
        pthread_mutex_lock(&f->lock);
        fail_locked(f, rc, &error);
        if (rc == 0) {
            f->pages[n] = page;
            f->done[n] = true;
        }
        pthread_cond_broadcast(&f->changed);
        pthread_mutex_unlock(&f->lock);
    }
    http_set_thread_cancel(NULL);
    return NULL;
}

/* Fetchers, up to n in all; without any, this thread fetches what is
 * left itself. */
static void start_fetchers(struct fetch *f, int n)
{
    if (n > f->pager->max_conns)
        n = f->pager->max_conns;
    for (; f->started < n; f->started++)
        if (pthread_create(&f->tid[f->started], NULL, fetch_pages, f) != 0)
            break;
    if (f->started == 0) {
        pthread_mutex_lock(&f->lock);
        f->counted = true; /* nobody to wait for page 1 */
        pthread_mutex_unlock(&f->lock);
        fetch_pages(f);
    }
}

/* The caller gave up (its process was killed): every fetcher stops, its
 * transfer cut short; f locked. */
static void give_up_locked(struct fetch *f)
{
    struct api_error error = { 0 };

    snprintf(error.message, sizeof(error.message), "GET %s: the caller gave up",
             f->endpoint);
    fail_locked(f, -EINTR, &error);
    f->cancelled = true;
}

/* A page after n that came and is not prepared yet, or 0; f locked. */
static int unprepared_locked(const struct fetch *f, int n)
{
    for (int m = n + 1; m <= f->last; m++)
        if (f->done[m] && !f->pages[m].prepared)
            return m;
    return 0;
}

/* Prepares page m (come, and left alone by the fetchers from then on);
 * f locked, unlocked meanwhile. */
static void prepare_early_locked(struct fetch *f, int m)
{
    struct api_error error = { 0 };
    int rc;

    pthread_mutex_unlock(&f->lock);
    rc = prepare_page(f->taker, m, &f->pages[m], f->endpoint, &error);
    pthread_mutex_lock(&f->lock);
    fail_locked(f, rc, &error);
}

/* Waits for page n (moved to *page), preparing others meanwhile; false
 * after a failure. */
static bool wait_for_page(struct fetch *f, int n, struct page *page)
{
    bool ok;

    pthread_mutex_lock(&f->lock);
    while (!f->done[n] && !f->rc) {
        /* look at the caller 10 times a second */
        struct timespec tick = clock_wall_after(0.1);
        int m = unprepared_locked(f, n);

        if (m)
            prepare_early_locked(f, m);
        else if (pthread_cond_timedwait(&f->changed, &f->lock, &tick) ==
                     ETIMEDOUT &&
                 http_gave_up())
            give_up_locked(f);
    }
    ok = f->done[n] && !f->rc;
    if (ok) {
        *page = f->pages[n];
        f->done[n] = false;
    }
    pthread_mutex_unlock(&f->lock);
    return ok;
}

/* Hands page 1, then pages 2..last in order as they arrive, to the
 * taker; *more: whether the last said the list goes on. */
static int digest_pages(struct fetch *f, bool *more)
{
    for (int n = 1; !failure(f) && n <= f->last; n++) {
        struct api_error error = { 0 };
        struct page page = { 0 };
        int rc;

        if (n == 1) {
            *more = f->first->more;
            rc = hand_page(f->taker, 1, f->first, f->endpoint, &error);
        } else {
            if (!wait_for_page(f, n, &page))
                break;
            *more = page.more;
            rc = hand_page(f->taker, n, &page, f->endpoint, &error);
            page_free(f->taker, &page);
        }
        pthread_mutex_lock(&f->lock);
        fail_locked(f, rc, &error);
        pthread_mutex_unlock(&f->lock);
    }
    return failure(f);
}

/* Room for pages 0..n; f locked (the fetchers touch the arrays only so). */
static int grow_locked(struct fetch *f, int n)
{
    struct page *pages;
    bool *done;

    if (n <= f->cap)
        return 0;
    pages = realloc(f->pages, ((size_t)n + 1) * sizeof(*pages));
    if (pages)
        f->pages = pages;
    done = pages ? realloc(f->done, ((size_t)n + 1) * sizeof(*done)) : NULL;
    if (!done)
        return -ENOMEM;
    f->done = done;
    memset(&f->pages[f->cap + 1], 0, (size_t)(n - f->cap) * sizeof(*pages));
    memset(&f->done[f->cap + 1], 0, (size_t)(n - f->cap) * sizeof(*done));
    f->cap = n;
    return 0;
}

/* How many pages page 1 (come) says there are: its rel="last", 1 when it
 * says the list ends, the guess when it says neither. */
static int pages_said(const struct fetch *f, const struct page *first)
{
    if (!first->more || first->count == 0)
        return 1;
    return first->last ? first->last : f->last;
}

/* Waits for page 1, fetched with the guessed others, and puts the count
 * it says in place of the guess. */
static int learn_count(struct fetch *f)
{
    struct api_error error = { 0 };
    int rc = 0, said = 1;

    f->first = &f->first_fetched;
    if (wait_for_page(f, 1, f->first)) {
        said = pages_said(f, f->first);
        rc = too_many_pages(f->pager, f->endpoint, said, &error);
    }
    pthread_mutex_lock(&f->lock);
    if (rc == 0 && !f->rc)
        rc = grow_locked(f, said);
    if (rc == -ENOMEM)
        snprintf(error.message, sizeof(error.message),
                 "GET %s: out of memory for %d pages", f->endpoint, said);
    fail_locked(f, rc, &error);
    if (!f->rc) {
        f->last = said;
        *f->said = said;
    }
    f->counted = true;
    pthread_cond_broadcast(&f->changed);
    rc = f->rc;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int fetch_in_parallel(struct fetch *f, bool *more)
{
    bool guessing = !f->first;

    start_fetchers(f, f->last - f->next + 1);
    /* a list that grew past the guess: more fetchers for the rest */
    if (guessing && learn_count(f) == 0)
        start_fetchers(f, f->last - 1);
    if (!failure(f))
        digest_pages(f, more);
    for (int i = 0; i < f->started; i++)
        pthread_join(f->tid[i], NULL);
    return f->rc;
}

/* Page 1 handed while pages 2..last are fetched at once; first is page
 * 1, or NULL to fetch it with the others, last (a guess, then) said
 * before.  *more: whether the list goes on past them; *said: how many
 * pages page 1 said there are. */
static int each_page_in_parallel(struct pager *pager, const char *endpoint,
                                 struct page *first, int last,
                                 const struct api_page_taker *taker, bool *more,
                                 int *said, struct api_error *error)
{
    struct fetch f = { .pager = pager,
                       .endpoint = endpoint,
                       .taker = taker,
                       .first = first,
                       .said = said,
                       .next = first ? 2 : 1,
                       .last = last,
                       .counted = first != NULL,
                       .cap = last };
    int rc = -ENOMEM;

    *more = false;
    pthread_mutex_init(&f.lock, NULL);
    pthread_cond_init(&f.changed, NULL);
    f.pages = calloc((size_t)last + 1, sizeof(*f.pages));
    f.done = calloc((size_t)last + 1, sizeof(*f.done));
    if (f.pages && f.done)
        rc = fetch_in_parallel(&f, more);
    if (rc)
        *error = f.error;
    *more = rc == 0 && *more;
    for (int n = 0; f.done && n <= f.cap; n++)
        if (f.done[n]) /* fetched after a failure, or past the end */
            page_free(taker, &f.pages[n]);
    page_free(taker, &f.first_fetched);
    free(f.pages);
    free(f.done);
    pthread_cond_destroy(&f.changed);
    pthread_mutex_destroy(&f.lock);
    return rc;
}

/* How many pages the last listing of endpoint had, 0 when none was. */
static int pages_seen(struct pager *pager, const char *endpoint)
{
    int *seen, pages;

    pthread_mutex_lock(&pager->seen_lock);
    seen = strmap_get(pager->seen, endpoint);
    pages = seen ? *seen : 0;
    pthread_mutex_unlock(&pager->seen_lock);
    return pages > pager->max_pages ? pager->max_pages : pages;
}

static void remember_pages(struct pager *pager, const char *endpoint, int pages)
{
    int *seen = malloc(sizeof(*seen));

    if (!seen)
        return; /* only a guess lost */
    *seen = pages;
    pthread_mutex_lock(&pager->seen_lock);
    if (!strmap_get(pager->seen, endpoint) &&
        strmap_count(pager->seen) >= SEEN_MAX)
        free(strmap_take_oldest(pager->seen));
    if (strmap_put(pager->seen, endpoint, seen) != 0)
        free(seen);
    pthread_mutex_unlock(&pager->seen_lock);
}

/* A page taker that tells the listing's progress before handing on. */
struct counted {
    const struct api_page_taker *taker;
    struct progress_slot *slot;
    int pages; /* as far as page 1 knew */
};

static int count_prepare(void *ctx, struct api_page *page)
{
    const struct counted *c = ctx;

    return c->taker->prepare(c->taker->ctx, page);
}

static int count_take(void *ctx, struct api_page *page)
{
    struct counted *c = ctx;

    progress_page(c->slot, page->n, c->pages);
    return c->taker->take(c->taker->ctx, page);
}

static void count_discard(void *ctx, struct api_page *page)
{
    const struct counted *c = ctx;

    c->taker->discard(c->taker->ctx, page);
}

static int each_page(struct pager *pager, const char *endpoint,
                     const struct api_page_taker *taker, int *pages,
                     struct api_error *error);

/* Once page 1 said how many there are, the rest come at once (bounded by
 * max_conns); a list that grew meanwhile is followed on, one by one, up
 * to max_pages: a Link header that never ends costs that many requests. */
int pager_each_page(struct pager *pager, const char *endpoint,
                    const struct api_page_taker *taker, struct api_error *error)
{
    struct counted counted = { taker, progress_begin(pager->listings, endpoint),
                               1 };
    struct api_page_taker counting = { taker->prepare ? count_prepare : NULL,
                                       count_take,
                                       taker->discard ? count_discard : NULL,
                                       &counted };
    int rc = each_page(pager, endpoint, &counting, &counted.pages, error);

    progress_end(counted.slot);
    return rc;
}

/* After rc (0 to go on), page n on, one by one, while the one before
 * said the list goes on; then the count is remembered for the next
 * listing. */
static int follow_link(struct pager *pager, const char *endpoint,
                       const struct api_page_taker *taker, int rc, int n,
                       bool more, struct api_error *error)
{
    for (; rc == 0 && more; n++) { /* the Link header decides */
        struct page next = { 0 };

        rc = too_many_pages(pager, endpoint, n, error);
        if (rc == 0)
            rc = get_page(pager, endpoint, n, &next, error);
        if (rc)
            break;
        /* An empty page also ends a runaway loop. */
        more = next.more && next.count > 0;
        rc = hand_page(taker, n, &next, endpoint, error);
        page_free(taker, &next);
    }
    if (rc == 0)
        remember_pages(pager, endpoint, n - 1);
    return rc;
}

/* *pages: how many page 1 said there are.  When the list was listed
 * before, its other pages are asked for with page 1 (each_page_in_parallel
 * says why). */
static int each_page(struct pager *pager, const char *endpoint,
                     const struct api_page_taker *taker, int *pages,
                     struct api_error *error)
{
    struct page first = { 0 };
    int guess = pages_seen(pager, endpoint), rc, n = 2;
    bool more;

    if (guess > 1 && pager->max_conns > 1) {
        rc = each_page_in_parallel(pager, endpoint, NULL, guess, taker, &more,
                                   pages, error);
        n = *pages + 1;
        return follow_link(pager, endpoint, taker, rc, n, more, error);
    }
    rc = get_page(pager, endpoint, 1, &first, error);
    if (rc)
        return rc;
    more = first.more && first.count > 0;
    if (more)
        *pages = first.last;
    rc = more ? too_many_pages(pager, endpoint, first.last, error) : 0;
    if (rc) {
        page_free(taker, &first);
        return rc;
    }
    if (more && first.last > 2 && pager->max_conns > 1) {
        rc = each_page_in_parallel(pager, endpoint, &first, first.last, taker,
                                   &more, pages, error);
        n = first.last + 1;
    } else {
        rc = hand_page(taker, 1, &first, endpoint, error);
    }
    page_free(taker, &first);
    return follow_link(pager, endpoint, taker, rc, n, more, error);
}
