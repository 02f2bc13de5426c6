/* xattr.h - the extended attributes of an object's file: user.cwm.id,
 * user.cwm.href (its API URL), user.cwm.lastUpdated, user.cwm.updatedBy
 * and user.cwm.fetched (when this copy came from the server).
 *
 * They are read-only and made from the copy the mount holds, never from a
 * request: `getfattr -d` over a whole folder costs the server nothing.  Values
 * are plain text without a terminating NUL, as getfattr(1) shows them. */
#ifndef CWMFS_XATTR_H
#define CWMFS_XATTR_H

#include <stddef.h>
#include <time.h>

#define XATTR_PREFIX "user.cwm."
#define XATTR_ITEMS 5

struct xattrs {
    size_t count;
    struct {
        const char *name; /* static */
        char *value;      /* malloc'd */
    } items[XATTR_ITEMS];
};

/* The attributes of the object whose text is text (an object of the API,
 * at api_base/endpoint/<id>), fetched at `fetched` (0: unknown).  What
 * the object lacks (an id, _info's fields) is left out.  0, -ENOMEM. */
int xattrs_of_object(struct xattrs *out, const char *text, size_t len,
                     const char *api_base, const char *endpoint,
                     time_t fetched);
void xattrs_clear(struct xattrs *x);

/* listxattr(2)'s answer: the names, each NUL-terminated.  Returns the
 * bytes (those needed when size is 0), or -ERANGE when size is short. */
int xattrs_list(const struct xattrs *x, char *list, size_t size);
/* getxattr(2)'s answer: the value's bytes (needed when size is 0),
 * -ENODATA for a name it does not hold, -ERANGE when size is short. */
int xattrs_get(const struct xattrs *x, const char *name, char *value,
               size_t size);

#endif
