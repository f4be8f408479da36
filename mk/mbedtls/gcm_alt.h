/* mbedtls 2.28's GCM through its documented alternative-implementation hook
 * (MBEDTLS_GCM_ALT, set in config.h by mk/patches/mbedtls): the context
 * mbedtls_gcm_init/setkey/starts/update/finish/crypt_and_tag/auth_decrypt/
 * free work on, backed by GNU Nettle's GCM (AES-NI and PCLMULQDQ GHASH chosen
 * at run time in its fat build). mbedtls' own GCM runs ~200 MiB/s and was the
 * downloads' bottleneck (docs/performance.md). Included by mbedtls/gcm.h
 * after mbedtls/cipher.h. */
#ifndef SNBOOT_GCM_ALT_H
#define SNBOOT_GCM_ALT_H

#include <nettle/aes.h>
#include <nettle/gcm.h>

typedef struct mbedtls_gcm_context {
	struct gcm_key key;         /* GHASH subkey table */
	struct gcm_ctx gcm;         /* per-message state */
	union {                     /* the block cipher, by key_kind */
		struct aes128_ctx aes128;
		struct aes192_ctx aes192;
		struct aes256_ctx aes256;
		mbedtls_cipher_context_t other; /* Camellia, ARIA: mbedtls ECB */
	} cipher;
	int key_kind;               /* 0 none, 128/192/256 AES, 1 other */
	int mode;                   /* MBEDTLS_GCM_ENCRYPT or _DECRYPT */
	int started;                /* starts done, finish not yet */
	int last_partial;           /* an update of a partial block was seen */
	unsigned long long len;     /* bytes through update since starts */
} mbedtls_gcm_context;

#endif
