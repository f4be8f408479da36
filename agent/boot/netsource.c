/* The network boot source: the backend's iPXE script, with the agent's
 * window on the world (downloads, kexec, console) as the interpreter's ops. */
#include "boot/source.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/boot.h"
#include "core/log.h"
#include "core/report.h"
#include "http/http.h"
#include "http/urlutil.h"
#include "script/script.h"
#include "script/script_digest.h"
#include "script/script_settings.h"
#include "script/script_sntp.h"
#include "net/netif.h"
#include "net/vlan.h"

/* urls[0] is the line's URL, then its --mirror= URLs. */
static int op_fetch(void *arg, const char *const *urls, size_t n_urls, const char *sha256,
		    int *fd, struct sn_err *e)
{
	const char *url = urls[0];
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
	rc = http_fetch_mirrors(urls, n_urls, sha256, label && label[1] ? label + 1 : clean,
				fd, &size, e);

	a->download_ms += mono_ms() - t0;
	return rc;
}

static int op_fetch_script(void *arg, const char *url, const char *sha256, char **buf,
			   size_t *len, struct sn_err *e)
{
	return http_get_pinned(url, sha256, buf, len, e);
}

static int op_boot(void *arg, const struct boot_image *img, struct sn_err *e)
{
	struct agent *a = arg;
	int rc;

	log_stage_done("download", a->download_ms);
	report_event(a, "download", "ok", a->download_ms, NULL);
	rc = boot_load(a, img, e);
	if (rc != SN_OK)
		return rc;
	return boot_reboot(a, img, e);
}

static void op_echo(void *arg, const char *text)
{
	logmsg("script", "%s", text);
}

static void op_sleep(void *arg, unsigned ms)
{
	mono_sleep_ms(ms);
}

static void op_log(void *arg, const char *msg)
{
	logmsg("script", "%s", msg);
}

static int op_ntp(void *arg, const char *server, struct sn_err *e)
{
	int64_t t = 0;
	int rc = script_ntp_set_clock(server, &t, e);

	if (rc == SN_OK)
		logmsg("script", "ntp %.60s: clock set to %lld (Unix time)", server, (long long)t);
	return rc;
}

/* vcreate --tag N net<N>: the tagged interface on that NIC, up; no
 * egress priority map (E0862 for --priority other than 0). */
static int op_vcreate(void *arg, const char *trunk, unsigned tag, unsigned prio,
		      struct sn_err *e)
{
	struct agent *a = arg;
	int i = script_nic_index(trunk, a->net.n_nics, a->net.winner), rc;
	char name[32];

	if (prio)
		return sn_fail(e, SN_E_SCRIPT_VLAN, "--priority %u: snboot sets no egress "
			       "priority (0 only)", prio);
	if (i < 0)
		return sn_fail(e, SN_E_SCRIPT_VLAN, "%.40s is not one of the agent's %d NICs",
			       trunk, a->net.n_nics);
	if ((rc = net_vlan_create(a->net.nics[i].name, tag, name, sizeof(name), e)) != SN_OK ||
	    (rc = netif_set_up(name, 1, e)) != SN_OK)
		return rc;
	logmsg("script", "vcreate: %s-%u is %s (VLAN %u on %s), up", trunk, tag, name, tag,
	       a->net.nics[i].name);
	return SN_OK;
}

static const struct script_ops agent_script_ops = {
	.fetch = op_fetch,
	.fetch_script = op_fetch_script,
	.digest = script_digest_fd,   /* md5sum, sha1sum, sha256sum */
	.ntp = op_ntp,
	.vcreate = op_vcreate,        /* no .dhcp, .extract: E0859, E0853 */
	.boot = op_boot,
	.echo = op_echo,
	.sleep_ms = op_sleep,
	.log = op_log,
};

/* SMBIOS facts here; the lease and NIC settings under iPXE's names
 * (netmask, gateway, dns, net<N>/chip, ...) from script_settings.c. */
static void fill_settings(struct agent *a, struct script_settings *s)
{
	struct stat st;

	script_set(s, "serial", a->id.serial);
	script_set(s, "uuid", a->id.uuid);
	script_set(s, "manufacturer", a->id.manufacturer);
	script_set(s, "product", a->id.product);
	script_set(s, "asset", a->id.asset_tag);
	script_set(s, "board-serial", a->id.board_serial);
	script_set(s, "platform", stat("/sys/firmware/efi", &st) == 0 ? "efi" : "pcbios");
	script_settings_from_lease(s, &a->net.lease, a->net.nics, a->net.n_nics, a->net.winner);
	script_settings_busids(s, a->net.nics, a->net.n_nics, "/sys");
}

void netsource_run(struct agent *a, const char *script, size_t len,
		   struct source_result *r)
{
	struct script_settings *settings = script_settings_new();
	struct script_result res;
	struct sn_err e;
	char buf[512];
	int rc;

	memset(r, 0, sizeof(*r));
	r->drive = 0x80;
	sn_clear(&e);
	memset(&res, 0, sizeof(res));
	if (!settings) {
		logmsg("script", "E%04d out of memory", SN_E_NOMEM);
		r->end = SOURCE_RETRY;
		return;
	}
	fill_settings(a, settings);
	a->download_ms = 0;
	rc = script_run(script, len, a->boot_url, settings, &agent_script_ops, a, &res, &e);
	script_settings_free(settings);
	if (rc != SN_OK)
		logmsg("script", "%s", sn_format(&e, buf, sizeof(buf)));
	snprintf(r->reason, sizeof(r->reason), "%s", res.reason);
	switch (res.outcome) {
	case SCRIPT_LOCAL_BOOT:
	case SCRIPT_EXIT:
		logmsg("local", "backend chose the local disk (%s)", res.reason);
		r->end = SOURCE_LOCAL;
		r->drive = res.san_drive ? res.san_drive : 0x80;
		return;
	case SCRIPT_REBOOT:
		logmsg("script", "reboot requested by the script");
		sync();
		reboot(RB_AUTOBOOT);
		r->end = SOURCE_RETRY;
		return;
	case SCRIPT_POWEROFF:
		logmsg("script", "power-off requested by the script");
		sync();
		reboot(RB_POWER_OFF);
		r->end = SOURCE_RETRY;
		return;
	default:
		logmsg("script", "script did not boot anything (%s)",
		       res.reason[0] ? res.reason : "no reason");
		report_event(a, "script", "failed", 0, res.reason);
		r->end = SOURCE_FAILED;
		return;
	}
}
