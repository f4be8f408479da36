/* The iPXE subset that provisioning backends emit (docs/script.md).
 *
 * script_run() interprets a script and does no I/O itself: downloads,
 * booting, console output and sleeping go through the caller's ops table,
 * so the interpreter runs unchanged under unit tests and the fuzzer.
 * The pure pieces (header check, expansion, URL resolution) are exported
 * for the tests and for anyone who needs the same rules. */
#ifndef SNBOOT_SCRIPT_H
#define SNBOOT_SCRIPT_H

#include <stddef.h>

#include "boot/bootimg.h"
#include "core/err.h"

#define SCRIPT_TEXT_MAX        (256u * 1024)  /* bytes of one script */
#define SCRIPT_LINE_MAX        8192u   /* one logical line, continuations joined */
#define SCRIPT_WORDS_MAX       256u    /* words on one line */
#define SCRIPT_EXPAND_MAX      16384u  /* all expanded words of one command */
#define SCRIPT_NAME_MAX        128u    /* setting name, with scope */
#define SCRIPT_VALUE_MAX       4096u   /* setting value */
#define SCRIPT_SETTINGS_MAX    512u
#define SCRIPT_URL_MAX         2048u
#define SCRIPT_IMAGES_MAX      16u
#define SCRIPT_IMAGE_NAME_MAX  256u
#define SCRIPT_STEPS_MAX       10000u  /* lines executed, all scripts together */
#define SCRIPT_CHAIN_DEPTH_MAX 8u      /* scripts chained inside scripts */
#define SCRIPT_SLEEP_MAX_S     3600u   /* `sleep` is clamped to this */
#define SCRIPT_MIRRORS_MAX     8u      /* --mirror= on one kernel/initrd line */

/* ---- settings: the `${name}` store, prefilled by the caller */

struct script_settings;

struct script_settings *script_settings_new(void);
void script_settings_free(struct script_settings *s);
/* Stores name=value; an empty or NULL value removes the setting (iPXE's
 * rule). Returns SN_OK, SN_E_SCRIPT_SETTING_NAME, SN_E_SCRIPT_VALUE_TOO_LONG,
 * SN_E_SCRIPT_TOO_MANY_SETTINGS or SN_E_NOMEM. */
int script_set(struct script_settings *s, const char *name, const char *value);
/* The stored value, or NULL when unset. Exact name, no scope fallback. */
const char *script_get(const struct script_settings *s, const char *name);

/* ---- the caller's side */

struct script_ops {
	/* kernel/initrd/imgfetch/module/chain-of-a-kernel: download one file
	 * into a fresh fd (memfd), checking sha256 (64 hex digits) when not
	 * NULL. urls[0] is the line's URL, then its --mirror= URLs in order
	 * (n_urls is 1 + their number, at most 1 + SCRIPT_MIRRORS_MAX), all
	 * absolute: the same bytes from any of them; one that fails hands
	 * over to the next, and the trust rule applies to each URL. The
	 * interpreter owns *fd_out from then on and closes it. */
	int (*fetch)(void *arg, const char *const *urls, size_t n_urls,
		     const char *sha256_hex, int *fd_out, struct sn_err *e);
	/* chain: the body of url in a malloc'd *buf (the interpreter frees it),
	 * checked against sha256 (64 hex digits, `chain --sha256`) when not
	 * NULL. A body larger than SCRIPT_TEXT_MAX may be cut short, unless it
	 * starts with #!ipxe/#!gpxe: then fail instead. A body that is not a
	 * script is fetched again with fetch() and booted as a kernel. */
	int (*fetch_script)(void *arg, const char *url, const char *sha256_hex,
			    char **buf, size_t *len, struct sn_err *e);
	/* kexec img; returns only on failure. The fds are borrowed: valid for
	 * the call, closed by the interpreter afterwards. Returning SN_OK ends
	 * the run with SCRIPT_BOOTED (dry runs). */
	int (*boot)(void *arg, const struct boot_image *img, struct sn_err *e);
	void (*echo)(void *arg, const char *text);   /* text ends in "\n" unless echo -n */
	void (*sleep_ms)(void *arg, unsigned ms);
	void (*log)(void *arg, const char *msg);     /* one line, no "\n" */
	/* The hooks below may be NULL: their commands then fail clearly. */
	/* md5sum/sha1sum/sha256sum: the lowercase hex digest of fd's bytes
	 * (algo "md5", "sha1" or "sha256") into hex. fd is borrowed. */
	int (*digest)(void *arg, const char *algo, int fd, char *hex, size_t size,
		      struct sn_err *e);
	/* imgextract: the decompressed bytes of fd (gzip, zlib) in a new fd. */
	int (*extract)(void *arg, int fd, int *fd_out, struct sn_err *e);
	/* ntp <server>: set the clock from that NTP server. */
	int (*ntp)(void *arg, const char *server, struct sn_err *e);
	/* vcreate --tag N [--priority P] <trunk>: create the VLAN interface
	 * iPXE calls "<trunk>-<tag>" (e.g. net0-42). */
	int (*vcreate)(void *arg, const char *trunk, unsigned tag, unsigned priority,
		       struct sn_err *e);
	/* dhcp <interface> on an interface the agent has not configured (one
	 * vcreate made): run DHCP on it and fill its settings (<if>/ip...).
	 * timeout_ms: the line's --timeout, 0 = the agent's own bound. */
	int (*dhcp)(void *arg, const char *ifname, unsigned timeout_ms,
		    struct script_settings *s, struct sn_err *e);
	/* Parallel downloads (all three or none): while a kernel/initrd line
	 * downloads, the next image lines' files may be fetched ahead
	 * (script_prefetch.c says which). prefetch_start begins, in the
	 * background, exactly what fetch(urls, n_urls, sha256_hex) would do
	 * (beside_url: the line being run, for the log); NULL when it starts
	 * nothing (no spare CPU). prefetch_take waits for it and gives what
	 * fetch would have given; prefetch_drop cancels it and frees all it
	 * holds. Every handle is taken or dropped once, on this thread. */
	void *(*prefetch_start)(void *arg, const char *const *urls, size_t n_urls,
				const char *sha256_hex, const char *beside_url);
	int (*prefetch_take)(void *arg, void *handle, int *fd_out, struct sn_err *e);
	void (*prefetch_drop)(void *arg, void *handle);
};

enum script_outcome {
	SCRIPT_ENDED = 0,    /* ran off the end without booting */
	SCRIPT_BOOTED,       /* ops->boot returned SN_OK (dry runs, tests) */
	SCRIPT_BOOT_FAILED,  /* a boot attempt failed and nothing caught it */
	SCRIPT_LOCAL_BOOT,   /* sanboot without a URL: boot the local disk */
	SCRIPT_EXIT,         /* exit in the first script: leave network boot
			      * (the firmware boots the next device) */
	SCRIPT_REBOOT,
	SCRIPT_POWEROFF,
	SCRIPT_FAILED,       /* a failing command not caught by ||, or no script */
};

struct script_result {
	enum script_outcome outcome;
	char reason[256];         /* one line for the console and events */
	unsigned line;            /* line of the deciding command, 0 if none */
	int exit_status;          /* exit <status> */
	unsigned san_drive;       /* sanboot --drive, 0x80 by default */
	int san_no_describe;      /* sanboot --no-describe */
	char san_filename[256];   /* sanboot --filename, "" if none */
	unsigned lines_run;       /* steps used, all scripts together */
	unsigned boot_attempts;   /* calls of ops->boot */
};

/* Runs text (which must start with #!ipxe or #!gpxe). base_url is the
 * script's own URL, against which relative URLs resolve (may be NULL).
 * settings is read and written (set, inc, choose). Returns SN_OK for every
 * outcome but SCRIPT_FAILED and SCRIPT_BOOT_FAILED; then *e holds the code
 * and "line N: ..." context. res is always filled. */
int script_run(const char *text, size_t len, const char *base_url,
	       struct script_settings *settings, const struct script_ops *ops,
	       void *arg, struct script_result *res, struct sn_err *e);

/* ---- pure helpers (script.c) */

/* A URL fit for logs and error context: no userinfo, no query (signed
 * URLs carry tokens there), a long one shortened around "..." (the HTTP
 * client's url_for_log). Returns out. */
#define SCRIPT_URL_LOG 112u   /* as the HTTP client: a URL's share of a 240-byte context */
const char *script_url_log(const char *url, char out[SCRIPT_URL_LOG]);

/* 1 when buf starts with "#!ipxe" or "#!gpxe" then whitespace or its end. */
int script_has_header(const char *buf, size_t len);

/* Expands every ${[scope/]name[:type]} in word, nested ones first
 * (${a${b}}); unset names expand to "". Writes a NUL-terminated result. */
int script_expand(const char *word, const struct script_settings *s,
		  char *out, size_t out_size, struct sn_err *e);

/* RFC 3986 §5.2 reference resolution: ref against base into out. */
int script_url_resolve(const char *base, const char *ref, char *out,
		       size_t out_size, struct sn_err *e);

/* For docs checks and --help: the command table's public face. */
struct script_cmd_info {
	const char *name;
	const char *usage;       /* "kernel [--name <name>] ... <uri> [<arg>...]" */
	const char *summary;
	int supported;           /* 0: a known iPXE command snboot refuses */
};
const struct script_cmd_info *script_cmd_info(size_t index);  /* NULL past the end */

#endif
