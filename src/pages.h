/* pages.h - a list's pages: page 1 and the others fetched at once (up to
 * max_conns connections), each prepared as it comes and handed to the
 * taker in order (api.h says what a taker is).
 *
 * The pager fetches only through the function it is given (api_call, in
 * a mount): URLs, keys and retries are not its concern.  It remembers how
 * many pages each list had, so that the next listing of it asks for them
 * all at once (pages.c says why that is safe). */
#ifndef CWMFS_PAGES_H
#define CWMFS_PAGES_H

#include "api.h"
#include "http.h"

/* GETs path (under system/, query included) into *resp: 0, or -errno
 * with error saying why. */
typedef int (*pager_get_fn)(void *ctx, const char *path,
                            struct http_response *resp,
                            struct api_error *error);

struct pager;

/* NULL without memory.  Defaults: API_MAX_PAGE_SIZE items a page,
 * API_DEFAULT_CONNS at once, API_DEFAULT_MAX_PAGES pages. */
struct pager *pager_new(pager_get_fn get, void *ctx);
void pager_free(struct pager *pager);
void pager_set_page_size(struct pager *pager, int page_size);
void pager_set_max_conns(struct pager *pager, int max_conns);
void pager_set_max_pages(struct pager *pager, int max_pages);
int pager_page_size(const struct pager *pager);
/* The listings in flight (progress.h). */
struct progress *pager_listings(struct pager *pager);

/* Every page of the list at system/<endpoint>, each handed to the taker
 * as api_each_page says.  0 or -errno (error says why). */
int pager_each_page(struct pager *pager, const char *endpoint,
                    const struct api_page_taker *taker,
                    struct api_error *error);

/* The page number of a Link header's rel="last" URL, or 0 if none. */
int pager_link_last(const char *link);

#endif
