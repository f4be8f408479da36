/* libFuzzer target for grub.cfg: any bytes give a bounded list whose
 * default is one of its entries, never a crash or a hang; every file it
 * reads (configfile, source, grubenv, BLS entries) is the input again. */
#include "fuzz_bootcfg.h"

#include "boot/grub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_list l;
	struct fuzzfs f = { data, size, 0 };
	struct grub_result res;
	int full = 0;

	l.n = 0;
	l.def = -1;
	if (grub_load(&ffs_ops, &f, "/boot/grub/grub.cfg", &l, &full, &res) != 0)
		abort();
	if (res.added != l.n || (l.n > 0 && (res.def < 0 || res.def >= l.n)) ||
	    (l.n == 0 && res.def != -1))
		abort();
	l.def = res.def;
	ffs_check_list(&l);
	return 0;
}
