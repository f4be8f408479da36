/* imgextract in the agent (script_ops.extract): gzip (RFC 1952) and zlib
 * (RFC 1950) images, the two iPXE's imgextract takes, inflated with zlib
 * into a new memfd. script_inflate is the pure part (buffer in, bytes to
 * a sink), unit-tested and fuzzed. */
#ifndef SNBOOT_SCRIPT_EXTRACT_H
#define SNBOOT_SCRIPT_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum script_zformat { SCRIPT_Z_NONE, SCRIPT_Z_GZIP, SCRIPT_Z_ZLIB };

/* What the first bytes say: gzip (1f 8b 08), zlib (a deflate CMF/FLG pair
 * whose check bits hold), or neither. */
enum script_zformat script_zformat(const void *in, size_t len);

/* Receives the decompressed bytes in order; non-zero stops the inflate
 * (the sink has filled e). */
typedef int (*script_inflate_sink)(void *arg, const void *data, size_t len, struct sn_err *e);

/* Inflates all of in (a gzip file may hold several members, one after the
 * other, as gzip -d takes them); every byte must belong to the stream.
 * More than limit bytes out is SN_E_SCRIPT_EXTRACT_TOO_BIG; not gzip/zlib
 * SN_E_SCRIPT_EXTRACT_FORMAT; bad or cut data SN_E_SCRIPT_EXTRACT_CORRUPT.
 * *out_len: the bytes handed to sink. */
int script_inflate(const void *in, size_t len, uint64_t limit, script_inflate_sink sink,
		   void *arg, uint64_t *out_len, struct sn_err *e);

/* The hook: fd (borrowed, read from offset 0) inflated into a new sealed
 * memfd in *fd_out. The limit is what the machine can hold
 * (dl_mem_limit of MemAvailable, as for downloads); none when
 * /proc/meminfo does not say. */
int script_extract_fd(void *arg, int fd, int *fd_out, struct sn_err *e);

#endif
