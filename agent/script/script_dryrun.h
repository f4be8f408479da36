/* A script run that decides but does not boot (`snboot script --dry-run`):
 * kernels and initrds are recorded, not downloaded; chained scripts come
 * from the caller's fetcher (the real HTTP client in the CLI); the agent's
 * trust rule applies to every kernel, initrd and chained script: a plain
 * http:// one needs --sha256 unless any_http (http_artifacts = any).
 * Pure apart from memfds and the console stream; the CLI is script_cli.c. */
#ifndef SNBOOT_SCRIPT_DRYRUN_H
#define SNBOOT_SCRIPT_DRYRUN_H

#include <stdio.h>

#include "boot/bootimg.h"
#include "script/script.h"

typedef int (*dryrun_fetch_fn)(void *arg, const char *url, const char *sha256_hex,
			       char **buf, size_t *len, struct sn_err *e);

struct dryrun {
	/* in */
	int any_http;               /* --http-artifacts any */
	dryrun_fetch_fn fetch_script;   /* NULL: chain fails with E0842 */
	void *fetch_arg;
	FILE *console;              /* echo and log lines; NULL: dropped */
	/* out */
	const char *decision;       /* "boot" "local" "reboot" "poweroff" "error" */
	char kernel[SCRIPT_URL_MAX + 1];
	char initrds[BOOTIMG_MAX_INITRDS][SCRIPT_URL_MAX + 300];
	int n_initrds;
	/* the mirrors the agent would try after each image's URL, "\n"
	 * between them, "" for none: [0] the kernel, [1 + i] initrds[i] */
	char mirrors[1 + BOOTIMG_MAX_INITRDS][SCRIPT_MIRRORS_MAX * (SCRIPT_URL_MAX + 1)];
	char urls[1 + BOOTIMG_MAX_INITRDS][SCRIPT_URL_MAX + 1];   /* each image's URL */
	char cmdline[2048];
	char error[512];            /* "E0728 SN_E_HTTP_UNPINNED: line 3: kernel: ..." */
	struct script_result res;
};

/* Runs text (its own URL base_url, may be NULL) with settings and fills
 * d's outputs. Returns SN_OK when a decision other than "error" was made,
 * else the error's code. */
int dryrun_run(struct dryrun *d, const char *text, size_t len, const char *base_url,
	       struct script_settings *settings);

/* The decision for an outcome: booted is "boot"; sanboot, exit and a
 * script that ended without booting are "local" (iPXE returns to the
 * firmware, which boots the next device); failures are "error". */
const char *dryrun_decision(enum script_outcome o);

/* One JSON object (decision, kernel, initrds, cmdline, error, reason,
 * line, mirrors: {"<image URL>": ["<mirror URL>", ...]} for each image
 * booted with mirrors the trust rule let through), malloc'd; NULL when
 * out of memory. */
char *dryrun_json(const struct dryrun *d);

#endif
