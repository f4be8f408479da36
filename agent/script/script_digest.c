/* md5sum/sha1sum/sha256sum in the agent (script_digest.h). The image is
 * read back from its memfd: these commands are rare and their images are
 * small, so a second pass over the bytes costs nothing that matters. The
 * hashes are Nettle's, the library of the downloads' SHA-256 (core/sha256.h):
 * SHA-1 and SHA-256 run the CPU's SHA extensions when it has them. */
#include "script/script_digest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/nettle-meta.h>
#include <nettle/sha2.h>

#define DIGEST_CHUNK 65536

int script_digest_fd(void *arg, const char *algo, int fd, char *hex, size_t size,
		     struct sn_err *e)
{
	static const struct { const char *algo; const struct nettle_hash *h; } names[] = {
		{ "md5", &nettle_md5 }, { "sha1", &nettle_sha1 }, { "sha256", &nettle_sha256 },
	};
	const struct nettle_hash *h = NULL;
	uint8_t out[SHA256_DIGEST_SIZE];   /* the largest of the three */
	unsigned char *buf = NULL;
	void *ctx = NULL;
	off_t off = 0;
	ssize_t n;
	int rc = SN_OK;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].algo, algo) == 0)
			h = names[i].h;
	if (!h)
		return sn_fail(e, SN_E_SCRIPT_DIGEST, "%s: no such digest here "
			       "(md5, sha1, sha256)", algo);
	if (size < 2u * h->digest_size + 1)
		return sn_fail(e, SN_E_SCRIPT_DIGEST, "%s: no room for the digest", algo);
	if (!(buf = malloc(DIGEST_CHUNK)) || !(ctx = malloc(h->context_size))) {
		rc = sn_fail(e, SN_E_NOMEM, "%s buffer", algo);
		goto out;
	}
	h->init(ctx);
	while ((n = pread(fd, buf, DIGEST_CHUNK, off)) > 0) {
		h->update(ctx, (size_t)n, buf);
		off += n;
	}
	if (n < 0) {
		rc = sn_fail(e, SN_E_SCRIPT_DIGEST, "%s: reading byte %lld: %m", algo,
			     (long long)off);
		goto out;
	}
	h->digest(ctx, h->digest_size, out);
	for (unsigned i = 0; i < h->digest_size; i++) {
		hex[2 * i] = "0123456789abcdef"[out[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[out[i] & 15];
	}
	hex[2 * h->digest_size] = '\0';
out:
	free(ctx);
	free(buf);
	return rc;
}
