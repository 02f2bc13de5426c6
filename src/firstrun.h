/* firstrun.h - first-run help: cwmfs --init [profile] asks for the site,
 * company and keys, checks them with the server and only then writes the
 * profile; cwmfs --check [profile] runs the same checks on a profile as a
 * mount would load it, and mounts nothing.
 *
 * The checks are the mount's own: GET <url>/login/companyinfo/<company>
 * (no auth; the codebase), then the authenticated GET system/info.
 * --check also asks GET system/mymembers, the caller's own Member (what
 * ConnectWise's PowerShell module asks; the OpenAPI has no call that says
 * whose keys these are).  No credential is ever printed. */
#ifndef CWMFS_FIRSTRUN_H
#define CWMFS_FIRSTRUN_H

#include "config.h"
#include "options.h"

#include <stdbool.h>

/* cwmfs --init: the process's exit status (0: written). */
int firstrun_init(const struct cwmfs_options *opts);
/* cwmfs --check: the process's exit status (0: every check passed). */
int firstrun_check(const struct cwmfs_options *opts);

/* ---- the INI text, pure (tests/unit/test_firstrun.c) ---- */

/* Whether a name can be a section of the config file and read back as
 * itself: not empty, no brackets, blanks at its ends or control bytes. */
bool firstrun_profile_name_ok(const char *name);
/* Whether text (a config file, NULL for none) has a [profile] section, as
 * config.c would find it (blanks, a BOM and CRLF ends allowed). */
bool firstrun_has_profile(const char *text, const char *profile);
/* text (NULL: no file yet) with a [profile] section appended holding
 * cfg's url, company, public_key, private_key and client_id, every other
 * byte kept.  0 with *out malloc'd; -EEXIST when the profile is there
 * already; -ENOMEM. */
int firstrun_add_profile(const char *text, const char *profile,
                         const struct cwm_config *cfg, char **out);

#endif
