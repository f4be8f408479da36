/* Small whole-buffer file descriptor helpers. */
#ifndef SNBOOT_FDIO_H
#define SNBOOT_FDIO_H

#include <stddef.h>

/* Writes all of buf, retrying on EINTR and short writes; -1 on error. */
int fd_write_all(int fd, const void *buf, size_t len);

/* Reads a whole small file (sysfs, procfs) into a malloc'd NUL-terminated
 * buffer of at most max bytes; NULL on error (errno kept). */
char *read_file(const char *path, size_t max, size_t *len);

#endif
