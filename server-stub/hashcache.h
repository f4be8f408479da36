/* SHA-256 of served files, computed once per file version. */
#ifndef SERVER_STUB_HASHCACHE_H
#define SERVER_STUB_HASHCACHE_H

#include <sys/stat.h>

#include "ipxe.h"

/* Hex digest of the open regular file fd whose fstat is st. A cached
 * digest is reused while device, inode, size and mtime are unchanged.
 * 0 on success, -1 with errno on a read error. Thread-safe. */
int sha256_fd_cached(int fd, const struct stat *st, char hex[static SHA256_HEX_LEN]);

/* Forget every digest (SIGHUP): the next request hashes again. */
void sha256_cache_flush(void);

#endif
