/* imgextract: gzip and zlib images inflated with zlib (script_extract.h). */
#include "script/script_extract.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZLIB_CONST          /* next_in points at const bytes */
#include <zlib.h>

#include "core/fdio.h"
#include "http/dlpace.h"

#define OUT_CHUNK (256 * 1024)
#define IN_CHUNK (1u << 30)        /* zlib counts its input in 32 bits */

enum script_zformat script_zformat(const void *in, size_t len)
{
	const uint8_t *p = in;

	if (len >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return SCRIPT_Z_GZIP;
	/* RFC 1950: method 8 (deflate), window <= 32 KiB, CMF*256+FLG a
	 * multiple of 31 */
	if (len >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 &&
	    ((unsigned)p[0] << 8 | p[1]) % 31 == 0)
		return SCRIPT_Z_ZLIB;
	return SCRIPT_Z_NONE;
}

/* Why in is not something we take, for the error's context. */
static int not_ours(const uint8_t *p, size_t len, struct sn_err *e)
{
	static const struct { const char *name; uint8_t magic[6]; size_t n; } known[] = {
		{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
		{ "bzip2", { 'B', 'Z', 'h' }, 3 },
		{ "lz4", { 0x04, 0x22, 0x4d, 0x18 }, 4 },
		{ "compress (.Z)", { 0x1f, 0x9d }, 2 },
	};

	if (!len)
		return sn_fail(e, SN_E_SCRIPT_EXTRACT_FORMAT, "the image is empty");
	if (len >= 3 && p[0] == 0x1f && p[1] == 0x8b)
		return sn_fail(e, SN_E_SCRIPT_EXTRACT_FORMAT, "gzip with compression method %u, "
			       "not deflate (8)", p[2]);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (len >= known[i].n && memcmp(p, known[i].magic, known[i].n) == 0)
			return sn_fail(e, SN_E_SCRIPT_EXTRACT_FORMAT, "%s data: imgextract "
				       "takes gzip and zlib only (as iPXE)", known[i].name);
	return sn_fail(e, SN_E_SCRIPT_EXTRACT_FORMAT, "not gzip or zlib data (starts "
		       "%02x %02x %02x %02x)", p[0], len > 1 ? p[1] : 0, len > 2 ? p[2] : 0,
		       len > 3 ? p[3] : 0);
}

int script_inflate(const void *in, size_t len, uint64_t limit, script_inflate_sink sink,
		   void *arg, uint64_t *out_len, struct sn_err *e)
{
	enum script_zformat fmt = script_zformat(in, len);
	const char *what = fmt == SCRIPT_Z_GZIP ? "gzip" : "zlib";
	const uint8_t *p = in;
	unsigned char *out;
	size_t fed = 0;             /* bytes of in handed to zlib */
	uint64_t total = 0;
	z_stream z;
	int rc = SN_OK, ret;

	*out_len = 0;
	if (fmt == SCRIPT_Z_NONE)
		return not_ours(p, len, e);
	if (!(out = malloc(OUT_CHUNK)))
		return sn_fail(e, SN_E_NOMEM, "imgextract buffer");
	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip wrapper only; 15: a zlib wrapper only */
	if (inflateInit2(&z, fmt == SCRIPT_Z_GZIP ? 15 + 16 : 15) != Z_OK) {
		free(out);
		return sn_fail(e, SN_E_NOMEM, "zlib inflateInit2");
	}
	for (;;) {
		size_t n, at;

		if (!z.avail_in && fed < len) {
			z.next_in = p + fed;
			z.avail_in = (uInt)(len - fed < IN_CHUNK ? len - fed : IN_CHUNK);
			fed += z.avail_in;
		}
		z.next_out = out;
		z.avail_out = OUT_CHUNK;
		ret = inflate(&z, Z_NO_FLUSH);
		at = fed - z.avail_in;
		n = OUT_CHUNK - z.avail_out;
		if (n > limit - total) {
			rc = sn_fail(e, SN_E_SCRIPT_EXTRACT_TOO_BIG, "%s data decompresses to more "
				     "than %llu bytes, the most that fits in memory", what,
				     (unsigned long long)limit);
			break;
		}
		if (n && (rc = sink(arg, out, n, e)) != SN_OK)
			break;
		total += n;
		if (ret == Z_STREAM_END) {
			if (at == len)
				break;
			/* gzip -d takes concatenated members; nothing else may follow */
			if (fmt == SCRIPT_Z_GZIP && script_zformat(p + at, len - at) == SCRIPT_Z_GZIP) {
				inflateReset(&z);
				continue;
			}
			rc = sn_fail(e, SN_E_SCRIPT_EXTRACT_CORRUPT, "%zu byte(s) after the end of "
				     "the %s data at byte %zu", len - at, what, at);
			break;
		}
		if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT) {
			rc = sn_fail(e, SN_E_SCRIPT_EXTRACT_CORRUPT, "%s data corrupt near byte %zu: %s",
				     what, at, ret == Z_NEED_DICT ? "needs a preset dictionary" :
				     z.msg ? z.msg : "invalid data");
			break;
		}
		if (ret == Z_MEM_ERROR) {
			rc = sn_fail(e, SN_E_NOMEM, "zlib inflate");
			break;
		}
		/* Z_OK or Z_BUF_ERROR: with room left for output and no input
		 * left, the stream was cut short */
		if (!z.avail_in && fed == len && z.avail_out) {
			rc = sn_fail(e, SN_E_SCRIPT_EXTRACT_CORRUPT, "%s data truncated: it ends at "
				     "byte %zu before the end of the stream (%llu bytes out)", what,
				     len, (unsigned long long)total);
			break;
		}
	}
	inflateEnd(&z);
	free(out);
	*out_len = total;
	return rc;
}

struct fd_sink {
	int fd;
	uint64_t at;
};

static int to_fd(void *arg, const void *data, size_t len, struct sn_err *e)
{
	struct fd_sink *s = arg;

	if (fd_write_all(s->fd, data, len) != 0)
		return sn_fail(e, SN_E_SCRIPT_EXTRACT, "writing the memfd at byte %llu: %s",
			       (unsigned long long)s->at, strerror(errno));
	s->at += len;
	return SN_OK;
}

int script_extract_fd(void *arg, int fd, int *fd_out, struct sn_err *e)
{
	uint64_t limit = UINT64_MAX, avail = 0, out_len = 0;
	struct fd_sink s = { -1, 0 };
	struct stat st;
	size_t mlen = 0;
	char *mi;
	void *in = NULL;
	int rc;

	*fd_out = -1;
	if (fstat(fd, &st) != 0)
		return sn_fail(e, SN_E_SCRIPT_EXTRACT, "fstat: %s", strerror(errno));
	if (st.st_size == 0)
		return not_ours(NULL, 0, e);
	in = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (in == MAP_FAILED)
		return sn_fail(e, SN_E_SCRIPT_EXTRACT, "mmap of %lld bytes: %s",
			       (long long)st.st_size, strerror(errno));
	if ((mi = read_file("/proc/meminfo", 16384, &mlen)) &&
	    dl_meminfo_available(mi, mlen, &avail) == 0)
		limit = dl_mem_limit(avail);
	free(mi);
	s.fd = memfd_create("imgextract", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s.fd < 0) {
		rc = sn_fail(e, SN_E_SCRIPT_EXTRACT, "memfd_create: %s", strerror(errno));
		goto out;
	}
	rc = script_inflate(in, (size_t)st.st_size, limit, to_fd, &s, &out_len, e);
	if (rc == SN_E_SCRIPT_EXTRACT_TOO_BIG && avail && e) {
		size_t l = strlen(e->ctx);
		snprintf(e->ctx + l, sizeof(e->ctx) - l, " (MemAvailable %llu MiB)",
			 (unsigned long long)(avail >> 20));
	}
	if (rc != SN_OK)
		goto out;
	/* the image is read-only from now on, like a download */
	if (lseek(s.fd, 0, SEEK_SET) != 0 ||
	    fcntl(s.fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)) {
		rc = sn_fail(e, SN_E_SCRIPT_EXTRACT, "sealing the memfd: %s", strerror(errno));
		goto out;
	}
	*fd_out = s.fd;
	s.fd = -1;
out:
	if (s.fd >= 0)
		close(s.fd);
	munmap(in, (size_t)st.st_size);
	return rc;
}
