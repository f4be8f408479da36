/* Helpers the boot configuration parsers share (bls.c, grub*.c,
 * extlinux.c, bootcfg.c): bounded copies, path joining, warnings with a
 * code and file:line context, and the one place entries are appended. */
#ifndef SNBOOT_BOOTCFG_UTIL_H
#define SNBOOT_BOOTCFG_UTIL_H

#include <stddef.h>

#include "boot/bootcfg.h"

/* Copies src into dst (cap bytes); -1 when it did not fit (dst then holds
 * a truncated copy, never unterminated). */
int bcfg_copy(char *dst, size_t cap, const char *src);
int bcfg_copyn(char *dst, size_t cap, const char *src, size_t n);
/* Appends " word" (or "word" when dst is empty); -1 when it did not fit. */
int bcfg_append_word(char *dst, size_t cap, const char *word);

/* dir + "/" + rel unless rel is absolute; "." and ".." removed, repeated
 * slashes squeezed, never above "/". -1 when the result does not fit.
 * out must not overlap dir or rel. */
int bcfg_path_join(char *out, size_t cap, const char *dir, const char *rel);
/* The directory part of an absolute path ("/a/b.cfg" -> "/a"; "/x" -> "/"). */
void bcfg_dirname(char *out, size_t cap, const char *path);

/* ops->warn with "E0950 grub: ... (ctx)" built from code and ctx. */
void bcfg_warn(const struct bootfs_ops *ops, void *arg, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A zeroed entry at the end of out (tries -1, source/config filled), or
 * NULL when BOOTCFG_ENTRIES_MAX is reached (one warning while *warned is
 * 0, which it then sets). The
 * caller fills it and keeps it with bcfg_commit(); an entry not committed
 * is simply overwritten by the next one. */
struct boot_entry *bcfg_entry_new(const struct bootfs_ops *ops, void *arg,
				  struct boot_list *out, const char *source,
				  const char *config, int *warned);
void bcfg_entry_commit(struct boot_list *out);

/* Case-insensitive word compare for keywords. */
int bcfg_keyword(const char *word, const char *kw);

#endif
