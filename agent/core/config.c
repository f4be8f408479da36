/* snboot.* parameters: one table drives defaults, both parsers, `${}` reads
 * and the docs check. Values are validated, uints clamped to their bounds
 * (musl's resolv.conf habit): a bad value costs a warning, never the boot. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/urlutil.h"
#include "net/rules.h"

enum kind { KIND_STRING, KIND_URL, KIND_RULES, KIND_UINT, KIND_BOOL, KIND_CHOICE };

#define TYPE_TEXT_KIND_STRING "string"
#define TYPE_TEXT_KIND_URL "url"
#define TYPE_TEXT_KIND_RULES "rules"
#define TYPE_TEXT_KIND_UINT "uint"
#define TYPE_TEXT_KIND_BOOL "bool"
#define TYPE_TEXT_KIND_CHOICE "choice"

/* X(name, kind, struct field, default, min, max, summary); docs/params has a
 * page per row (agent/test/test_config.c checks). */
#define CONFIG_PARAMS(X)                                                      \
	X("url", KIND_URL, url, "", 0, 0,                                     \
	  "backend base URL or full boot URL; overrides the one DHCP gives")  \
	X("ip", KIND_STRING, ip, "", 0, 0,                                    \
	  "static IPv4 address, kernel ip= syntax (client::gw:mask:host:dev:none:dns0); no DHCP") \
	X("vlan", KIND_STRING, vlan, "", 0, 0,                                \
	  "802.1Q VLAN IDs raced on the NICs: [<NIC term>=]ID[,ID...] groups") \
	X("lldp", KIND_BOOL, lldp, "1", 0, 1,                                 \
	  "listen for LLDP and race the VLANs the switch names for the port") \
	X("bond", KIND_RULES, bond, "", 0, 0,                                 \
	  "rules of ports joined as one 802.3ad (LACP) bond; singly without a partner") \
	X("keep_net", KIND_BOOL, keep_net, "0", 0, 1,                         \
	  "1: the bond and VLAN interfaces the agent made stay until kexec (default: deleted first)") \
	X("vendor_class", KIND_STRING, vendor_class,                          \
	  "HTTPClient:Arch:00016:UNDI:003000", 0, 0,                          \
	  "DHCPv4 option 60 / DHCPv6 option 16 vendor class text")            \
	X("user_class", KIND_STRING, user_class, "snboot", 0, 0,              \
	  "DHCPv4 option 77 user class")                                      \
	X("arch", KIND_UINT, arch, "0x10", 0, 0xffff,                         \
	  "client architecture for DHCPv4 option 93 / DHCPv6 option 61")      \
	X("net_timeout", KIND_UINT, net_timeout_s, "60", 5, 3600,             \
	  "seconds the whole network stage may take per attempt")             \
	X("grace_ms", KIND_UINT, grace_ms, "1500", 0, 60000,                  \
	  "milliseconds a more preferred NIC may still win after a first lease") \
	X("prefer", KIND_RULES, prefer, "", 0, 0,                             \
	  "ordered NIC preference rules (globs on name, driver, pci, mac)")   \
	X("exclude", KIND_RULES, exclude, "", 0, 0,                           \
	  "rules of NICs never used")                                         \
	X("ipv4", KIND_BOOL, ipv4, "1", 0, 1, "run DHCPv4 on every NIC")      \
	X("ipv6", KIND_BOOL, ipv6, "1", 0, 1,                                 \
	  "run DHCPv6 and router discovery")                                  \
	X("retry_max", KIND_UINT, retry_max_s, "60", 1, 3600,                 \
	  "cap in seconds of the backoff between attempts")                   \
	X("http_timeout", KIND_UINT, http_timeout_s, "30", 1, 600,            \
	  "seconds per HTTP request: connect, and longest transfer stall")    \
	X("serial", KIND_STRING, serial, "", 0, 0,                            \
	  "serial number reported instead of the SMBIOS one")                 \
	X("ca", KIND_STRING, ca, "/etc/snboot/ca.pem", 0, 0,                  \
	  "path of the CA bundle the backend's certificate must chain to")    \
	X("kexec", KIND_CHOICE, kexec, "tools", 0, 0,                         \
	  "how a kernel is loaded: tools (kexec-tools, no re-hashing) or file (kexec_file_load)") \
	X("local", KIND_CHOICE, local, "auto", 0, 0,                          \
	  "local disk path: kexec (its boot entries), bootnext (UEFI reboots to its loader) or auto") \
	X("shell", KIND_BOOL, shell, "0", 0, 1,                               \
	  "start a busybox shell on the console; the agent keeps running")    \
	X("shell_on_failure", KIND_BOOL, shell_on_failure, "0", 0, 1,         \
	  "start a console shell when the agent gives up or fails (baked config)") \
	X("test_panic", KIND_BOOL, test_panic, "0", 0, 1,                     \
	  "tests only: the agent exits at once, so the kernel panics and reboots") \
	X("rapid_commit", KIND_BOOL, rapid_commit, "1", 0, 1,                 \
	  "offer DHCP rapid commit (v4 option 80, v6 option 14)")             \
	X("local_timeout", KIND_UINT, local_timeout_s, "300", 0, 86400,       \
	  "seconds without a boot decision before booting the local disk; 0 never") \
	X("script_error", KIND_CHOICE, script_error, "local", 0, 0,           \
	  "where a failed script leaves the machine: local (disk) or retry")  \
	X("local_tries", KIND_UINT, local_tries, "3", 1, 100,                 \
	  "kexecs of one local entry without a healthy boot before the next") \
	X("allow_http", KIND_BOOL, allow_http, "0", 0, 1,                     \
	  "accept a plain http:// backend URL (labs; baked config only)")     \
	X("http_artifacts", KIND_CHOICE, http_artifacts, "pinned", 0, 0,      \
	  "http:// kernels, initrds, scripts: pinned (need --sha256) or any (baked only)") \
	X("proxy", KIND_STRING, proxy, "", 0, 0,                              \
	  "HTTP proxy URL for the backend and downloads; empty: none")        \
	X("no_proxy", KIND_STRING, no_proxy, "", 0, 0,                        \
	  "comma-separated hosts or domains reached without the proxy")

#define AS_PARAM(name, kind, field, def, min, max, summary) \
	{ name, TYPE_TEXT_##kind, def, min, max, summary },
static const struct config_param params[] = { CONFIG_PARAMS(AS_PARAM) };

struct slot {
	enum kind kind;
	size_t offset;
	size_t size;
};

#define AS_SLOT(name, kind, field, def, min, max, summary) \
	{ kind, offsetof(struct config, field), sizeof(((struct config *)0)->field) },
static const struct slot slots[] = { CONFIG_PARAMS(AS_SLOT) };

#define N_PARAMS (sizeof(params) / sizeof(params[0]))

/* The words a KIND_CHOICE parameter accepts, '|'-separated. */
static const struct {
	const char *name;
	const char *words;
} choices[] = {
	{ "script_error", "local|retry" },
	{ "kexec", "tools|file" },
	{ "local", "kexec|bootnext|auto" },
	{ "http_artifacts", "pinned|any" },
};

const char *config_choice_words(const char *name)
{
	for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++)
		if (strcmp(choices[i].name, name) == 0)
			return choices[i].words;
	return NULL;
}

static int check_choice(const struct config_param *p, const char *value,
			struct sn_err *e)
{
	const char *w = config_choice_words(p->name);
	size_t n = strlen(value);

	while (w && *w) {
		size_t len = strcspn(w, "|");
		if (len == n && n && strncmp(w, value, n) == 0)
			return SN_OK;
		w += len + (w[len] == '|');
	}
	return sn_fail(e, SN_E_CONFIG_BAD_CHOICE, "snboot.%s=%s: not one of %s",
		       p->name, value, config_choice_words(p->name) ?
		       config_choice_words(p->name) : "(none)");
}

const struct config_param *config_params(size_t *count)
{
	if (count)
		*count = N_PARAMS;
	return params;
}

/* The kernel treats '-' and '_' in parameter names alike; so do we. */
static int name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

static int find_param(const char *name)
{
	for (size_t i = 0; i < N_PARAMS; i++)
		if (name_eq(params[i].name, name))
			return (int)i;
	return -1;
}

static int parse_uint(const char *v, unsigned long long *out)
{
	int base = 10;
	char *end;

	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		v += 2;
	}
	/* strtoull would accept blanks and signs; a value is digits only. */
	if (!isxdigit((unsigned char)v[0]) ||
	    (base == 10 && !isdigit((unsigned char)v[0])))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, base);
	if (*end != '\0')
		return -1;
	if (errno == ERANGE)
		*out = ~0ULL;
	return 0;
}

static int set_uint(const struct config_param *p, unsigned *dst,
		    const char *value, struct sn_err *e)
{
	unsigned long long v;

	if (parse_uint(value, &v) != 0)
		return sn_fail(e, SN_E_CONFIG_BAD_UINT,
			       "snboot.%s=%s: not a number", p->name, value);
	if (v < p->min || v > p->max) {
		*dst = v < p->min ? p->min : p->max;
		return sn_fail(e, SN_E_CONFIG_CLAMPED,
			       "snboot.%s=%s outside %u..%u, using %u", p->name,
			       value, p->min, p->max, *dst);
	}
	*dst = (unsigned)v;
	return SN_OK;
}

static int set_bool(const struct config_param *p, int *dst, const char *value,
		    struct sn_err *e)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*dst = 1;
			return SN_OK;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*dst = 0;
			return SN_OK;
		}
	}
	return sn_fail(e, SN_E_CONFIG_BAD_BOOL,
		       "snboot.%s=%s: use 1/0, yes/no, true/false or on/off",
		       p->name, value);
}

static int check_url(const struct config_param *p, const char *value,
		     struct sn_err *e)
{
	const char *rest = NULL;
	char shown[112];

	if (value[0] == '\0')
		return SN_OK;
	url_for_log(value, shown, sizeof(shown));   /* no tokens in the warning */
	/* Lowercase schemes only, as api_boot_url() expects. */
	if (strncmp(value, "http://", 7) == 0)
		rest = value + 7;
	else if (strncmp(value, "https://", 8) == 0)
		rest = value + 8;
	if (rest == NULL || *rest == '\0' || *rest == '/')
		return sn_fail(e, SN_E_CONFIG_BAD_URL,
			       "snboot.%s=%s: want http://host/... or https://host/...",
			       p->name, shown);
	for (const char *c = value; *c; c++)
		if (*c <= ' ' || *c == 0x7f)
			return sn_fail(e, SN_E_CONFIG_BAD_URL,
				       "snboot.%s: blank or control byte at %zu",
				       p->name, (size_t)(c - value));
	return SN_OK;
}

static int check_rules(const struct config_param *p, const char *value,
		       struct sn_err *e)
{
	struct rule_set rs;
	struct sn_err why;

	if (rules_parse(value, &rs, &why) == SN_OK)
		return SN_OK;
	return sn_fail(e, SN_E_CONFIG_BAD_RULES, "snboot.%s: %s (%s)", p->name,
		       why.ctx, sn_strerror(why.code));
}

static int set_text(const struct config_param *p, const struct slot *s,
		    char *dst, const char *value, struct sn_err *e)
{
	size_t n = strlen(value);
	int rc = SN_OK;

	if (n >= s->size)
		return sn_fail(e, SN_E_CONFIG_TOO_LONG,
			       "snboot.%s: %zu bytes, at most %zu", p->name, n,
			       s->size - 1);
	if (s->kind == KIND_URL)
		rc = check_url(p, value, e);
	else if (s->kind == KIND_RULES)
		rc = check_rules(p, value, e);
	else if (s->kind == KIND_CHOICE)
		rc = check_choice(p, value, e);
	if (rc != SN_OK)
		return rc;
	memcpy(dst, value, n + 1);
	return SN_OK;
}

int config_set(struct config *c, const char *name, const char *value,
	       struct sn_err *e)
{
	int i = find_param(name);
	const struct slot *s;
	char *field;

	sn_clear(e);
	if (i < 0)
		return sn_fail(e, SN_E_CONFIG_UNKNOWN, "snboot.%s", name);
	s = &slots[i];
	field = (char *)c + s->offset;
	switch (s->kind) {
	case KIND_UINT:
		return set_uint(&params[i], (unsigned *)(void *)field, value, e);
	case KIND_BOOL:
		return set_bool(&params[i], (int *)(void *)field, value, e);
	case KIND_STRING:
	case KIND_URL:
	case KIND_RULES:
	case KIND_CHOICE:
		return set_text(&params[i], s, field, value, e);
	}
	return sn_fail(e, SN_E_CONFIG_UNKNOWN, "snboot.%s: no type", name);
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < N_PARAMS; i++)
		config_set(c, params[i].name, params[i].def, NULL);
}

int config_get(const struct config *c, const char *name, char *buf, size_t len)
{
	int i = find_param(name);
	const char *field;

	if (i < 0)
		return SN_E_CONFIG_UNKNOWN;
	field = (const char *)c + slots[i].offset;
	switch (slots[i].kind) {
	case KIND_UINT:
		snprintf(buf, len, "%u", *(const unsigned *)(const void *)field);
		break;
	case KIND_BOOL:
		snprintf(buf, len, "%d", *(const int *)(const void *)field);
		break;
	default:
		snprintf(buf, len, "%s", field);
		break;
	}
	return SN_OK;
}

static void warn_with_prefix(config_warn_fn warn, void *arg,
			     const struct sn_err *e, const char *prefix)
{
	struct sn_err out = { .code = e->code };

	if (warn == NULL)
		return;
	snprintf(out.ctx, sizeof(out.ctx), "%s%s", prefix, e->ctx);
	warn(arg, &out);
}

/* ---- the baked file: `name = value`, `#` comments */

#define CONFIG_LINE_MAX 2048

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* "value" and 'value' lose their quotes, so a value may keep blanks. */
static char *unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

static void apply_line(struct config *c, char *line, int lineno,
		       config_warn_fn warn, void *arg)
{
	char prefix[32];
	struct sn_err e;
	char *name, *value, *eq;

	snprintf(prefix, sizeof(prefix), "line %d: ", lineno);
	name = trim(line);
	if (*name == '\0' || *name == '#')
		return;
	eq = strchr(name, '=');
	if (eq == NULL) {
		sn_fail(&e, SN_E_CONFIG_SYNTAX, "'%.60s' has no '='", name);
		warn_with_prefix(warn, arg, &e, prefix);
		return;
	}
	*eq = '\0';
	value = unquote(trim(eq + 1));
	name = trim(name);
	if (strncmp(name, "snboot.", 7) == 0)
		name += 7;
	if (config_set(c, name, value, &e) != SN_OK)
		warn_with_prefix(warn, arg, &e, prefix);
}

void config_parse_file(struct config *c, const char *buf, size_t len,
		       config_warn_fn warn, void *arg)
{
	char line[CONFIG_LINE_MAX];
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		lineno++;
		if (n >= sizeof(line)) {
			struct sn_err e;
			sn_fail(&e, SN_E_CONFIG_TOO_LONG,
				"line %d: %zu bytes, at most %zu", lineno, n,
				sizeof(line) - 1);
			if (warn)
				warn(arg, &e);
		} else {
			memcpy(line, buf + pos, n);
			line[n] = '\0';
			/* A NUL inside the line ends it, as in any C reader. */
			apply_line(c, line, lineno, warn, arg);
		}
		pos += n + 1;
	}
}

/* ---- the kernel command line */

/* Splits off the next word the way the kernel's next_arg() does: blanks
 * inside double quotes do not split; a value's surrounding quotes and a
 * quote that opens the whole word (with its partner at the end) are
 * dropped. Returns the text after the word. */
static char *next_word(char *args, char **param, char **val)
{
	size_t i, equals = 0;
	int in_quote = 0, quoted = 0;

	if (*args == '"') {
		args++;
		in_quote = quoted = 1;
	}
	for (i = 0; args[i]; i++) {
		if (isspace((unsigned char)args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	*val = NULL;
	if (equals) {
		args[equals] = '\0';
		*val = args + equals + 1;
		if (**val == '"') {
			(*val)++;
			if (i > 0 && args[i - 1] == '"')
				args[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';
	if (args[i]) {
		args[i] = '\0';
		i++;
	}
	return args + i;
}

/* Trust settings only the baked file sets (docs/params say so). */
int config_baked_only(const char *name)
{
	static const char *const baked[] = { "allow_http", "http_artifacts" };

	for (size_t i = 0; i < sizeof(baked) / sizeof(baked[0]); i++)
		if (name_eq(baked[i], name))
			return 1;
	return 0;
}

static void apply_word(struct config *c, const char *param, const char *val,
		       config_warn_fn warn, void *arg)
{
	const char *name;
	struct sn_err e;
	int i;

	if (strncmp(param, "snboot.", 7) != 0)
		return;
	name = param + 7;
	i = find_param(name);
	/* A bare boolean switches it on, as for kernel bool parameters. */
	if (val == NULL && i >= 0 && strcmp(params[i].type, "bool") == 0)
		val = "1";
	if (val == NULL) {
		sn_fail(&e, SN_E_CONFIG_NO_VALUE, "%s", param);
		warn_with_prefix(warn, arg, &e, "kernel command line: ");
		return;
	}
	if (config_baked_only(name)) {
		sn_fail(&e, SN_E_CONFIG_BAKED_ONLY, "snboot.%s: set it in the baked "
			"/etc/snboot.conf; ignored", name);
		warn_with_prefix(warn, arg, &e, "kernel command line: ");
		return;
	}
	if (config_set(c, name, val, &e) != SN_OK)
		warn_with_prefix(warn, arg, &e, "kernel command line: ");
}

void config_parse_cmdline(struct config *c, const char *cmdline,
			  config_warn_fn warn, void *arg)
{
	char *copy, *p;

	if (cmdline == NULL)
		return;
	copy = strdup(cmdline);
	if (copy == NULL) {
		struct sn_err e;
		sn_fail(&e, SN_E_NOMEM, "copying %zu bytes of command line",
			strlen(cmdline));
		if (warn)
			warn(arg, &e);
		return;
	}
	p = copy;
	for (;;) {
		char *param, *val;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		p = next_word(p, &param, &val);
		apply_word(c, param, val, warn, arg);
	}
	free(copy);
}
