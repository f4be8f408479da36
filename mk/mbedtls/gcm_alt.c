/* mbedtls 2.28's GCM API (MBEDTLS_GCM_ALT, see gcm_alt.h) over Nettle's GCM.
 * Same contract as mbedtls' library/gcm.c: what the cipher layer
 * (cipher.c, cipher_wrap.c) and so TLS call. AES keys go straight to
 * Nettle's AES (AES-NI in the fat build); Camellia (the other 128-bit block
 * cipher mbedtls offers GCM suites for) runs through an mbedtls ECB cipher
 * context. Compiled into libmbedcrypto.a by mk/libs.sh; the unit test
 * agent/test/test_tls_gcm.c builds it for the host. */
#include <string.h>

#include <mbedtls/gcm.h>
#include <nettle/memops.h>

/* mbedtls' bounds: IV and AAD below 2^61 bytes, data below 2^36 - 32. */
#define MAX_DATA 0xFFFFFFFE0ull

static void aes128_f(const void *c, size_t n, uint8_t *dst, const uint8_t *src)
{
	aes128_encrypt(c, n, dst, src);
}

static void aes192_f(const void *c, size_t n, uint8_t *dst, const uint8_t *src)
{
	aes192_encrypt(c, n, dst, src);
}

static void aes256_f(const void *c, size_t n, uint8_t *dst, const uint8_t *src)
{
	aes256_encrypt(c, n, dst, src);
}

/* One block at a time: mbedtls' ECB update takes exactly one block, and
 * cannot fail on a context set up with a 16-byte block cipher key. */
static void other_f(const void *c, size_t n, uint8_t *dst, const uint8_t *src)
{
	mbedtls_cipher_context_t *cc = (mbedtls_cipher_context_t *) c;
	size_t olen;

	for (; n >= 16; n -= 16, dst += 16, src += 16)
		mbedtls_cipher_update(cc, src, 16, dst, &olen);
}

static nettle_cipher_func *cipher_f(const mbedtls_gcm_context *ctx)
{
	switch (ctx->key_kind) {
	case 128: return aes128_f;
	case 192: return aes192_f;
	case 256: return aes256_f;
	default:  return other_f;
	}
}

static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

void mbedtls_gcm_init(mbedtls_gcm_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

void mbedtls_gcm_free(mbedtls_gcm_context *ctx)
{
	if (!ctx)
		return;
	if (ctx->key_kind == 1)
		mbedtls_cipher_free(&ctx->cipher.other);
	wipe(ctx, sizeof(*ctx));
}

int mbedtls_gcm_setkey(mbedtls_gcm_context *ctx, mbedtls_cipher_id_t cipher,
		       const unsigned char *key, unsigned int keybits)
{
	const mbedtls_cipher_info_t *info;
	int ret;

	if (!ctx || !key || (keybits != 128 && keybits != 192 && keybits != 256))
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	mbedtls_gcm_free(ctx);
	if (cipher == MBEDTLS_CIPHER_ID_AES) {
		if (keybits == 128)
			aes128_set_encrypt_key(&ctx->cipher.aes128, key);
		else if (keybits == 192)
			aes192_set_encrypt_key(&ctx->cipher.aes192, key);
		else
			aes256_set_encrypt_key(&ctx->cipher.aes256, key);
		ctx->key_kind = (int) keybits;
	} else {
		info = mbedtls_cipher_info_from_values(cipher, (int) keybits,
						       MBEDTLS_MODE_ECB);
		if (!info || info->block_size != 16)
			return MBEDTLS_ERR_GCM_BAD_INPUT;
		mbedtls_cipher_init(&ctx->cipher.other);
		ctx->key_kind = 1;
		if ((ret = mbedtls_cipher_setup(&ctx->cipher.other, info)) != 0 ||
		    (ret = mbedtls_cipher_setkey(&ctx->cipher.other, key, (int) keybits,
						 MBEDTLS_ENCRYPT)) != 0) {
			mbedtls_gcm_free(ctx);
			return ret;
		}
	}
	gcm_set_key(&ctx->key, &ctx->cipher, cipher_f(ctx));
	return 0;
}

int mbedtls_gcm_starts(mbedtls_gcm_context *ctx, int mode,
		       const unsigned char *iv, size_t iv_len,
		       const unsigned char *add, size_t add_len)
{
	if (!ctx || !ctx->key_kind || !iv || iv_len == 0 ||
	    (add_len && !add) || (mode != MBEDTLS_GCM_ENCRYPT && mode != MBEDTLS_GCM_DECRYPT) ||
	    (unsigned long long) iv_len >> 61 || (unsigned long long) add_len >> 61)
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	gcm_set_iv(&ctx->gcm, &ctx->key, iv_len, iv);
	if (add_len)
		gcm_update(&ctx->gcm, &ctx->key, add_len, add);
	ctx->mode = mode;
	ctx->started = 1;
	ctx->last_partial = 0;
	ctx->len = 0;
	return 0;
}

/* Like mbedtls' own: every call but the last a multiple of 16 bytes;
 * input and output the same buffer or not overlapping. */
int mbedtls_gcm_update(mbedtls_gcm_context *ctx, size_t length,
		       const unsigned char *input, unsigned char *output)
{
	if (!ctx || !ctx->started || (length && (!input || !output)))
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	if (length == 0)
		return 0;
	if ((output > input && (size_t) (output - input) < length) ||
	    (input > output && (size_t) (input - output) < length) ||
	    ctx->last_partial || ctx->len + length < ctx->len ||
	    ctx->len + length > MAX_DATA)
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	if (ctx->mode == MBEDTLS_GCM_ENCRYPT)
		gcm_encrypt(&ctx->gcm, &ctx->key, &ctx->cipher, cipher_f(ctx),
			    length, output, input);
	else
		gcm_decrypt(&ctx->gcm, &ctx->key, &ctx->cipher, cipher_f(ctx),
			    length, output, input);
	ctx->len += length;
	ctx->last_partial = length % 16 != 0;
	return 0;
}

int mbedtls_gcm_finish(mbedtls_gcm_context *ctx, unsigned char *tag, size_t tag_len)
{
	if (!ctx || !ctx->started || !tag || tag_len < 4 || tag_len > 16)
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	gcm_digest(&ctx->gcm, &ctx->key, &ctx->cipher, cipher_f(ctx), tag_len, tag);
	ctx->started = 0;
	return 0;
}

int mbedtls_gcm_crypt_and_tag(mbedtls_gcm_context *ctx, int mode, size_t length,
			      const unsigned char *iv, size_t iv_len,
			      const unsigned char *add, size_t add_len,
			      const unsigned char *input, unsigned char *output,
			      size_t tag_len, unsigned char *tag)
{
	int ret;

	if (!tag || tag_len < 4 || tag_len > 16)
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	if ((ret = mbedtls_gcm_starts(ctx, mode, iv, iv_len, add, add_len)) != 0 ||
	    (ret = mbedtls_gcm_update(ctx, length, input, output)) != 0)
		return ret;
	return mbedtls_gcm_finish(ctx, tag, tag_len);
}

int mbedtls_gcm_auth_decrypt(mbedtls_gcm_context *ctx, size_t length,
			     const unsigned char *iv, size_t iv_len,
			     const unsigned char *add, size_t add_len,
			     const unsigned char *tag, size_t tag_len,
			     const unsigned char *input, unsigned char *output)
{
	unsigned char check[16];
	int ret;

	if (!tag)
		return MBEDTLS_ERR_GCM_BAD_INPUT;
	ret = mbedtls_gcm_crypt_and_tag(ctx, MBEDTLS_GCM_DECRYPT, length, iv, iv_len,
					add, add_len, input, output, tag_len, check);
	if (ret != 0)
		return ret;
	if (!memeql_sec(check, tag, tag_len)) {
		wipe(output, length);
		return MBEDTLS_ERR_GCM_AUTH_FAILED;
	}
	return 0;
}
