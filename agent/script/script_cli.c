/* snboot script --dry-run (script_cli.h): operators test what their
 * backend answers, and the compatibility corpus (tests/corpus/ipxe/) runs
 * through it. The decision is made by script_dryrun.c; this file reads the
 * command line and the script and gives the dry run the agent's HTTP
 * client for chained scripts. Built only into the musl binary's link
 * (http.c); it compiles on the host too. */
#include "script/script_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/config.h"
#include "core/fdio.h"
#include "core/log.h"
#include "http/http.h"
#include "http/urlutil.h"
#include "script/script_dryrun.h"

#define SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

struct cli {
	int json, any_http, http_ready;
	const char *ca, *base, *input;
	unsigned timeout_s;
	struct config cfg;          /* defaults, then /etc/snboot.conf if any */
};

static void config_warn(void *arg, const struct sn_err *e)
{
	char msg[sizeof(e->ctx) + 128];

	fprintf(stderr, "snboot script: %s: %s\n", (const char *)arg,
		sn_format(e, msg, sizeof(msg)));
}

/* The baked config, where one exists (inside the image, or a host that
 * copies it): its ca and http_artifacts are the defaults here too. */
static void load_baked(struct cli *c)
{
	size_t len;
	char *text;

	config_defaults(&c->cfg);
	if ((text = read_file("/etc/snboot.conf", 65536, &len))) {
		config_parse_file(&c->cfg, text, len, config_warn, "/etc/snboot.conf");
		free(text);
	}
	c->any_http = strcmp(c->cfg.http_artifacts, "any") == 0;
	c->timeout_s = c->cfg.http_timeout_s ? c->cfg.http_timeout_s : 10;
}

static int usage(const char *why, const char *arg)
{
	fprintf(stderr, "snboot script: E%04d %s%s%s\n", SN_E_SCRIPT_CLI_USAGE, why,
		arg ? ": " : "", arg ? arg : "");
	fprintf(stderr, "usage: snboot script --dry-run [--json] [--set name=value]... "
			"[--ca FILE]\n"
			"                     [--http-artifacts pinned|any] [--base URL] FILE|URL\n"
			"See docs/script.md (dry run).\n");
	return 2;
}

/* The CA: --ca, else the baked config's, else the host's bundle. */
static int http_ready(struct cli *c, struct sn_err *e)
{
	struct http_policy p;
	const char *ca = c->ca;
	int rc;

	if (c->http_ready)
		return SN_OK;
	if (!ca)
		ca = access(c->cfg.ca, R_OK) == 0 ? c->cfg.ca : SYSTEM_CA;
	if (access(ca, R_OK) != 0)
		return sn_fail(e, SN_E_SCRIPT_CLI_CA, "%s: %m (give one with --ca FILE)", ca);
	if ((rc = http_init(ca, c->timeout_s, e)) != SN_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	p.artifacts_any = c->any_http;
	if ((rc = http_set_policy(&p, e)) != SN_OK)
		return rc;
	c->http_ready = 1;
	return SN_OK;
}

static int cli_fetch(void *arg, const char *url, const char *sha256, char **buf,
		     size_t *len, struct sn_err *e)
{
	struct cli *c = arg;
	int rc = http_ready(c, e);

	return rc != SN_OK ? rc : http_get_pinned(url, sha256, buf, len, e);
}

static int is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

static int parse_args(struct cli *c, struct script_settings *s, int argc, char **argv)
{
	int dry = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--dry-run")) {
			dry = 1;
		} else if (!strcmp(a, "--json")) {
			c->json = 1;
		} else if (!strcmp(a, "--set") || !strcmp(a, "--ca") || !strcmp(a, "--base") ||
			   !strcmp(a, "--http-artifacts")) {
			if (!v)
				return usage("option needs a value", a);
			i++;
			if (!strcmp(a, "--ca")) {
				c->ca = v;
			} else if (!strcmp(a, "--base")) {
				c->base = v;
			} else if (!strcmp(a, "--http-artifacts")) {
				if (strcmp(v, "pinned") && strcmp(v, "any"))
					return usage("--http-artifacts is pinned or any", v);
				c->any_http = !strcmp(v, "any");
			} else {
				char key[SCRIPT_NAME_MAX + 1];
				const char *eq = strchr(v, '=');
				if (!eq || eq == v || (size_t)(eq - v) > SCRIPT_NAME_MAX)
					return usage("--set needs name=value", v);
				snprintf(key, sizeof(key), "%.*s", (int)(eq - v), v);
				if (script_set(s, key, eq + 1) != SN_OK)
					return usage("--set: bad name or value", v);
			}
		} else if (a[0] == '-' && a[1]) {
			return usage("unknown option", a);
		} else if (c->input) {
			return usage("one FILE or URL", a);
		} else {
			c->input = a;
		}
	}
	if (!dry)
		return usage("only --dry-run is supported (the agent runs scripts itself)", NULL);
	if (!c->input)
		return usage("no FILE or URL", NULL);
	return 0;
}

/* "  mirror: URL" for each of list's "\n"-separated mirrors */
static void print_mirrors(const char *list)
{
	while (*list) {
		size_t n = strcspn(list, "\n");
		printf("  mirror: %.*s\n", (int)n, list);
		list += n + (list[n] == '\n');
	}
}

static void print_text(const struct dryrun *d)
{
	printf("decision: %s\n", d->decision);
	if (!strcmp(d->decision, "boot")) {
		printf("kernel:   %s\n", d->kernel);
		print_mirrors(d->mirrors[0]);
		for (int i = 0; i < d->n_initrds; i++) {
			printf("initrd:   %s\n", d->initrds[i]);
			print_mirrors(d->mirrors[1 + i]);
		}
		printf("cmdline:  %s\n", d->cmdline);
	}
	if (d->error[0])
		printf("error:    %s\n", d->error);
	printf("reason:   %s\n", d->res.reason);
}

int script_cli_main(int argc, char **argv)
{
	struct cli c;
	struct dryrun d;
	struct script_settings *s = script_settings_new();
	struct sn_err e;
	char *text = NULL;
	size_t len = 0;
	int rc, status = 2;

	if (!s)
		return 2;
	memset(&c, 0, sizeof(c));
	load_baked(&c);
	script_set(s, "buildarch", "x86_64");
	script_set(s, "platform", "efi");
	script_set(s, "version", SNBOOT_VERSION);
	if (parse_args(&c, s, argc, argv) != 0)
		goto out;
	memset(&d, 0, sizeof(d));
	d.any_http = c.any_http;
	d.fetch_script = cli_fetch;
	d.fetch_arg = &c;
	d.console = stderr;   /* stdout holds only the decision */
	sn_clear(&e);
	if (is_url(c.input)) {
		rc = url_artifact_allowed(c.input, 0, c.any_http, &e);
		if (rc == SN_OK)
			rc = cli_fetch(&c, c.input, NULL, &text, &len, &e);
		if (!c.base)
			c.base = c.input;
	} else {
		text = read_file(c.input, SCRIPT_TEXT_MAX + 1, &len);
		rc = text ? SN_OK : sn_fail(&e, SN_E_SCRIPT_CLI_INPUT, "%s: %m", c.input);
	}
	if (rc != SN_OK) {
		char msg[sizeof(e.ctx) + 128];
		fprintf(stderr, "snboot script: %s\n", sn_format(&e, msg, sizeof(msg)));
		goto out;
	}
	dryrun_run(&d, text, len, c.base, s);
	if (c.json) {
		char *j = dryrun_json(&d);
		if (!j)
			goto out;
		printf("%s\n", j);
		free(j);
	} else {
		print_text(&d);
	}
	status = strcmp(d.decision, "error") == 0;
out:
	fflush(stdout);
	if (c.http_ready)
		http_cleanup();
	free(text);
	script_settings_free(s);
	return status;
}
