/* md5sum/sha1sum/sha256sum in the agent (script_digest.h). The image is
 * read back from its memfd: these commands are rare and their images are
 * small, so a second pass over the bytes costs nothing that matters. */
#include "script/script_digest.h"

#if defined(__has_include) && __has_include(<mbedtls/md.h>)

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>

int script_digest_fd(void *arg, const char *algo, int fd, char *hex, size_t size,
		     struct sn_err *e)
{
	static const struct { const char *algo, *md; } names[] = {
		{ "md5", "MD5" }, { "sha1", "SHA1" }, { "sha256", "SHA256" },
	};
	const mbedtls_md_info_t *info = NULL;
	unsigned char out[MBEDTLS_MD_MAX_SIZE];
	mbedtls_md_context_t md;
	unsigned char *buf;
	off_t off = 0;
	ssize_t n;
	int rc = SN_OK;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].algo, algo) == 0)
			info = mbedtls_md_info_from_string(names[i].md);
	if (!info)
		return sn_fail(e, SN_E_SCRIPT_DIGEST, "%s: not in this build of mbedtls", algo);
	if (size < 2u * mbedtls_md_get_size(info) + 1)
		return sn_fail(e, SN_E_SCRIPT_DIGEST, "%s: no room for the digest", algo);
	if (!(buf = malloc(65536)))
		return sn_fail(e, SN_E_NOMEM, "%s buffer", algo);
	mbedtls_md_init(&md);
	if (mbedtls_md_setup(&md, info, 0) != 0 || mbedtls_md_starts(&md) != 0) {
		rc = sn_fail(e, SN_E_SCRIPT_DIGEST, "%s: mbedtls setup failed", algo);
		goto out;
	}
	while ((n = pread(fd, buf, 65536, off)) > 0) {
		mbedtls_md_update(&md, buf, (size_t)n);
		off += n;
	}
	if (n < 0) {
		rc = sn_fail(e, SN_E_SCRIPT_DIGEST, "%s: reading byte %lld: %m", algo,
			     (long long)off);
		goto out;
	}
	mbedtls_md_finish(&md, out);
	for (unsigned i = 0; i < mbedtls_md_get_size(info); i++) {
		hex[2 * i] = "0123456789abcdef"[out[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[out[i] & 15];
	}
	hex[2 * mbedtls_md_get_size(info)] = '\0';
out:
	mbedtls_md_free(&md);
	free(buf);
	return rc;
}

#endif
