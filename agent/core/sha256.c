/* SHA-256 through Nettle (sha256.h). */
#include "core/sha256.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

void sn_sha256_init(struct sn_sha256 *s)
{
	sha256_init(&s->ctx);
}

void sn_sha256_update(struct sn_sha256 *s, const void *data, size_t len)
{
	sha256_update(&s->ctx, len, data);
}

void sn_sha256_final(struct sn_sha256 *s, uint8_t out[static SN_SHA256_LEN])
{
	sha256_digest(&s->ctx, SN_SHA256_LEN, out);
}

void sn_sha256(const void *data, size_t len, uint8_t out[static SN_SHA256_LEN])
{
	struct sn_sha256 s;

	sn_sha256_init(&s);
	sn_sha256_update(&s, data, len);
	sn_sha256_final(&s, out);
}

/* Nettle does not say which variant it picked, so this repeats its test
 * (fat-x86_64.c, get_x86_features): NETTLE_FAT_OVERRIDE, a comma list of
 * features, replaces CPUID when set; else CPUID leaf 7 EBX bit 29.
 * test_sha256 checks the answer against NETTLE_FAT_VERBOSE's. */
const char *sn_sha256_impl(void)
{
#if defined(__x86_64__)
	const char *s = secure_getenv("NETTLE_FAT_OVERRIDE");
	unsigned a, b, c, d;

	if (s) {
		for (;;) {
			const char *sep = strchr(s, ',');
			size_t n = sep ? (size_t)(sep - s) : strlen(s);

			if (n == 6 && memcmp(s, "sha_ni", 6) == 0)
				return "SHA-NI";
			if (!sep)
				return "generic";
			s = sep + 1;
		}
	}
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)))
		return "SHA-NI";
#endif
	return "generic";
}
