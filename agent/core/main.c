/* snboot agent, PID 1: identify the machine, get on the network, ask the
 * backend what to boot, boot it. It never exits: every failure is said on
 * the console and retried with capped, jittered backoff. Only this file
 * decides to retry or fall back; the stages return errors as values. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "http/api.h"
#include "core/config.h"
#include "core/err.h"
#include "core/facts.h"
#include "http/http.h"
#include "boot/kexec.h"
#include "boot/localboot.h"
#include "core/log.h"
#include "net/netstage.h"
#include "script/script.h"
#include "core/smbios.h"
#include "core/sysinit.h"
#include "core/syslog.h"
#include "http/urlutil.h"

#define SCRIPT_MAX (1u << 20)

struct agent {
	struct config cfg;
	struct smbios_facts id;
	struct net_result net;
	int have_net;
	int http_ready;
	char boot_url[LEASE_URL_MAX];
	char events_url[LEASE_URL_MAX];
	char boot_id[37];
	int attempt;
	uint64_t download_ms;     /* summed over the fetches of one script */
};

static struct agent agent;

static void say_error(const char *stage, const struct sn_err *e)
{
	char buf[512];
	logmsg(stage, "%s", sn_format(e, buf, sizeof(buf)));
}

static void config_warn(void *arg, const struct sn_err *e)
{
	say_error((const char *)arg, e);
}

static void load_config(struct config *cfg)
{
	size_t len;
	char *text;

	config_defaults(cfg);
	text = read_file("/etc/snboot.conf", 65536, &len);
	if (text) {
		config_parse_file(cfg, text, len, config_warn, "config");
		free(text);
	}
	text = read_file("/proc/cmdline", 8192, &len);
	if (text) {
		config_parse_cmdline(cfg, text, config_warn, "config");
		free(text);
	}
}

static void make_boot_id(char out[37])
{
	unsigned char r[16] = { 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)!read(fd, r, sizeof(r));
		close(fd);
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* UUID v4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
		 r[11], r[12], r[13], r[14], r[15]);
	srandom((unsigned)(r[0] | r[1] << 8 | r[2] << 16) ^ (unsigned)mono_ms());
}

static void identify(struct agent *a)
{
	struct sn_err e;
	size_t len = 0;
	uint64_t t0 = mono_ms();
	uint8_t *table = (uint8_t *)read_file("/sys/firmware/dmi/tables/DMI", 1u << 20, &len);

	sn_clear(&e);
	memset(&a->id, 0, sizeof(a->id));
	if (!table) {
		logmsg("identify", "no SMBIOS table (/sys/firmware/dmi/tables/DMI: %s)",
		       strerror(errno));
	} else {
		if (smbios_parse(table, len, &a->id, &e) != SN_OK)
			say_error("identify", &e);
		free(table);
	}
	if (a->cfg.serial[0]) {
		snprintf(a->id.serial, sizeof(a->id.serial), "%s", a->cfg.serial);
		snprintf(a->id.serial_source, sizeof(a->id.serial_source), "cmdline");
	}
	if (a->id.serial[0])
		logmsg("identify", "serial %s (from %s), uuid %s, %s %s", a->id.serial,
		       a->id.serial_source, a->id.uuid[0] ? a->id.uuid : "none",
		       a->id.manufacturer, a->id.product);
	else
		logmsg("identify", "no usable serial number in SMBIOS (system \"%s\", "
		       "board \"%s\", chassis \"%s\"); reporting none, uuid %s",
		       a->id.system_serial, a->id.board_serial, a->id.chassis_serial,
		       a->id.uuid[0] ? a->id.uuid : "none");
	log_stage_done("identify", mono_ms() - t0);
}

static void report_event(struct agent *a, const char *stage, const char *status,
			 uint64_t ms, const char *message)
{
	cJSON *o;
	char *body, *resp = NULL;
	size_t resp_len;
	long code;
	struct sn_err e;

	if (!a->http_ready || !a->events_url[0])
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "serial", a->id.serial);
	cJSON_AddStringToObject(o, "boot_id", a->boot_id);
	cJSON_AddStringToObject(o, "stage", stage);
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddNumberToObject(o, "ms", (double)ms);
	cJSON_AddStringToObject(o, "message", message ? message : "");
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!body)
		return;
	/* Events are best effort: a backend without them must not stop a boot. */
	if (http_post(a->events_url, "application/json", body, strlen(body), &resp,
		      &resp_len, &code, &e) != SN_OK)
		logmsg("report", "event %s/%s not delivered: %s", stage, status, e.ctx);
	free(resp);
	free(body);
}

/* DHCP option 7: every line from here on also goes to that syslog server. */
static void use_log_server(struct agent *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(SYSLOG_PORT) };
	char addr[INET_ADDRSTRLEN];

	if (a->net.lease.family != AF_INET || !a->net.lease.log4.s_addr) {
		log_remote(NULL, 0, NULL);
		return;
	}
	sin.sin_addr = a->net.lease.log4;
	log_remote((const struct sockaddr *)&sin, sizeof(sin), a->id.serial);
	logmsg("net", "logging to syslog server %s:%d (DHCP option 7)",
	       inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr)), SYSLOG_PORT);
}

static int stage_network(struct agent *a, struct sn_err *e)
{
	const char *url;
	int rc;

	if (!a->have_net) {
		rc = net_run(&a->cfg, &a->id, &a->net, e);
		if (rc != SN_OK)
			return rc;
		a->have_net = 1;
		use_log_server(a);
	}
	url = a->cfg.url[0] ? a->cfg.url : a->net.lease.boot_url;
	if (!url[0])
		return sn_fail(e, SN_E_NO_URL, "lease on %s has no boot URL and snboot.url is unset",
			       a->net.lease.ifname);
	rc = api_boot_url(url, a->boot_url, sizeof(a->boot_url), e);
	if (rc != SN_OK)
		return rc;
	api_events_url(a->boot_url, a->events_url, sizeof(a->events_url), NULL);
	logmsg("net", "backend %s (from %s)", a->boot_url,
	       a->cfg.url[0] ? "snboot.url" : "DHCP");
	return SN_OK;
}

static int stage_ask(struct agent *a, char **script, size_t *script_len, struct sn_err *e)
{
	uint64_t t0 = mono_ms();
	long status = 0;
	char *body;
	int rc;

	if (!a->http_ready) {
		rc = http_init(a->cfg.ca, a->cfg.http_timeout_s, e);
		if (rc != SN_OK)
			return rc;
		a->http_ready = 1;
	}
	body = facts_json(&a->id, a->net.nics, a->net.n_nics, a->net.winner, &a->net.lease,
			  a->boot_id, a->attempt);
	if (!body)
		return sn_fail(e, SN_E_NOMEM, "building the facts JSON");
	logmsg("api", "POST %s (serial %s, attempt %d)", a->boot_url,
	       a->id.serial[0] ? a->id.serial : "none", a->attempt);
	rc = http_post(a->boot_url, "application/json", body, strlen(body), script,
		       script_len, &status, e);
	free(body);
	if (rc != SN_OK)
		return rc;
	logmsg("api", "HTTP %ld, %zu bytes of script", status, *script_len);
	log_stage_done("api", mono_ms() - t0);
	report_event(a, "api", "ok", mono_ms() - t0, NULL);
	return SN_OK;
}

/* ---- the script's window on the world */

static int op_fetch(void *arg, const char *url, const char *sha256, int *fd,
		    struct sn_err *e)
{
	struct agent *a = arg;
	uint64_t t0 = mono_ms();
	size_t size = 0;
	char clean[LEASE_URL_MAX];
	const char *label;
	int rc;

	/* The label names the memfd and log lines: no query (tokens). */
	url_for_log(url, clean, sizeof(clean));
	clean[strcspn(clean, "?#")] = '\0';
	label = strrchr(clean, '/');
	rc = http_fetch_fd(url, sha256, label && label[1] ? label + 1 : clean, fd, &size, e);

	a->download_ms += mono_ms() - t0;
	return rc;
}

static int op_fetch_script(void *arg, const char *url, char **buf, size_t *len,
			   struct sn_err *e)
{
	return http_get_buf(url, buf, len, e);
}

static int op_boot(void *arg, const struct boot_image *img, struct sn_err *e)
{
	struct agent *a = arg;
	uint64_t t0;
	int rc;

	log_stage_done("download", a->download_ms);
	report_event(a, "download", "ok", a->download_ms, NULL);
	logmsg("kexec", "loading %s (%d initrd%s), cmdline: %s", img->label,
	       img->n_initrds, img->n_initrds == 1 ? "" : "s", img->cmdline);
	t0 = mono_ms();
	rc = kexec_load_image(img, e);
	if (rc != SN_OK)
		return rc;
	log_stage_done("kexec", mono_ms() - t0);
	report_event(a, "kexec", "ok", mono_ms() - t0, img->label);
	logmsg("kexec", "rebooting into %s", img->label);
	return kexec_reboot_now(e);
}

static void op_echo(void *arg, const char *text)
{
	logmsg("script", "%s", text);
}

static void op_sleep(void *arg, unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void op_log(void *arg, const char *msg)
{
	logmsg("script", "%s", msg);
}

static const struct script_ops agent_script_ops = {
	.fetch = op_fetch,
	.fetch_script = op_fetch_script,
	.boot = op_boot,
	.echo = op_echo,
	.sleep_ms = op_sleep,
	.log = op_log,
};

static void fill_settings(struct agent *a, struct script_settings *s)
{
	const struct lease *l = &a->net.lease;
	char ip[INET6_ADDRSTRLEN] = "";
	char key[32];
	struct stat st;

	if (l->family == AF_INET)
		inet_ntop(AF_INET, &l->addr4, ip, sizeof(ip));
	else if (l->family == AF_INET6)
		inet_ntop(AF_INET6, &l->addr6, ip, sizeof(ip));
	script_set(s, "serial", a->id.serial);
	script_set(s, "uuid", a->id.uuid);
	script_set(s, "manufacturer", a->id.manufacturer);
	script_set(s, "product", a->id.product);
	script_set(s, "asset", a->id.asset_tag);
	script_set(s, "board-serial", a->id.board_serial);
	script_set(s, "hostname", l->hostname);
	script_set(s, "ip", ip);
	script_set(s, "buildarch", "x86_64");
	script_set(s, "platform", stat("/sys/firmware/efi", &st) == 0 ? "efi" : "pcbios");
	script_set(s, "filename", l->boot_url);
	if (l->family == AF_INET) {
		inet_ntop(AF_INET, &l->server4, key, sizeof(key));
		script_set(s, "next-server", key);
	}
	for (int i = 0; i < a->net.n_nics; i++) {
		const struct nic *n = &a->net.nics[i];
		snprintf(key, sizeof(key), "net%d/mac", i);
		script_set(s, key, n->mac_str);
		if (i == a->net.winner) {
			script_set(s, "mac", n->mac_str);
			snprintf(key, sizeof(key), "net%d/ip", i);
			script_set(s, key, ip);
		}
	}
}

enum attempt_end { END_RETRY, END_LOCAL };

static enum attempt_end stage_run(struct agent *a, const char *script, size_t len)
{
	struct script_settings *settings = script_settings_new();
	struct script_result res;
	struct sn_err e;
	int rc;

	sn_clear(&e);
	memset(&res, 0, sizeof(res));
	if (!settings) {
		logmsg("script", "E%04d out of memory", SN_E_NOMEM);
		return END_RETRY;
	}
	fill_settings(a, settings);
	a->download_ms = 0;
	rc = script_run(script, len, a->boot_url, settings, &agent_script_ops, a, &res, &e);
	script_settings_free(settings);
	if (rc != SN_OK)
		say_error("script", &e);
	switch (res.outcome) {
	case SCRIPT_LOCAL_BOOT:
	case SCRIPT_EXIT:
		logmsg("local", "backend chose the local disk (%s)", res.reason);
		return END_LOCAL;
	case SCRIPT_REBOOT:
		logmsg("script", "reboot requested by the script");
		sync();
		reboot(RB_AUTOBOOT);
		return END_RETRY;
	case SCRIPT_POWEROFF:
		logmsg("script", "power-off requested by the script");
		sync();
		reboot(RB_POWER_OFF);
		return END_RETRY;
	default:
		logmsg("script", "script did not boot anything (%s); will ask again",
		       res.reason[0] ? res.reason : "no reason");
		report_event(a, "script", "failed", 0, res.reason);
		return END_RETRY;
	}
}

/* Capped exponential backoff with ±25% jitter: thousands of machines
 * retrying after a power event must not stay in step. */
static void backoff_sleep(const struct config *cfg, int failures)
{
	unsigned cap_ms = cfg->retry_max_s * 1000u;
	unsigned ms = 2000;

	for (int i = 1; i < failures && ms < cap_ms; i++)
		ms *= 2;
	if (ms > cap_ms)
		ms = cap_ms;
	ms = ms * 3 / 4 + (unsigned)(random() % (ms / 2 + 1));
	logmsg("retry", "next attempt in %u.%01u s", ms / 1000, (ms % 1000) / 100);
	op_sleep(NULL, ms);
}

static void run_forever(struct agent *a)
{
	int failures = 0;
	uint64_t undecided_since = mono_ms();

	for (a->attempt = 1;; a->attempt++) {
		struct sn_err e;
		char *script = NULL;
		size_t len = 0;
		enum attempt_end end = END_RETRY;

		sn_clear(&e);
		if (stage_network(a, &e) != SN_OK) {
			say_error("net", &e);
			if (e.code == SN_E_DEADLINE)
				end = END_LOCAL;
		} else if (stage_ask(a, &script, &len, &e) != SN_OK) {
			say_error("api", &e);
		} else {
			end = stage_run(a, script, len);
		}
		free(script);
		/* No decision for local_timeout: the disk is better than
		 * waiting forever for a backend that may never answer. */
		if (end == END_RETRY && a->cfg.local_timeout_s &&
		    mono_ms() - undecided_since >= a->cfg.local_timeout_s * 1000ull) {
			logmsg("local", "no decision from the backend in %u s (snboot.local_timeout)",
			       a->cfg.local_timeout_s);
			end = END_LOCAL;
		}
		if (end == END_LOCAL) {
			undecided_since = mono_ms();
			struct sn_err le;
			sn_clear(&le);
			if (localboot_run(&a->cfg, &le) != SN_OK)
				say_error("local", &le);
			/* A network that failed may come back (a switch
			 * rebooting with the rack): start it over. */
			a->have_net = 0;
		}
		backoff_sleep(&a->cfg, ++failures);
	}
}

static void print_help(void)
{
	size_t n;
	const struct config_param *p = config_params(&n);

	printf("snboot %s: network boot agent (runs as PID 1 inside the snboot image)\n\n"
	       "Parameters: `name = value` in /etc/snboot.conf, then\n"
	       "`snboot.<name>=<value>` on the kernel command line (later wins).\n\n",
	       SNBOOT_VERSION);
	for (size_t i = 0; i < n; i++)
		printf("  snboot.%s (%s, default %s)\n      %s\n", p[i].name, p[i].type,
		       p[i].def[0] ? p[i].def : "\"\"", p[i].summary);
	printf("\nDocumentation: docs/params/snboot.<name>.md, errors: docs/errors.md\n");
}

int main(int argc, char **argv)
{
	struct sn_err e;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		print_help();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("snboot %s\n", SNBOOT_VERSION);
		return 0;
	}
	if (getpid() != 1) {
		fprintf(stderr, "snboot: runs as PID 1 inside the snboot image; see --help\n");
		return 2;
	}

	sysinit_mounts();
	sysinit_consoles();
	logmsg("init", "snboot %s starting", SNBOOT_VERSION);
	sn_clear(&e);
	if (sysinit_clock(SNBOOT_BUILD_EPOCH, &e) != SN_OK)
		say_error("init", &e);
	sysinit_loopback();
	load_config(&agent.cfg);
	make_boot_id(agent.boot_id);
	logmsg("init", "boot id %s", agent.boot_id);
	identify(&agent);
	run_forever(&agent);
	return 0; /* not reached: PID 1 must not exit */
}
