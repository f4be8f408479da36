/* The error registry: one table built from the errors_*.def files. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct sn_code_desc {
	int code;
	const char *name;
	const char *text;
};

static const struct sn_code_desc codes[] = {
	{ SN_OK, "SN_OK", "no error" },
#define E(num, name, text) { num, #name, text },
#include "core/errors_core.def"
#include "core/errors_config.def"
#include "core/errors_smbios.def"
#include "net/errors_net.def"
#include "net/errors_dhcp4.def"
#include "net/errors_dhcp6.def"
#include "http/errors_http.def"
#include "script/errors_script.def"
#include "boot/errors_boot.def"
#undef E
};

static const struct sn_code_desc *lookup(int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return &codes[i];
	return NULL;
}

int sn_fail(struct sn_err *e, int code, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		e->code = code;
		va_start(ap, fmt);
		vsnprintf(e->ctx, sizeof(e->ctx), fmt, ap);
		va_end(ap);
	}
	return code;
}

void sn_clear(struct sn_err *e)
{
	if (e) {
		e->code = SN_OK;
		e->ctx[0] = '\0';
	}
}

const char *sn_strerror(int code)
{
	const struct sn_code_desc *d = lookup(code);
	return d ? d->text : "unknown error";
}

const char *sn_codename(int code)
{
	const struct sn_code_desc *d = lookup(code);
	return d ? d->name : "SN_E_UNKNOWN";
}

const char *sn_format(const struct sn_err *e, char *buf, size_t len)
{
	if (e->ctx[0])
		snprintf(buf, len, "E%04d %s (%s) [docs/errors.md#e%04d]", e->code,
			 sn_strerror(e->code), e->ctx, e->code);
	else
		snprintf(buf, len, "E%04d %s [docs/errors.md#e%04d]", e->code,
			 sn_strerror(e->code), e->code);
	return buf;
}

size_t sn_code_count(void)
{
	return sizeof(codes) / sizeof(codes[0]);
}

int sn_code_at(size_t i)
{
	return i < sn_code_count() ? codes[i].code : -1;
}
