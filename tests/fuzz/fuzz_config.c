/* fuzz_config.c - the INI config file, loaded and validated as at mount.
 * Oracle: an error always comes with its one-line reason. */
#include "fuzz.h"

#include "config.h"

#include <fcntl.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    struct cwm_config cfg;
    char err[512] = "";
    int fd, rc;

    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/cwmfs-fuzz-config-%d", getpid());
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    config_init(&cfg);
    rc = config_load_file(&cfg, path, size && data[0] & 1 ? "p" : NULL, true,
                          err, sizeof(err));
    if (rc == 0)
        rc = config_validate(&cfg, err, sizeof(err));
    FUZZ_REQUIRE(rc == 0 || (err[0] && !strchr(err, '\n')));
    config_free(&cfg);
    return 0;
}
