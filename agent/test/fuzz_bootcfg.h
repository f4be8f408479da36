/* Shared by the boot configuration fuzzers: a bootfs where every file is
 * the fuzz input (so configfile, source, INCLUDE and blscfg all read it
 * again, which stresses the depth limits), and the checks every entry
 * list must pass. */
#ifndef SNBOOT_FUZZ_BOOTCFG_H
#define SNBOOT_FUZZ_BOOTCFG_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootcfg.h"

struct fuzzfs {
	const uint8_t *data;
	size_t size;
	int warns;
};

static inline char *ffs_read(void *arg, const char *part, const char *path, size_t max, size_t *len)
{
	struct fuzzfs *f = arg;
	char *buf;

	if (f->size > max || strstr(path, "absent"))
		return NULL;
	buf = malloc(f->size + 1);
	memcpy(buf, f->data, f->size);
	buf[f->size] = '\0';
	*len = f->size;
	return buf;
}

static inline int ffs_list(void *arg, const char *part, const char *dir, char ***names)
{
	static const char *const n[] = { "a.conf", "b+1-2.conf", "c+0.conf", "grub.cfg" };

	*names = malloc(sizeof(n));
	for (int i = 0; i < 4; i++)
		(*names)[i] = strdup(n[i]);
	return 4;
}

static inline int ffs_search(void *arg, const char *kind, const char *value, char *ref, size_t size)
{
	if (value[0] != 'a')
		return -1;
	strncpy(ref, "ref-a", size - 1);
	ref[size - 1] = '\0';
	return 0;
}

static inline void ffs_warn(void *arg, const char *msg)
{
	struct fuzzfs *f = arg;

	if (!msg[0] || strlen(msg) > 1000)
		abort();
	f->warns++;
}

static const struct bootfs_ops ffs_ops = {
	.read_file = ffs_read, .list_dir = ffs_list, .search = ffs_search, .warn = ffs_warn,
};

static inline void ffs_check_string(const char *s, size_t cap)
{
	if (strnlen(s, cap) == cap)
		abort();
}

static inline void ffs_check_list(const struct boot_list *l)
{
	if (l->n < 0 || l->n > BOOTCFG_ENTRIES_MAX || l->def < -1 || l->def >= l->n ||
	    (l->n > 0 && l->def < 0))
		abort();
	for (int i = 0; i < l->n; i++) {
		const struct boot_entry *b = &l->v[i];

		ffs_check_string(b->label, sizeof(b->label));
		ffs_check_string(b->id, sizeof(b->id));
		ffs_check_string(b->source, sizeof(b->source));
		ffs_check_string(b->config, sizeof(b->config));
		ffs_check_string(b->part, sizeof(b->part));
		ffs_check_string(b->kernel, sizeof(b->kernel));
		ffs_check_string(b->cmdline, sizeof(b->cmdline));
		if (b->kernel[0] != '/' || b->n_initrds < 0 || b->n_initrds > BOOTIMG_MAX_INITRDS)
			abort();
		for (int k = 0; k < b->n_initrds; k++) {
			ffs_check_string(b->initrds[k], sizeof(b->initrds[k]));
			if (b->initrds[k][0] != '/')
				abort();
		}
	}
}

#endif
