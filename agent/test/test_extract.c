/* imgextract's decompression (script/script_extract.h) over real gzip,
 * zlib and xz files (agent/test/data/extract/README), and the corrupt and
 * cut variants of them. */
#include "fixtures.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/fdio.h"
#include "script/script.h"
#include "script/script_extract.h"

#define DIR "agent/test/data/extract/"

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static int to_buf(void *arg, const void *data, size_t len, struct sn_err *e)
{
	struct buf *b = arg;

	if (b->len + len > b->cap) {
		size_t cap = (b->len + len) * 2;
		unsigned char *p = realloc(b->p, cap);

		if (!p)
			return sn_fail(e, SN_E_NOMEM, "test buffer");
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return SN_OK;
}

static char *load(const char *name, size_t *len)
{
	char *p = read_file(name, 1 << 20, len);

	assert_non_null(p);
	return p;
}

static int inflate_buf(const void *in, size_t len, uint64_t limit, struct buf *out,
		       struct sn_err *e)
{
	uint64_t n = 0;
	int rc;

	free(out->p);
	memset(out, 0, sizeof(*out));
	sn_clear(e);
	rc = script_inflate(in, len, limit, to_buf, out, &n, e);
	assert_int_equal(n, out->len);
	assert_int_equal(rc, e->code);
	return rc;
}

static void test_gzip_and_zlib(void **state)
{
	size_t clen, glen, zlen;
	char *cpio = load(DIR "initrd.cpio", &clen);
	char *gz = load(DIR "initrd.cpio.gz", &glen);
	char *zl = load(DIR "initrd.cpio.zlib", &zlen);
	struct buf out = { 0 };
	struct sn_err e;

	assert_int_equal(script_zformat(gz, glen), SCRIPT_Z_GZIP);
	assert_int_equal(script_zformat(zl, zlen), SCRIPT_Z_ZLIB);
	assert_int_equal(script_zformat(cpio, clen), SCRIPT_Z_NONE);
	assert_int_equal(inflate_buf(gz, glen, UINT64_MAX, &out, &e), SN_OK);
	assert_int_equal(out.len, clen);
	assert_memory_equal(out.p, cpio, clen);
	assert_int_equal(inflate_buf(zl, zlen, UINT64_MAX, &out, &e), SN_OK);
	assert_int_equal(out.len, clen);
	assert_memory_equal(out.p, cpio, clen);
	/* the exact size is allowed, one byte less is not */
	assert_int_equal(inflate_buf(gz, glen, clen, &out, &e), SN_OK);
	assert_int_equal(inflate_buf(gz, glen, clen - 1, &out, &e), SN_E_SCRIPT_EXTRACT_TOO_BIG);
	free(out.p);
	free(cpio);
	free(gz);
	free(zl);
}

static void test_two_members(void **state)
{
	size_t len;
	char *gz = load(DIR "two-members.gz", &len);
	struct buf out = { 0 };
	struct sn_err e;

	assert_int_equal(inflate_buf(gz, len, UINT64_MAX, &out, &e), SN_OK);
	assert_int_equal(out.len, 12);
	assert_memory_equal(out.p, "hello\nworld\n", 12);
	free(out.p);
	free(gz);
}

static void test_not_ours(void **state)
{
	size_t xlen, len;
	char *xz = load(DIR "initrd.cpio.xz", &xlen);
	char *cpio = load(DIR "initrd.cpio", &len);
	struct buf out = { 0 };
	struct sn_err e;
	unsigned char other[] = { 0x1f, 0x8b, 0x07, 0, 0, 0, 0, 0, 0, 3 };

	assert_int_equal(inflate_buf(xz, xlen, UINT64_MAX, &out, &e), SN_E_SCRIPT_EXTRACT_FORMAT);
	assert_non_null(strstr(e.ctx, "xz data"));
	assert_int_equal(inflate_buf(cpio, len, UINT64_MAX, &out, &e), SN_E_SCRIPT_EXTRACT_FORMAT);
	assert_non_null(strstr(e.ctx, "starts 30 37 30 37"));   /* "0707", newc */
	assert_int_equal(inflate_buf(other, sizeof(other), UINT64_MAX, &out, &e),
			 SN_E_SCRIPT_EXTRACT_FORMAT);
	assert_non_null(strstr(e.ctx, "method 7"));
	assert_int_equal(inflate_buf("", 0, UINT64_MAX, &out, &e), SN_E_SCRIPT_EXTRACT_FORMAT);
	assert_non_null(strstr(e.ctx, "empty"));
	assert_int_equal(out.len, 0);
	free(out.p);
	free(xz);
	free(cpio);
}

/* Every cut of the file fails: too short to tell (format) or cut (corrupt). */
static void test_truncated(void **state)
{
	size_t glen, zlen;
	char *gz = load(DIR "initrd.cpio.gz", &glen);
	char *zl = load(DIR "initrd.cpio.zlib", &zlen);
	struct buf out = { 0 };
	struct sn_err e;

	for (size_t n = 0; n < glen; n++) {
		int rc = inflate_buf(gz, n, UINT64_MAX, &out, &e);

		if (n < 3)
			assert_int_equal(rc, SN_E_SCRIPT_EXTRACT_FORMAT);
		else if (rc != SN_E_SCRIPT_EXTRACT_CORRUPT)
			fail_msg("gzip cut at %zu: rc %d (%s)", n, rc, e.ctx);
	}
	assert_int_equal(inflate_buf(gz, glen - 1, UINT64_MAX, &out, &e),
			 SN_E_SCRIPT_EXTRACT_CORRUPT);
	assert_non_null(strstr(e.ctx, "truncated"));
	for (size_t n = 2; n < zlen; n++)
		if (inflate_buf(zl, n, UINT64_MAX, &out, &e) != SN_E_SCRIPT_EXTRACT_CORRUPT)
			fail_msg("zlib cut at %zu: %s", n, e.ctx);
	free(out.p);
	free(gz);
	free(zl);
}

static void test_corrupt(void **state)
{
	size_t glen, zlen;
	char *gz = load(DIR "initrd.cpio.gz", &glen);
	char *zl = load(DIR "initrd.cpio.zlib", &zlen);
	char *bad = malloc(glen + 8);
	struct buf out = { 0 };
	struct sn_err e;

	/* the CRC-32 in the trailer */
	memcpy(bad, gz, glen);
	bad[glen - 8] ^= 1;
	assert_int_equal(inflate_buf(bad, glen, UINT64_MAX, &out, &e), SN_E_SCRIPT_EXTRACT_CORRUPT);
	assert_non_null(strstr(e.ctx, "incorrect data check"));
	/* the length in the trailer */
	memcpy(bad, gz, glen);
	bad[glen - 1] ^= 1;
	assert_int_equal(inflate_buf(bad, glen, UINT64_MAX, &out, &e), SN_E_SCRIPT_EXTRACT_CORRUPT);
	assert_non_null(strstr(e.ctx, "incorrect length check"));
	/* the Adler-32 of the zlib stream */
	memcpy(bad, zl, zlen);
	bad[zlen - 1] ^= 0x40;
	assert_int_equal(inflate_buf(bad, zlen, UINT64_MAX, &out, &e), SN_E_SCRIPT_EXTRACT_CORRUPT);
	assert_non_null(strstr(e.ctx, "incorrect data check"));
	/* a flipped bit anywhere in the deflate data: an error, never success */
	for (size_t i = 10; i < glen - 8; i += 7) {
		memcpy(bad, gz, glen);
		bad[i] ^= (char)(1 << (i % 8));
		if (inflate_buf(bad, glen, UINT64_MAX, &out, &e) != SN_E_SCRIPT_EXTRACT_CORRUPT)
			fail_msg("bit flipped at byte %zu: %s", i, e.ctx);
	}
	/* bytes after the end that are not another member */
	memcpy(bad, gz, glen);
	memcpy(bad + glen, "garbage!", 8);
	assert_int_equal(inflate_buf(bad, glen + 8, UINT64_MAX, &out, &e),
			 SN_E_SCRIPT_EXTRACT_CORRUPT);
	assert_non_null(strstr(e.ctx, "8 byte(s) after the end"));
	free(out.p);
	free(bad);
	free(gz);
	free(zl);
}

/* A small file that inflates to much: the limit stops it early. */
static void test_limit(void **state)
{
	size_t len;
	char *gz = load(DIR "zeros-16m.gz", &len);
	struct buf out = { 0 };
	struct sn_err e;

	assert_int_equal(inflate_buf(gz, len, 1 << 20, &out, &e), SN_E_SCRIPT_EXTRACT_TOO_BIG);
	assert_true(out.len <= 1 << 20);
	assert_non_null(strstr(e.ctx, "1048576"));
	assert_int_equal(inflate_buf(gz, len, 16 << 20, &out, &e), SN_OK);
	assert_int_equal(out.len, 16 << 20);
	free(out.p);
	free(gz);
}

static int memfd_of(const char *name)
{
	size_t len;
	char *p = load(name, &len);
	int fd = memfd_create("test_extract", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fd_write_all(fd, p, len), 0);
	free(p);
	return fd;
}

/* The agent's hook: memfd in, sealed memfd out at offset 0. */
static void test_hook(void **state)
{
	size_t clen;
	char *cpio = load(DIR "initrd.cpio", &clen);
	char *got = malloc(clen + 1);
	struct sn_err e = { 0 };
	int in = memfd_of(DIR "initrd.cpio.gz"), out = -1;

	assert_int_equal(script_extract_fd(NULL, in, &out, &e), SN_OK);
	assert_true(out >= 0);
	assert_int_equal(lseek(out, 0, SEEK_END), (off_t)clen);
	assert_int_equal(pread(out, got, clen + 1, 0), (ssize_t)clen);
	assert_memory_equal(got, cpio, clen);
	assert_int_equal(lseek(out, 0, SEEK_SET), 0);
	assert_true(fcntl(out, F_GET_SEALS) & F_SEAL_WRITE);
	assert_int_equal(write(out, "x", 1), -1);
	close(out);
	close(in);

	in = memfd_of(DIR "initrd.cpio.xz");
	out = -1;
	assert_int_equal(script_extract_fd(NULL, in, &out, &e), SN_E_SCRIPT_EXTRACT_FORMAT);
	assert_int_equal(out, -1);
	close(in);

	in = memfd_create("empty", MFD_CLOEXEC);
	assert_int_equal(script_extract_fd(NULL, in, &out, &e), SN_E_SCRIPT_EXTRACT_FORMAT);
	assert_int_equal(out, -1);
	close(in);
	free(got);
	free(cpio);
}

/* ---- imgextract through the interpreter, with the agent's hook: the
 * Warewulf pattern (imgextract --name ... || goto fallback) */

struct machine {
	char echoed[256];
	int booted;
	size_t initrd_len;
	int initrd_same;       /* the booted initrd is initrd.cpio */
};

/* http://files/<name> is agent/test/data/extract/<name> */
static int m_fetch(void *arg, const char *const *urls, size_t n_urls, const char *sha256_hex,
		   int *fd_out, struct sn_err *e)
{
	char path[256];

	if (strncmp(urls[0], "http://files/", 13) != 0)
		return sn_fail(e, SN_E_SCRIPT_FETCH, "%s: not a test file", urls[0]);
	snprintf(path, sizeof(path), DIR "%s", urls[0] + 13);
	*fd_out = memfd_of(path);
	return SN_OK;
}

static int m_fetch_script(void *arg, const char *url, const char *sha256_hex, char **buf,
			  size_t *len, struct sn_err *e)
{
	return sn_fail(e, SN_E_SCRIPT_FETCH_SCRIPT, "no scripts here");
}

static int m_boot(void *arg, const struct boot_image *img, struct sn_err *e)
{
	struct machine *m = arg;
	size_t clen;
	char *cpio = load(DIR "initrd.cpio", &clen);
	char *got = malloc(clen + 1);
	off_t end;

	assert_int_equal(img->n_initrds, 1);
	end = lseek(img->initrd_fds[0], 0, SEEK_END);
	m->initrd_len = end < 0 ? 0 : (size_t)end;
	m->initrd_same = m->initrd_len == clen &&
			 pread(img->initrd_fds[0], got, clen, 0) == (ssize_t)clen &&
			 memcmp(got, cpio, clen) == 0;
	m->booted = 1;
	free(got);
	free(cpio);
	return SN_OK;
}

static void m_echo(void *arg, const char *text)
{
	struct machine *m = arg;
	size_t l = strlen(m->echoed);

	snprintf(m->echoed + l, sizeof(m->echoed) - l, "%s", text);
}

static void m_log(void *arg, const char *msg)
{
}

static const struct script_ops machine_ops = {
	.fetch = m_fetch, .fetch_script = m_fetch_script, .boot = m_boot,
	.echo = m_echo, .log = m_log, .extract = script_extract_fd,
};

static int run_script(const char *text, struct machine *m, struct script_result *res,
		      struct sn_err *e)
{
	struct script_settings *s = script_settings_new();
	int rc;

	assert_non_null(s);
	memset(m, 0, sizeof(*m));
	sn_clear(e);
	rc = script_run(text, strlen(text), "http://files/", s, &machine_ops, m, res, e);
	script_settings_free(s);
	return rc;
}

static void test_script_imgextract(void **state)
{
	struct script_result res;
	struct machine m;
	struct sn_err e;

	assert_int_equal(run_script("#!ipxe\n"
				    "kernel http://files/initrd.cpio\n"
				    "imgextract --name initrd initrd.cpio.gz || goto plain\n"
				    "boot\n"
				    ":plain\n"
				    "echo fallback\n", &m, &res, &e), SN_OK);
	assert_int_equal(res.outcome, SCRIPT_BOOTED);
	assert_true(m.booted);
	assert_true(m.initrd_same);
	assert_string_equal(m.echoed, "");

	/* xz: the line fails, || takes the fallback */
	assert_int_equal(run_script("#!ipxe\n"
				    "imgextract --name initrd initrd.cpio.xz || goto plain\n"
				    "boot\n"
				    ":plain\n"
				    "echo fallback\n", &m, &res, &e), SN_OK);
	assert_int_equal(res.outcome, SCRIPT_ENDED);
	assert_false(m.booted);
	assert_string_equal(m.echoed, "fallback\n");

	/* uncaught: the script fails with the code and the image's name */
	assert_int_equal(run_script("#!ipxe\n"
				    "kernel http://files/initrd.cpio\n"
				    "imgextract two-members.gz\n"
				    "imgextract zeros-16m.gz\n"
				    "imgextract initrd.cpio\n"
				    "boot\n", &m, &res, &e), SN_E_SCRIPT_EXTRACT_FORMAT);
	assert_int_equal(res.outcome, SCRIPT_FAILED);
	assert_int_equal(res.line, 5);
	assert_non_null(strstr(e.ctx, "initrd.cpio"));
	assert_non_null(strstr(e.ctx, "not gzip or zlib data"));
	assert_false(m.booted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_and_zlib),
		cmocka_unit_test(test_two_members),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_hook),
		cmocka_unit_test(test_script_imgextract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
