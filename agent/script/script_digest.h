/* The agent's digest hook for md5sum/sha1sum/sha256sum (script_ops.digest):
 * hashes a downloaded image with Nettle. The script tests give their own
 * hook; test_sha256 checks this one. */
#ifndef SNBOOT_SCRIPT_DIGEST_H
#define SNBOOT_SCRIPT_DIGEST_H

#include <stddef.h>

#include "core/err.h"

/* algo "md5", "sha1" or "sha256"; fd is read from offset 0 with pread
 * (its position is left alone); hex gets lowercase digits and a NUL. */
int script_digest_fd(void *arg, const char *algo, int fd, char *hex, size_t size,
		     struct sn_err *e);

#endif
