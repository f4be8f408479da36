/* Parallel downloads in a script: while a kernel/initrd line downloads,
 * the files of the image lines right after it are fetched in the
 * background (ops->prefetch_*), and each such line, when it runs, adopts
 * the result if it asks for exactly the same download. Each line's status
 * stays its own download's, as in iPXE: a prefetch only moves the bytes
 * earlier. Internal to the interpreter. */
#ifndef SNBOOT_SCRIPT_PREFETCH_H
#define SNBOOT_SCRIPT_PREFETCH_H

#include <stddef.h>

#include "script/script_int.h"

/* ---- pure rules (unit-tested) */

/* 1 when a line running cmd may look ahead: kernel, imgselect, initrd,
 * imgfetch, module. */
int script_prefetch_starts(const char *cmd);

/* Indexes of the lines after line `from` of p whose downloads may start
 * now, in order, at most max: consecutive lines without a label (a jump
 * may land there) whose first command is initrd, imgfetch or module. A
 * line with more commands after the first (||, &&, ;) is the last one
 * taken: what follows it may jump elsewhere. Stops at any other line (an
 * empty or comment line too). Returns the count. */
size_t script_prefetch_scan(const struct script_program *p, size_t from, size_t *idx,
			    size_t max);

/* A download's identity: its URLs in order (the line's, then its
 * mirrors, all resolved) and its --sha256 text, as one malloc'd string;
 * NULL when out of memory. Two lines ask for the same download exactly
 * when their keys are equal. */
char *script_prefetch_key(const char *const *urls, size_t n_urls, const char *sha256);
/* 1 when urls/sha256 ask for the download key was made for. */
int script_prefetch_match(const char *key, const char *const *urls, size_t n_urls,
			  const char *sha256);

/* ---- the interpreter's side (script_exec.c, script_cmds_image.c) */

/* Before line `line` of f runs: prefetches not for the lines that follow
 * it in order (a goto, a chained script) are dropped. */
void script_prefetch_at_line(struct script_ctx *c, const struct script_frame *f, size_t line);
/* The line being run downloads beside_url: start the next lines'. */
void script_prefetch_ahead(struct script_ctx *c, const char *beside_url);
/* Inside script_prefetch_ahead's dry run of a later line: start what that
 * line would fetch. Always SN_OK; a prefetch not started is no error. */
int script_prefetch_begin(struct script_ctx *c, const char *const *urls, size_t n_urls,
			  const char *sha256);
/* The running line's download: -1 when no prefetch is for it (fetch it),
 * else the adopted result (fd or error). A prefetch for this line that
 * asked for something else is dropped. */
int script_prefetch_take(struct script_ctx *c, const char *const *urls, size_t n_urls,
			 const char *sha256, int *fd, struct sn_err *e);
void script_prefetch_drop_all(struct script_ctx *c);

#endif
