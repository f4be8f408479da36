/* Boot Loader Specification type #1 entries (uapi-group.org): one
 * loader/entries/<id>.conf per kernel, as kernel-install, grubby and
 * systemd-boot write them. */
#ifndef SNBOOT_BLS_H
#define SNBOOT_BLS_H

#include <stddef.h>

#include "boot/bootcfg.h"
#include "core/err.h"

#define BLS_FILES_MAX 128

/* An entry with what sorting needs besides the boot fields. */
struct bls_entry {
	struct boot_entry be;
	char sort_key[128];
	char machine_id[64];
	char version[128];
	char fname[256];            /* file name, for the last tie-break */
};

/* Looks up a variable for "$name"/"${name}" in options, initrd and linux
 * (grub's blscfg expands them: RHEL 8 writes "options $kernelopts"); NULL
 * when unset. */
typedef const char *(*bls_getvar_fn)(void *varg, const char *name);

/* Pure: parses one entry file. path is where it was read ("/loader/entries/
 * x+3-1.conf"): the id and the boot counter come from its file name.
 * getvar may be NULL (then "$x" stays as written). Returns SN_OK, or the
 * code of the reason the entry must be skipped with e->ctx "path:line: why";
 * warnings about single lines go through ops->warn (ops may be NULL). */
int bls_parse(const char *buf, size_t len, const char *path, bls_getvar_fn getvar,
	      void *varg, struct bls_entry *out, const struct bootfs_ops *ops, void *arg,
	      struct sn_err *e);

/* Splits "name+LEFT-DONE" / "name+LEFT" (no ".conf"): writes the id
 * without the counter and the counts (-1 when absent). */
void bls_split_counter(const char *stem, char *id, size_t id_size, int *left, int *done);

/* The spec's order: entries with tries left before those without; with a
 * sort-key before without (then sort-key, machine-id ascending, version
 * descending); then the id descending by version comparison; then more
 * tries left, fewer done. */
int bls_compare(const struct bls_entry *a, const struct bls_entry *b);

/* Reads dir on part (every *.conf), sorts, appends to out; entries that
 * fail are skipped with a warning. Returns how many were appended, -1 when
 * dir does not exist. Does not touch out->def. */
int bls_load(const struct bootfs_ops *ops, void *arg, const char *part, const char *dir,
	     bls_getvar_fn getvar, void *varg, struct boot_list *out, int *full_warned);

#endif
