/* Errors are values: a unique code a user can look up in docs/errors.md,
 * plus the context of this occurrence. Codes are registered per module in
 * errors_<module>.def as E(number, NAME, "one line of text"); the number is
 * module*100 + site, printed as E0412 with anchor docs/errors.md#e0412. */
#ifndef SNBOOT_ERR_H
#define SNBOOT_ERR_H

#include <stddef.h>

enum sn_code {
	SN_OK = 0,
#define E(num, name, text) name = num,
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

struct sn_err {
	int code;          /* enum sn_code, SN_OK when nothing failed */
	char ctx[240];     /* what, where: "option 67 length 300 > 255 at offset 40" */
};

/* Fills *e (may be NULL) and returns code, so `return sn_fail(e, X, ...)`. */
int sn_fail(struct sn_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sn_clear(struct sn_err *e);
const char *sn_strerror(int code);   /* the registry's line, "unknown error" */
const char *sn_codename(int code);   /* "SN_E_DHCP4_TRUNCATED" */
/* The registry, for the docs check: codes in table order. */
size_t sn_code_count(void);
int sn_code_at(size_t i);
/* "E0412 http: server certificate not trusted (ctx)" into buf. */
const char *sn_format(const struct sn_err *e, char *buf, size_t len);

#endif
