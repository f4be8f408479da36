/* snboot.* parameters: one descriptor table (name, type, default, bounds,
 * summary) read from the baked /etc/snboot.conf and then the kernel command
 * line (`snboot.<name>=<value>`, later wins). Parsing is pure. */
#ifndef SNBOOT_CONFIG_H
#define SNBOOT_CONFIG_H

#include <stddef.h>

#include "core/err.h"

#define CONFIG_RULES_MAX 512

struct config {
	char url[1024];           /* url: backend base or full boot URL; overrides DHCP */
	char ip[256];             /* ip: static IPv4 in the kernel's ip= syntax; no DHCP */
	char vlan[256];           /* vlan: 802.1Q IDs raced on matching NICs */
	int lldp;                 /* lldp: 1 listen for LLDP, race the VLANs it names */
	char bond[CONFIG_RULES_MAX]; /* bond: rules of ports joined as one 802.3ad bond */
	int keep_net;             /* keep_net: 1 leave bond/VLAN interfaces up across kexec */
	char vendor_class[128];   /* vendor_class: DHCPv4 option 60 / v6 option 16 text */
	char user_class[64];      /* user_class: DHCPv4 option 77 */
	unsigned arch;            /* arch: client arch for option 93 / v6 61 (0x10 x86-64 HTTP) */
	unsigned net_timeout_s;   /* net_timeout: one deadline for the whole network stage */
	unsigned grace_ms;        /* grace_ms: how long a preferred NIC may still win */
	char prefer[CONFIG_RULES_MAX];   /* prefer: ordered glob rules, see rules.h */
	char exclude[CONFIG_RULES_MAX];  /* exclude: glob rules of NICs never used */
	int ipv4;                 /* ipv4: 1 run DHCPv4 */
	int ipv6;                 /* ipv6: 1 run DHCPv6 + router discovery */
	unsigned retry_max_s;     /* retry_max: cap of the backoff between attempts */
	unsigned http_timeout_s;  /* http_timeout: per request, connect + transfer stall */
	char serial[96];          /* serial: override of the SMBIOS serial (labs, VMs) */
	char ca[256];             /* ca: path of the CA bundle baked in the image */
	int rapid_commit;         /* rapid_commit: offer DHCP rapid commit (v4 opt 80, v6 opt 14) */
	unsigned local_timeout_s; /* local_timeout: no decision by then → local disk */
	char kexec[8];            /* kexec: "tools" (kexec-tools, kexec_load) or "file" */
	char local[16];           /* local: "kexec", "bootnext" or "auto" */
	int shell;                /* shell: a busybox shell on the console */
	int shell_on_failure;     /* shell_on_failure: a console shell when the agent gives up */
	int test_panic;           /* test_panic: exit at once (tests: panic → reboot) */
	char script_error[8];     /* script_error: "local" or "retry" after a failed script */
	unsigned local_tries;     /* local_tries: kexecs of a local entry before the next */
	int allow_http;           /* allow_http: accept an http:// backend URL (baked config only) */
	char http_artifacts[8];   /* http_artifacts: "pinned" (http:// needs --sha256) or "any" (baked only) */
	char proxy[256];          /* proxy: HTTP proxy URL for backend and artifacts, "" none */
	char no_proxy[256];       /* no_proxy: hosts reached without the proxy (curl's list) */
};

/* Fills every field with its table default. */
void config_defaults(struct config *c);

/* Baked config: `name = value` lines, `#` comments, blank lines. An unknown
 * name or a bad value is reported through warn (one call per problem, with
 * the line number) and skipped; the rest still applies. */
typedef void (*config_warn_fn)(void *arg, const struct sn_err *e);
void config_parse_file(struct config *c, const char *buf, size_t len,
		       config_warn_fn warn, void *arg);

/* Kernel command line: applies only `snboot.<name>=<value>` words; quotes
 * as the kernel handles them ("snboot.prefer=\"a b\""). */
void config_parse_cmdline(struct config *c, const char *cmdline,
			  config_warn_fn warn, void *arg);

/* 1 for a parameter the kernel command line may not set (trust settings:
 * whoever controls the boot loader's command line must not lower them). */
int config_baked_only(const char *name);

/* Sets one parameter by name; the function both parsers use. */
int config_set(struct config *c, const char *name, const char *value,
	       struct sn_err *e);

/* For --help, docs checks and `${}`: the descriptor table. */
struct config_param {
	const char *name;
	const char *type;      /* "string", "uint", "bool", "rules", "url" */
	const char *def;       /* default as text */
	unsigned min, max;     /* bounds for uint (clamped, with a warning) */
	const char *summary;
};
const struct config_param *config_params(size_t *count);

/* The '|'-separated words a "choice" parameter accepts, NULL for others. */
const char *config_choice_words(const char *name);

/* Formats a parameter's current value as text (for `${}` and logging). */
int config_get(const struct config *c, const char *name, char *buf, size_t len);

#endif
