/* libFuzzer target for SMBIOS type 11 settings: any table gives strings
 * inside the buffer or a coded error, and applying them never crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/smbios.h"
#include "net/bootsrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *base;
static size_t base_len;

static void check(void *arg, unsigned index, const char *s, size_t len)
{
	(void)arg;
	if (!index || (const uint8_t *)s < base ||
	    (const uint8_t *)s + len >= base + base_len || s[len] != '\0' || !len)
		abort();
}

static void ignore(void *arg, const struct sn_err *e)
{
	(void)arg;
	if (!e->code || !e->ctx[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	struct sn_err e;
	int rc;

	log_set_quiet(1);
	base = data;
	base_len = size;
	rc = smbios_oem_strings(data, size, check, NULL, &e);
	if (rc != e.code || (rc && !e.ctx[0]))
		abort();
	config_defaults(&c);
	bootsrc_apply_oem(&c, data, size, ignore, NULL);
	bootsrc_apply_fwcfg(&c, (const char *)data, size, ignore, NULL);
	return 0;
}
