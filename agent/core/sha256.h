/* SHA-256 of the downloaded bytes, from GNU Nettle built "fat": the
 * compression function is chosen once at start-up from CPUID, the SHA
 * extensions (SHA-NI) when the CPU has them, else Nettle's x86_64 assembly.
 * mbedtls keeps its own SHA-256 for TLS; this one is for the bulk. */
#ifndef SNBOOT_SHA256_H
#define SNBOOT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#define SN_SHA256_LEN 32

struct sn_sha256 {
	struct sha256_ctx ctx;
};

void sn_sha256_init(struct sn_sha256 *s);
void sn_sha256_update(struct sn_sha256 *s, const void *data, size_t len);
/* Writes the digest; s starts over (as after sn_sha256_init). */
void sn_sha256_final(struct sn_sha256 *s, uint8_t out[static SN_SHA256_LEN]);
void sn_sha256(const void *data, size_t len, uint8_t out[static SN_SHA256_LEN]);

/* "SHA-NI" or "generic": the code Nettle runs on this CPU, for the log. */
const char *sn_sha256_impl(void);

#endif
