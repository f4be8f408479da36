/* The files directory: kernels and initrds named relative to it. */
#ifndef SERVER_STUB_FILES_H
#define SERVER_STUB_FILES_H

#include <stddef.h>
#include <sys/stat.h>

#include "ipxe.h"
#include "validate.h"

/* Open a regular file below dirfd. 0, or -errno (-EINVAL: unsafe name). */
int files_open(int dirfd, const char *name, int *fd, struct stat *st);
/* Hex SHA-256 of a file (cached). 0, or -1 with a reason in why. */
int files_sha256(int dirfd, const char *name, char hex[static SHA256_HEX_LEN],
		 char *why, size_t whylen);

#endif
