/* libFuzzer target for extlinux.conf/syslinux.cfg: any bytes give a
 * bounded list with a valid default; INCLUDE reads the input again. */
#include "fuzz_bootcfg.h"

#include "boot/extlinux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_list l;
	struct fuzzfs f = { data, size, 0 };
	int added, def, full = 0;

	l.n = 0;
	l.def = -1;
	if (extlinux_load(&ffs_ops, &f, "/boot/extlinux/extlinux.conf", &l, &full, &added, &def) != 0)
		abort();
	if (added != l.n || (l.n > 0 && (def < 0 || def >= l.n)) || (l.n == 0 && def != -1))
		abort();
	l.def = def;
	ffs_check_list(&l);
	return 0;
}
