/* libFuzzer target for BLS entries: any bytes give an entry or a coded
 * reason; the file name's counter and the sort must hold together. */
#include "fuzz_bootcfg.h"

#include "boot/bls.h"
#include "boot/vercmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *var(void *varg, const char *name)
{
	return name[0] == 'k' ? "root=/dev/sda1 ro" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_list l;
	struct fuzzfs f = { data, size, 0 };
	struct bls_entry b;
	struct sn_err e;
	char *buf = malloc(size + 1);
	int rc, full = 0;

	memcpy(buf, data, size);
	buf[size] = '\0';
	rc = bls_parse(buf, size, "/loader/entries/x+2-1.conf", var, NULL, &b, &ffs_ops, &f, &e);
	if (rc != e.code || (rc != SN_OK && !e.ctx[0]))
		abort();
	if (rc == SN_OK && (b.be.kernel[0] != '/' || b.be.tries_left != 2 || b.be.tries_done != 1 ||
			    strcmp(b.be.id, "x") || !b.be.label[0]))
		abort();
	/* The input as a version string: the comparison is antisymmetric. */
	if (size < 256) {
		const char *other = "1.2~rc3-4^p.fc39";

		if ((uapi_vercmp(buf, other) > 0) != (uapi_vercmp(other, buf) < 0) ||
		    uapi_vercmp(buf, buf) != 0)
			abort();
	}
	free(buf);
	/* The same bytes as every file of a directory: sorted, bounded. */
	l.n = 0;
	l.def = -1;
	bls_load(&ffs_ops, &f, "", "/loader/entries", var, NULL, &l, &full);
	if (l.n > 0)
		l.def = 0;
	ffs_check_list(&l);
	for (int i = 1; i < l.n; i++)
		if (l.v[i - 1].tries_left == 0 && l.v[i].tries_left != 0)
			abort();   /* no tries left sorts last */
	return 0;
}
