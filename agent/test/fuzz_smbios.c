/* libFuzzer target for the SMBIOS parser: any bytes must give either facts
 * or a coded error, never a crash, and the facts must hold together. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/smbios.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();   /* not terminated inside its field */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();   /* copy_clean let a raw byte through */
	if (n > 0 && s[n - 1] == ' ')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smbios_facts f;
	struct sn_err e;
	int rc = smbios_parse(data, size, &f, &e);

	if (rc != e.code || (rc != SN_OK && e.ctx[0] == '\0'))
		abort();
	check_string(f.serial, sizeof(f.serial));
	check_string(f.system_serial, sizeof(f.system_serial));
	check_string(f.board_serial, sizeof(f.board_serial));
	check_string(f.chassis_serial, sizeof(f.chassis_serial));
	check_string(f.manufacturer, sizeof(f.manufacturer));
	check_string(f.bios_vendor, sizeof(f.bios_vendor));
	/* The chosen serial is never invented and never a placeholder. */
	if (f.serial[0] && (smbios_is_placeholder(f.serial) ||
			    (strcmp(f.serial, f.system_serial) &&
			     strcmp(f.serial, f.board_serial) &&
			     strcmp(f.serial, f.chassis_serial))))
		abort();
	if (!f.serial[0] && f.serial_source[0])
		abort();
	if (f.has_uuid != (f.uuid[0] != '\0'))
		abort();
	return 0;
}
