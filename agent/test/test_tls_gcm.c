/* mbedtls' GCM API as snboot builds it (MBEDTLS_GCM_ALT: mk/mbedtls/gcm_alt.c
 * over Nettle), tested directly: the host cannot link the musl mbedtls, so
 * this builds the glue with Debian's Nettle and the sysroot's mbedtls headers.
 * The Camellia path goes through mbedtls' cipher layer (ECB); here that layer
 * is a small double backed by Nettle's Camellia, checked against Nettle's
 * own gcm_camellia*. The group runs twice: as started (AES-NI and PCLMULQDQ
 * when this CPU has them) and in a child with NETTLE_FAT_OVERRIDE=none
 * (Nettle's plain C AES and table GHASH, as on QEMU's TCG CPU). */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/gcm.h>
#include <nettle/camellia.h>

static size_t unhex(const char *s, unsigned char *out)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2)
		sscanf(s, "%2hhx", &out[n++]);
	return n;
}

/* The GCM specification's test cases (McGrew and Viega, the vectors of
 * NIST's GCM validation): 2 (AES-128, no AAD), 4 (AES-128, 60-byte
 * plaintext, 20-byte AAD) and 16 (AES-256, same plaintext and AAD). */
#define P4 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	   "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define A4 "feedfacedeadbeeffeedfacedeadbeefabaddad2"
static const struct vec {
	const char *name, *key, *iv, *aad, *pt, *ct, *tag;
} vecs[] = {
	{ "tc2", "00000000000000000000000000000000", "000000000000000000000000", "",
	  "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	{ "tc4", "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", A4, P4,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	{ "tc16", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888", A4, P4,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

struct bytes {
	unsigned char key[32], iv[12], aad[32], pt[64], ct[64], tag[16];
	size_t key_len, aad_len, len;
};

static void load(const struct vec *v, struct bytes *b)
{
	b->key_len = unhex(v->key, b->key);
	assert_int_equal(unhex(v->iv, b->iv), 12);
	b->aad_len = unhex(v->aad, b->aad);
	b->len = unhex(v->pt, b->pt);
	assert_int_equal(unhex(v->ct, b->ct), b->len);
	assert_int_equal(unhex(v->tag, b->tag), 16);
}

/* The vector's bytes, and a context keyed with its key. */
static void keyed(const struct vec *v, struct bytes *b, mbedtls_gcm_context *ctx)
{
	load(v, b);
	mbedtls_gcm_init(ctx);
	assert_int_equal(mbedtls_gcm_setkey(ctx, MBEDTLS_CIPHER_ID_AES, b->key,
					    (unsigned) b->key_len * 8), 0);
}

static void test_nist_encrypt(void **state)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct bytes b;
		unsigned char out[64], tag[16];
		mbedtls_gcm_context ctx;

		keyed(&vecs[i], &b, &ctx);
		assert_int_equal(mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, b.len,
				 b.iv, 12, b.aad, b.aad_len, b.pt, out, 16, tag), 0);
		assert_memory_equal(out, b.ct, b.len);
		assert_memory_equal(tag, b.tag, 16);
		/* a truncated tag is the full tag's start (TLS takes 16, mbedtls 4..16) */
		assert_int_equal(mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, b.len,
				 b.iv, 12, b.aad, b.aad_len, b.pt, out, 12, tag), 0);
		assert_memory_equal(tag, b.tag, 12);
		mbedtls_gcm_free(&ctx);
	}
}

/* TLS decrypts records in place: ciphertext in, plaintext out, same buffer. */
static void test_nist_auth_decrypt(void **state)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct bytes b;
		unsigned char buf[64], bad_tag[16];
		mbedtls_gcm_context ctx;

		keyed(&vecs[i], &b, &ctx);
		memcpy(buf, b.ct, b.len);
		assert_int_equal(mbedtls_gcm_auth_decrypt(&ctx, b.len, b.iv, 12, b.aad,
				 b.aad_len, b.tag, 16, buf, buf), 0);
		assert_memory_equal(buf, b.pt, b.len);

		/* tampered tag: refused, and no plaintext left behind */
		memcpy(bad_tag, b.tag, 16);
		bad_tag[15] ^= 0x01;
		memcpy(buf, b.ct, b.len);
		assert_int_equal(mbedtls_gcm_auth_decrypt(&ctx, b.len, b.iv, 12, b.aad,
				 b.aad_len, bad_tag, 16, buf, buf), MBEDTLS_ERR_GCM_AUTH_FAILED);
		for (size_t j = 0; j < b.len; j++)
			assert_int_equal(buf[j], 0);

		/* tampered ciphertext */
		memcpy(buf, b.ct, b.len);
		buf[0] ^= 0x80;
		assert_int_equal(mbedtls_gcm_auth_decrypt(&ctx, b.len, b.iv, 12, b.aad,
				 b.aad_len, b.tag, 16, buf, buf), MBEDTLS_ERR_GCM_AUTH_FAILED);

		/* tampered AAD (the TLS record header) */
		if (b.aad_len) {
			b.aad[3] ^= 0x04;
			memcpy(buf, b.ct, b.len);
			assert_int_equal(mbedtls_gcm_auth_decrypt(&ctx, b.len, b.iv, 12, b.aad,
					 b.aad_len, b.tag, 16, buf, buf),
					 MBEDTLS_ERR_GCM_AUTH_FAILED);
		}
		mbedtls_gcm_free(&ctx);
	}
}

/* cipher.c's streaming calls: starts, updates of whole blocks and a last
 * partial one, finish; an update after a partial block is refused. */
static void test_streaming(void **state)
{
	struct bytes b;
	unsigned char out[64], tag[16];
	mbedtls_gcm_context ctx;

	load(&vecs[1], &b);
	mbedtls_gcm_init(&ctx);
	assert_int_equal(mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, b.key, 128), 0);
	assert_int_equal(mbedtls_gcm_starts(&ctx, MBEDTLS_GCM_ENCRYPT, b.iv, 12,
					    b.aad, b.aad_len), 0);
	assert_int_equal(mbedtls_gcm_update(&ctx, 16, b.pt, out), 0);
	assert_int_equal(mbedtls_gcm_update(&ctx, 0, NULL, NULL), 0);
	assert_int_equal(mbedtls_gcm_update(&ctx, 32, b.pt + 16, out + 16), 0);
	assert_int_equal(mbedtls_gcm_update(&ctx, 12, b.pt + 48, out + 48), 0);
	assert_int_equal(mbedtls_gcm_update(&ctx, 1, b.pt, out), MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_finish(&ctx, tag, 16), 0);
	assert_memory_equal(out, b.ct, 60);
	assert_memory_equal(tag, b.tag, 16);
	/* finish ends the message: no more data or tag without a new starts */
	assert_int_equal(mbedtls_gcm_update(&ctx, 16, b.pt, out), MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_finish(&ctx, tag, 16), MBEDTLS_ERR_GCM_BAD_INPUT);

	/* decrypting in pieces, in place */
	memcpy(out, b.ct, 60);
	assert_int_equal(mbedtls_gcm_starts(&ctx, MBEDTLS_GCM_DECRYPT, b.iv, 12,
					    b.aad, b.aad_len), 0);
	assert_int_equal(mbedtls_gcm_update(&ctx, 48, out, out), 0);
	assert_int_equal(mbedtls_gcm_update(&ctx, 12, out + 48, out + 48), 0);
	assert_int_equal(mbedtls_gcm_finish(&ctx, tag, 16), 0);
	assert_memory_equal(out, b.pt, 60);
	assert_memory_equal(tag, b.tag, 16);
	mbedtls_gcm_free(&ctx);
}

/* The same context re-keyed (AES-128, then AES-256) gives each key's vectors. */
static void test_rekey(void **state)
{
	struct bytes b4, b16;
	unsigned char out[64], tag[16];
	mbedtls_gcm_context ctx;

	load(&vecs[1], &b4);
	load(&vecs[2], &b16);
	mbedtls_gcm_init(&ctx);
	for (int round = 0; round < 2; round++) {
		const struct bytes *b = round ? &b16 : &b4;

		assert_int_equal(mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, b->key,
						    (unsigned) b->key_len * 8), 0);
		assert_int_equal(mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, b->len,
				 b->iv, 12, b->aad, b->aad_len, b->pt, out, 16, tag), 0);
		assert_memory_equal(out, b->ct, b->len);
		assert_memory_equal(tag, b->tag, 16);
	}
	mbedtls_gcm_free(&ctx);
	mbedtls_gcm_free(NULL);
}

static void test_bad_input(void **state)
{
	unsigned char key[16] = { 0 }, iv[12] = { 0 }, buf[64] = { 0 }, tag[17];
	mbedtls_gcm_context ctx;

	mbedtls_gcm_init(&ctx);
	/* no key yet */
	assert_int_equal(mbedtls_gcm_starts(&ctx, MBEDTLS_GCM_ENCRYPT, iv, 12, NULL, 0),
			 MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 100),
			 MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_DES, key, 128),
			 MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 128), 0);
	/* update before starts */
	assert_int_equal(mbedtls_gcm_update(&ctx, 16, buf, buf), MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_starts(&ctx, MBEDTLS_GCM_ENCRYPT, iv, 0, NULL, 0),
			 MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_starts(&ctx, 7, iv, 12, NULL, 0),
			 MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_starts(&ctx, MBEDTLS_GCM_ENCRYPT, iv, 12, NULL, 0), 0);
	/* output overlapping input but not the same buffer */
	assert_int_equal(mbedtls_gcm_update(&ctx, 32, buf, buf + 16), MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_update(&ctx, 32, buf + 16, buf), MBEDTLS_ERR_GCM_BAD_INPUT);
	/* tag lengths outside 4..16 */
	assert_int_equal(mbedtls_gcm_finish(&ctx, tag, 3), MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_finish(&ctx, tag, 17), MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, 16, iv, 12,
			 NULL, 0, buf, buf, 17, tag), MBEDTLS_ERR_GCM_BAD_INPUT);
	assert_int_equal(mbedtls_gcm_auth_decrypt(&ctx, 16, iv, 12, NULL, 0, tag, 2,
			 buf, buf), MBEDTLS_ERR_GCM_BAD_INPUT);
	mbedtls_gcm_free(&ctx);
}

/* The double for mbedtls' cipher layer in ECB mode, Camellia from Nettle. */
static const mbedtls_cipher_info_t camellia_ecb[2] = {
	{ .type = MBEDTLS_CIPHER_CAMELLIA_128_ECB, .mode = MBEDTLS_MODE_ECB,
	  .key_bitlen = 128, .name = "CAMELLIA-128-ECB", .block_size = 16 },
	{ .type = MBEDTLS_CIPHER_CAMELLIA_256_ECB, .mode = MBEDTLS_MODE_ECB,
	  .key_bitlen = 256, .name = "CAMELLIA-256-ECB", .block_size = 16 },
};
static int camellia_contexts;  /* live ones, to see the glue free them */

const mbedtls_cipher_info_t *mbedtls_cipher_info_from_values(const mbedtls_cipher_id_t id,
							     int key_bitlen,
							     const mbedtls_cipher_mode_t mode)
{
	if (id != MBEDTLS_CIPHER_ID_CAMELLIA || mode != MBEDTLS_MODE_ECB)
		return NULL;
	return key_bitlen == 128 ? &camellia_ecb[0] : key_bitlen == 256 ? &camellia_ecb[1] : NULL;
}

void mbedtls_cipher_init(mbedtls_cipher_context_t *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

int mbedtls_cipher_setup(mbedtls_cipher_context_t *ctx, const mbedtls_cipher_info_t *info)
{
	ctx->cipher_info = info;
	ctx->cipher_ctx = calloc(1, sizeof(struct camellia256_ctx));
	camellia_contexts++;
	return 0;
}

int mbedtls_cipher_setkey(mbedtls_cipher_context_t *ctx, const unsigned char *key,
			  int key_bitlen, const mbedtls_operation_t operation)
{
	assert_int_equal(operation, MBEDTLS_ENCRYPT);  /* GCM only encrypts */
	if (key_bitlen == 128)
		camellia128_set_encrypt_key(ctx->cipher_ctx, key);
	else
		camellia256_set_encrypt_key(ctx->cipher_ctx, key);
	ctx->key_bitlen = key_bitlen;
	return 0;
}

int mbedtls_cipher_update(mbedtls_cipher_context_t *ctx, const unsigned char *input,
			  size_t ilen, unsigned char *output, size_t *olen)
{
	assert_int_equal(ilen, 16);  /* what mbedtls' ECB takes */
	if (ctx->key_bitlen == 128)
		camellia128_crypt(ctx->cipher_ctx, 16, output, input);
	else
		camellia256_crypt(ctx->cipher_ctx, 16, output, input);
	*olen = 16;
	return 0;
}

void mbedtls_cipher_free(mbedtls_cipher_context_t *ctx)
{
	if (ctx->cipher_ctx)
		camellia_contexts--;
	free(ctx->cipher_ctx);
	memset(ctx, 0, sizeof(*ctx));
}

static void test_camellia_matches_nettle(void **state)
{
	static unsigned char key[32], iv[12], aad[13], pt[1000], out[1000], want[1000];
	unsigned char tag[16], want_tag[16];
	mbedtls_gcm_context ctx;
	struct gcm_camellia128_ctx n128;
	struct gcm_camellia256_ctx n256;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char) (i * 7 + 1);
	for (size_t i = 0; i < sizeof(iv); i++)
		iv[i] = (unsigned char) (i * 13 + 5);
	for (size_t i = 0; i < sizeof(aad); i++)
		aad[i] = (unsigned char) (i + 0x17);
	for (size_t i = 0; i < sizeof(pt); i++)
		pt[i] = (unsigned char) (i * 31 + (i >> 8));

	for (int bits = 128; bits <= 256; bits += 128) {
		if (bits == 128) {
			gcm_camellia128_set_key(&n128, key);
			gcm_camellia128_set_iv(&n128, 12, iv);
			gcm_camellia128_update(&n128, sizeof(aad), aad);
			gcm_camellia128_encrypt(&n128, sizeof(pt), want, pt);
			gcm_camellia128_digest(&n128, 16, want_tag);
		} else {
			gcm_camellia256_set_key(&n256, key);
			gcm_camellia256_set_iv(&n256, 12, iv);
			gcm_camellia256_update(&n256, sizeof(aad), aad);
			gcm_camellia256_encrypt(&n256, sizeof(pt), want, pt);
			gcm_camellia256_digest(&n256, 16, want_tag);
		}
		mbedtls_gcm_init(&ctx);
		assert_int_equal(mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_CAMELLIA, key,
						    (unsigned) bits), 0);
		assert_int_equal(camellia_contexts, 1);
		assert_int_equal(mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, sizeof(pt),
				 iv, 12, aad, sizeof(aad), pt, out, 16, tag), 0);
		assert_memory_equal(out, want, sizeof(pt));
		assert_memory_equal(tag, want_tag, 16);
		assert_int_equal(mbedtls_gcm_auth_decrypt(&ctx, sizeof(pt), iv, 12, aad,
				 sizeof(aad), tag, 16, out, out), 0);
		assert_memory_equal(out, pt, sizeof(pt));
		tag[0] ^= 1;
		assert_int_equal(mbedtls_gcm_auth_decrypt(&ctx, sizeof(pt), iv, 12, aad,
				 sizeof(aad), tag, 16, want, out), MBEDTLS_ERR_GCM_AUTH_FAILED);
		/* re-keying to AES releases the Camellia context */
		assert_int_equal(mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 128), 0);
		assert_int_equal(camellia_contexts, 0);
		assert_int_equal(mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_CAMELLIA, key,
						    (unsigned) bits), 0);
		mbedtls_gcm_free(&ctx);
		assert_int_equal(camellia_contexts, 0);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_encrypt),
		cmocka_unit_test(test_nist_auth_decrypt),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_rekey),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_camellia_matches_nettle),
	};
	char *env[] = { "NETTLE_FAT_OVERRIDE=none", "NETTLE_FAT_VERBOSE=1", NULL };
	int rc, st = 0;
	pid_t pid;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (rc || getenv("NETTLE_FAT_OVERRIDE"))
		return rc;
	/* again with Nettle's plain C AES and GHASH */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execve("/proc/self/exe", argv, env);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		fprintf(stderr, "test_tls_gcm: the NETTLE_FAT_OVERRIDE=none run did not finish\n");
		return 1;
	}
	return WEXITSTATUS(st);
}
