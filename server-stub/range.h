/* HTTP Range for one file (RFC 9110 §14). Pure. */
#ifndef SERVER_STUB_RANGE_H
#define SERVER_STUB_RANGE_H

#include <stdint.h>

enum range_result {
	RANGE_NONE,          /* no header, or one we ignore: send it all (200) */
	RANGE_OK,            /* one satisfiable range: 206 */
	RANGE_UNSATISFIABLE, /* 416 with Content-Range "bytes *\/SIZE" */
};

/* header may be NULL. Multiple ranges and malformed headers are ignored,
 * as the RFC allows; on RANGE_OK, first and len are the bytes to send. */
enum range_result range_parse(const char *header, uint64_t size, uint64_t *first, uint64_t *len);

#endif
