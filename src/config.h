/* config.h - connection settings: INI profiles, environment, validation.
 *
 * Order of precedence, lowest first: config_init() defaults, the config
 * file's selected [profile], CWMFS_* environment variables.  Secrets are
 * only ever read from the file or the environment, never from -o options
 * (they would show in ps); see config_is_secret_option().
 *
 * Every function that can fail returns 0 or -1 and writes a one-line,
 * human-readable message to err (when err is not NULL and errlen > 0).
 * Messages never contain the private key. */
#ifndef CWMFS_CONFIG_H
#define CWMFS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_DEFAULT_TTL 60
/* Longest accepted config-file line, excluding its newline. */
#define CONFIG_MAX_LINE 4096

struct cwm_config {
    char *url; /* scheme://host[:port]; trailing slashes are stripped on load */
    char *company;
    char *public_key;
    char *private_key;
    char *client_id;
    char *codebase;    /* e.g. "v4_6_release/" (loaded with no leading slash and
                          exactly one trailing slash); NULL = discover via
                          /login/companyinfo */
    char *api_version; /* Accept version; NULL: the server's (info.version) */
    int ttl;           /* seconds, default 60, >= 0 */
    /* The profile's saved queries ("query.<name> = <collection>:
     * <conditions>"), one "<name>\t<definition>\n" line each; NULL for
     * none.  The file only: not from the environment. */
    char *queries;
};

/* Defaults: ttl 60, everything else NULL. */
void config_init(struct cwm_config *cfg);

/* Frees the strings (the private key is zeroed first) and resets every
 * field to NULL/0.  Safe on an already-freed or zeroed config. */
void config_free(struct cwm_config *cfg);

/* Parse the INI file `path` and apply the keys of section [profile]
 * (profile NULL means "default").
 *
 * Syntax: "[section]" headers; "key = value" lines (whitespace trimmed
 * around both; a value in "..." keeps its spaces, taken literally with no
 * escape sequences); lines whose first non-blank character is '#' or ';'
 * are comments; blank lines are ignored; a UTF-8 BOM and CRLF line ends
 * are accepted.  Keys: url, company, public_key, private_key, client_id,
 * codebase, api_version, ttl.  An empty value unsets the key.
 *
 * Returns 0, or -1 with a message (naming file and line for syntax
 * errors).  On -1, cfg is left unchanged.
 *   - missing file: -1 only when `required`; otherwise 0, cfg untouched.
 *     A file that exists but cannot be read, or is not a regular file,
 *     is always -1.
 *   - a private_key in any section while the file's mode has any group or
 *     other bit (st_mode & 077): -1, the message says "chmod 600 FILE".
 *   - an unknown key in the selected section: -1 naming the key (unknown
 *     keys in other sections are ignored).
 *   - a key outside any section, a malformed line, a line longer than
 *     CONFIG_MAX_LINE bytes, a NUL byte, an invalid ttl: -1 with file:line.
 *   - the selected profile absent: -1, except when profile is NULL (the
 *     environment may supply everything): then 0, cfg untouched.
 * Keys "query.<name>" define saved queries (see cwm_config.queries); the
 * name must be a plain file name. */
int config_load_file(struct cwm_config *cfg, const char *path,
                     const char *profile, bool required, char *err,
                     size_t errlen);

/* CWMFS_URL, CWMFS_COMPANY, CWMFS_PUBLIC_KEY, CWMFS_PRIVATE_KEY,
 * CWMFS_CLIENT_ID, CWMFS_CODEBASE, CWMFS_API_VERSION and CWMFS_TTL
 * override the file.  Unset or empty variables are ignored.  Returns -1
 * with a message on a bad CWMFS_TTL (or out of memory); cfg is then left
 * unchanged.  CWMFS_PRIVATE_KEY is taken out of the environment either
 * way: its bytes overwritten (/proc/<pid>/environ) and the variable unset. */
int config_apply_env(struct cwm_config *cfg, char *err, size_t errlen);

/* Completeness and safety checks before anything is sent:
 *   - url, company, public_key, private_key and client_id set
 *     and non-empty (the message names the config key and the CWMFS_
 *     variable that would set it);
 *   - no control characters in any value (they end up in HTTP headers);
 *   - url is scheme://host[:port] with no path, query, fragment or
 *     user info; https, or http only to a loopback host (127.0.0.0/8,
 *     [::1], localhost) - otherwise "refusing plain http:// to a
 *     non-loopback host ..."; any other scheme refused;
 *   - codebase, when set, is slash-separated [A-Za-z0-9._~-] segments
 *     with no "." or ".." segment;
 *   - ttl >= 0. */
int config_validate(const struct cwm_config *cfg, char *err, size_t errlen);

/* A profile as a mount loads it: config_load_file, then the CWMFS_*
 * environment (config_apply_env), then config_validate.  0, or -1 with a
 * one-line reason in err. */
int config_load_profile(struct cwm_config *cfg, const char *path,
                        const char *profile, bool required, char *err,
                        size_t errlen);
/* A one-line hint when url looks like a mistake that still validates (a
 * cloud host without its "api-" prefix), else NULL. */
const char *config_url_hint(const char *url);

/* $XDG_CONFIG_HOME/cwmfs/config when XDG_CONFIG_HOME is an absolute path,
 * else ~/.config/cwmfs/config ($HOME, or the passwd entry).  malloc'd;
 * NULL when no home directory is known or on allocation failure. */
char *config_default_path(void);

/* True for option names that carry secrets and must never be accepted as
 * -o options: anything containing "key", "secret", "password", "passwd",
 * "token" or "credential", case-insensitively.  A "name=value" string is
 * judged by its name part. */
bool config_is_secret_option(const char *name);

#endif /* CWMFS_CONFIG_H */
