/* SHA-256 through Nettle (core/sha256.h) and the script's digest hook
 * (script/script_digest.h). The whole group runs twice: as started (SHA-NI
 * when this CPU has it) and again in a child with NETTLE_FAT_OVERRIDE=none,
 * which makes Nettle's fat build pick its plain x86_64 code. */
#include "fixtures.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/sha256.h"
#include "script/script_digest.h"

static const char *self_path = "/proc/self/exe";
static uint64_t seed, seed0;

static void hexstr(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_oneshot(const void *data, size_t len, const char *want)
{
	uint8_t d[SN_SHA256_LEN];
	char hex[2 * SN_SHA256_LEN + 1];

	sn_sha256(data, len, d);
	hexstr(d, sizeof(d), hex);
	assert_string_equal(hex, want);
}

/* FIPS 180-2 appendix B and the NIST CAVP short messages. */
static void test_nist_vectors(void **state)
{
	check_oneshot("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_oneshot("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_oneshot("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_oneshot("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		      "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112,
		      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	/* CAVP SHA256ShortMsg, Len = 8 and Len = 64 */
	check_oneshot("\xd3", 1, "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1");
	check_oneshot("\x57\x38\xc9\x29\xc4\xf4\xcc\xb6", 8,
		      "963bb88f27f512777aab6c8b1a02c70ec0ad651d428f870036e1917120fb48bf");
}

/* A million 'a', fed a thousand bytes at a time (FIPS 180-2 B.3). */
static void test_million_a(void **state)
{
	struct sn_sha256 s;
	uint8_t d[SN_SHA256_LEN];
	char a[1000], hex[65];

	memset(a, 'a', sizeof(a));
	sn_sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		sn_sha256_update(&s, a, sizeof(a));
	sn_sha256_final(&s, d);
	hexstr(d, sizeof(d), hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* final starts the context over: hashing "abc" now gives abc's digest */
	sn_sha256_update(&s, "abc", 3);
	sn_sha256_final(&s, d);
	hexstr(d, sizeof(d), hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static uint64_t rnd(void)   /* xorshift64*, seeded once per run (printed) */
{
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return seed * 0x2545f4914f6cdd1dull;
}

/* Random buffers, hashed in random pieces (empty ones too), against
 * OpenSSL's SHA-256 of the whole buffer. */
static void test_random_splits(void **state)
{
	size_t max = 300 * 1024;
	unsigned char *buf = malloc(max);

	assert_non_null(buf);
	for (int round = 0; round < 300; round++) {
		size_t len = round < 130 ? (size_t)round : (size_t)(rnd() % max), off = 0;
		uint8_t got[SN_SHA256_LEN], want[EVP_MAX_MD_SIZE];
		unsigned int want_len = 0;
		struct sn_sha256 s;

		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)rnd();
		sn_sha256_init(&s);
		while (off < len) {
			size_t left = len - off, piece;

			switch (rnd() % 4) {
			case 0: piece = 0; break;
			case 1: piece = rnd() % 130; break;        /* around the 64-byte block */
			case 2: piece = rnd() % 70000; break;
			default: piece = left; break;
			}
			if (piece > left)
				piece = left;
			sn_sha256_update(&s, buf + off, piece);
			off += piece;
		}
		sn_sha256_final(&s, got);
		assert_int_equal(EVP_Digest(buf, len, want, &want_len, EVP_sha256(), NULL), 1);
		assert_int_equal(want_len, SN_SHA256_LEN);
		if (memcmp(got, want, SN_SHA256_LEN) != 0)
			fail_msg("round %d, %zu bytes: differs from OpenSSL", round, len);
		sn_sha256(buf, len, got);
		assert_memory_equal(got, want, SN_SHA256_LEN);
	}
	free(buf);
}

static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("test_sha256", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void test_script_digest(void **state)
{
	struct sn_err e = { 0 };
	char hex[65], small[40];
	size_t len = 3 * 65536 + 17;
	unsigned char *big = malloc(len);
	uint8_t want[SN_SHA256_LEN];
	char want_hex[65];
	int fd = memfd_with("abc", 3);

	assert_int_equal(script_digest_fd(NULL, "md5", fd, hex, sizeof(hex), &e), SN_OK);
	assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
	assert_int_equal(script_digest_fd(NULL, "sha1", fd, hex, sizeof(hex), &e), SN_OK);
	assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	assert_int_equal(script_digest_fd(NULL, "sha256", fd, hex, sizeof(hex), &e), SN_OK);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 3);   /* position left alone */
	/* a 40-byte buffer holds a SHA-1 but not a SHA-256 */
	assert_int_equal(script_digest_fd(NULL, "sha1", fd, small, sizeof(small), &e),
			 SN_E_SCRIPT_DIGEST);
	assert_int_equal(script_digest_fd(NULL, "sha256", fd, small, sizeof(small), &e),
			 SN_E_SCRIPT_DIGEST);
	assert_non_null(strstr(e.ctx, "no room"));
	assert_int_equal(script_digest_fd(NULL, "sha512", fd, hex, sizeof(hex), &e),
			 SN_E_SCRIPT_DIGEST);
	assert_non_null(strstr(e.ctx, "sha512"));
	close(fd);

	/* more than one read chunk */
	assert_non_null(big);
	for (size_t i = 0; i < len; i++)
		big[i] = (unsigned char)rnd();
	fd = memfd_with(big, len);
	sn_sha256(big, len, want);
	hexstr(want, sizeof(want), want_hex);
	assert_int_equal(script_digest_fd(NULL, "sha256", fd, hex, sizeof(hex), &e), SN_OK);
	assert_string_equal(hex, want_hex);
	close(fd);
	free(big);

	/* a descriptor that cannot be read */
	assert_int_equal(script_digest_fd(NULL, "sha256", -1, hex, sizeof(hex), &e),
			 SN_E_SCRIPT_DIGEST);
	assert_non_null(strstr(e.ctx, "reading byte 0"));
}

/* Runs this program with extra environment; returns its exit status and,
 * in out, what it wrote to stdout and stderr. */
static int run_self(char *const env[], const char *arg, char *out, size_t size)
{
	int p[2], st = 0;
	size_t have = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		for (int i = 0; env[i]; i++)
			putenv(env[i]);
		execl(self_path, self_path, arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (have + 1 < size && (n = read(p[0], out + have, size - 1 - have)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		have += (size_t)n;
	}
	out[have] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* sn_sha256_impl repeats Nettle's choice: Nettle's own account of it
 * (NETTLE_FAT_VERBOSE) must agree, on this CPU and when forced generic. */
static void test_impl_matches_nettle(void **state)
{
	char out[4096];
	char *as_is[] = { "NETTLE_FAT_VERBOSE=1", NULL };
	char *forced[] = { "NETTLE_FAT_VERBOSE=1", "NETTLE_FAT_OVERRIDE=none", NULL };
	char *asked[] = { "NETTLE_FAT_VERBOSE=1", "NETTLE_FAT_OVERRIDE=aesni,sha_ni", NULL };
	char *const *envs[] = { as_is, forced, asked };

	int here = 0;

	for (size_t i = 0; i < 3; i++) {
		int ni;

		if (i == 2 && !here)
			break;   /* no SHA-NI here: asking for it would fault */
		assert_int_equal(run_self((char *const *)envs[i], "--impl", out, sizeof(out)), 0);
		ni = strstr(out, "using sha_ni instructions") != NULL &&
		     !strstr(out, "not using sha_ni instructions");
		if (!strstr(out, "sha_ni instructions"))
			fail_msg("Nettle said nothing of sha_ni (not a fat build?):\n%s", out);
		if (ni != (strstr(out, "impl=SHA-NI") != NULL))
			fail_msg("sn_sha256_impl disagrees with Nettle:\n%s", out);
		if (i == 1 && ni)
			fail_msg("NETTLE_FAT_OVERRIDE=none still uses SHA-NI:\n%s", out);
		if (i == 0)
			here = ni;
		if (i == 2 && !ni)
			fail_msg("NETTLE_FAT_OVERRIDE=sha_ni not honoured:\n%s", out);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_random_splits),
		cmocka_unit_test(test_script_digest),
		cmocka_unit_test(test_impl_matches_nettle),
	};
	const char *forced = getenv("NETTLE_FAT_OVERRIDE");
	const char *s = getenv("SHA256_TEST_SEED");
	char seed_env[64];
	char *env[] = { "NETTLE_FAT_OVERRIDE=none", seed_env, NULL };
	int rc, st = 0;
	pid_t pid;

	if (argc == 2 && strcmp(argv[1], "--impl") == 0) {
		uint8_t d[SN_SHA256_LEN];

		sn_sha256("", 0, d);   /* a call through Nettle's dispatch */
		printf("impl=%s\n", sn_sha256_impl());
		return 0;
	}
	seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) * 2654435761u + (uint64_t)getpid();
	if (!seed)
		seed = 1;
	seed0 = seed;
	printf("# SHA-256 in use: %s, seed %llu (SHA256_TEST_SEED)\n", sn_sha256_impl(),
	       (unsigned long long)seed0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (rc || forced)
		return rc;
	/* again with Nettle's generic code, same random buffers */
	snprintf(seed_env, sizeof(seed_env), "SHA256_TEST_SEED=%llu", (unsigned long long)seed0);
	printf("# again with NETTLE_FAT_OVERRIDE=none\n");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		for (int i = 0; env[i]; i++)
			putenv(env[i]);
		execl(self_path, self_path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
