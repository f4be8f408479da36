/* The network boot source: the backend's iPXE script, with the agent's
 * window on the world (downloads, kexec, console) as the interpreter's ops. */
#include "boot/source.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
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
#include "script/script_extract.h"
#include "script/script_settings.h"
#include "script/script_sntp.h"
#include "net/netdhcp.h"
#include "net/netif.h"
#include "net/vlan.h"

/* The label names the memfd and log lines: the URL's last part, no
 * query (tokens). */
static const char *fetch_label(const char *url, char clean[LEASE_URL_MAX])
{
	const char *label;

	url_for_log(url, clean, LEASE_URL_MAX);
	clean[strcspn(clean, "?#")] = '\0';
	label = strrchr(clean, '/');
	return label && label[1] ? label + 1 : clean;
}

/* ---- parallel downloads: a thread per prefetch, one per spare CPU
 *
 * The thread runs http_fetch_mirrors exactly as op_fetch would (the same
 * URLs, pin and trust rule) on its own curl handle; only the agent's
 * thread starts, takes and drops them, and reports nothing itself.
 *
 * What only concurrency could cause is never a line's result: a prefetch
 * refused for memory (the budget held by the others) or given up is
 * downloaded again at its line, and a line's own download refused for
 * memory while prefetches hold some gives them all up and tries again,
 * as if the lines had run one after the other. */
struct prefetch {
	pthread_t thread;
	int joined;
	atomic_int cancel;
	char *urls[1 + SCRIPT_MIRRORS_MAX];
	size_t n_urls;
	char sha256[65];           /* "" none */
	char clean[LEASE_URL_MAX];
	const char *label;
	int rc, fd;
	struct sn_err e;
};

#define PREFETCH_LIVE_MAX 16       /* the interpreter's SCRIPT_PREFETCH_MAX */
static struct prefetch *live[PREFETCH_LIVE_MAX];   /* started, not yet taken or dropped */
static size_t n_live;
static unsigned prefetches_running;   /* their threads not yet joined */

static void prefetch_join(struct prefetch *p)
{
	if (p->joined)
		return;
	pthread_join(p->thread, NULL);
	p->joined = 1;
	prefetches_running--;
}

/* The line's own download must not lose to the lines after it: every
 * prefetch stops and lets its memory go (its line downloads it itself). */
static size_t prefetch_yield_all(void)
{
	size_t n = 0;

	for (size_t i = 0; i < n_live; i++)
		atomic_store(&live[i]->cancel, 1);
	for (size_t i = 0; i < n_live; i++) {
		struct prefetch *p = live[i];
		prefetch_join(p);
		if (p->rc == SN_E_HTTP_CANCELLED)
			continue;
		if (p->fd >= 0)
			close(p->fd);
		p->fd = -1;
		p->rc = SN_E_HTTP_CANCELLED;
		n++;
	}
	return n;
}

/* urls[0] is the line's URL, then its --mirror= URLs. */
static int op_fetch(void *arg, const char *const *urls, size_t n_urls, const char *sha256,
		    int *fd, struct sn_err *e)
{
	struct agent *a = arg;
	uint64_t t0 = mono_ms();
	size_t size = 0;
	char clean[LEASE_URL_MAX];
	const char *label = fetch_label(urls[0], clean);
	int rc;

	rc = http_fetch_mirrors(urls, n_urls, sha256, label, fd, &size, e);
	if (rc == SN_E_HTTP_NO_ROOM && n_live && prefetch_yield_all()) {
		logmsg("download", "%s: no room beside the parallel downloads: they are given up, "
		       "trying again alone", label);
		sn_clear(e);
		rc = http_fetch_mirrors(urls, n_urls, sha256, label, fd, &size, e);
	}
	a->download_ms += mono_ms() - t0;
	return rc;
}

static void *prefetch_main(void *arg)
{
	struct prefetch *p = arg;
	size_t size = 0;

	p->rc = http_thread_attach(&p->cancel, &p->e);
	if (p->rc == SN_OK) {
		p->rc = http_fetch_mirrors((const char *const *)p->urls, p->n_urls,
					   p->sha256[0] ? p->sha256 : NULL, p->label, &p->fd,
					   &size, &p->e);
		http_thread_detach();
	}
	return NULL;
}

static void prefetch_unlist(struct prefetch *p)
{
	for (size_t i = 0; i < n_live; i++)
		if (live[i] == p) {
			live[i] = live[--n_live];
			break;
		}
}

static void prefetch_forget(struct prefetch *p)
{
	prefetch_unlist(p);
	for (size_t i = 0; i < p->n_urls; i++)
		free(p->urls[i]);
	free(p);
}

static void *op_prefetch_start(void *arg, const char *const *urls, size_t n_urls,
			       const char *sha256, const char *beside_url)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char beside[LEASE_URL_MAX];
	struct prefetch *p;
	pthread_attr_t attr;
	int ok;

	if (cpus < 2 || prefetches_running >= (unsigned long)cpus - 1 ||
	    n_live == PREFETCH_LIVE_MAX || n_urls > 1 + SCRIPT_MIRRORS_MAX ||
	    (sha256 && strlen(sha256) >= sizeof(p->sha256)) || !(p = calloc(1, sizeof(*p))))
		return NULL;
	p->fd = -1;
	live[n_live++] = p;
	for (; p->n_urls < n_urls; p->n_urls++)
		if (!(p->urls[p->n_urls] = strdup(urls[p->n_urls]))) {
			prefetch_forget(p);
			return NULL;
		}
	snprintf(p->sha256, sizeof(p->sha256), "%s", sha256 ? sha256 : "");
	p->label = fetch_label(urls[0], p->clean);
	atomic_init(&p->cancel, 0);
	sn_clear(&p->e);
	/* curl and the TLS handshake want more than musl's 128 KiB default */
	ok = pthread_attr_init(&attr) == 0;
	ok = ok && pthread_attr_setstacksize(&attr, 1024 * 1024) == 0 &&
	     pthread_create(&p->thread, &attr, prefetch_main, p) == 0;
	pthread_attr_destroy(&attr);
	if (!ok) {
		prefetch_forget(p);
		return NULL;
	}
	prefetches_running++;
	logmsg("download", "%s in parallel with %s (%u at once, %ld CPUs)", p->label,
	       fetch_label(beside_url, beside), prefetches_running + 1, cpus);
	return p;
}

static int op_prefetch_take(void *arg, void *handle, int *fd, struct sn_err *e)
{
	struct agent *a = arg;
	struct prefetch *p = handle;
	uint64_t t0 = mono_ms();
	int rc;

	prefetch_join(p);
	a->download_ms += mono_ms() - t0;
	if (p->rc == SN_E_HTTP_NO_ROOM || p->rc == SN_E_HTTP_CANCELLED) {
		/* memory taken by the others, or given up: not this line's fault */
		logmsg("download", "%s: the parallel download %s; downloading it at its line",
		       p->label, p->rc == SN_E_HTTP_NO_ROOM ? "found no room" : "was given up");
		prefetch_unlist(p);   /* not one of the others op_fetch may give up */
		rc = op_fetch(arg, (const char *const *)p->urls, p->n_urls,
			      p->sha256[0] ? p->sha256 : NULL, fd, e);
		prefetch_forget(p);
		return rc;
	}
	rc = p->rc;
	*fd = p->fd;
	if (rc != SN_OK)
		*e = p->e;
	logmsg("download", "%s: taken from the parallel download (waited %llu ms)", p->label,
	       (unsigned long long)(mono_ms() - t0));
	prefetch_forget(p);
	return rc;
}

static void op_prefetch_drop(void *arg, void *handle)
{
	struct prefetch *p = handle;

	atomic_store(&p->cancel, 1);
	prefetch_join(p);
	if (p->fd >= 0)
		close(p->fd);
	logmsg("download", "%s: parallel download dropped (no line took it)", p->label);
	prefetch_forget(p);
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
	net_script_vlan_note(name);   /* deleted before kexec, as the race's */
	logmsg("script", "vcreate: %s-%u is %s (VLAN %u on %s), up", trunk, tag, name, tag,
	       a->net.nics[i].name);
	return SN_OK;
}

/* dhcp net<N>-<tag> after vcreate: DHCPv4 on that VLAN interface (iPXE's
 * dhcp is v4), its lease applied there and in the settings. */
static int op_dhcp(void *arg, const char *ifname, unsigned timeout_ms,
		   struct script_settings *s, struct sn_err *e)
{
	struct agent *a = arg;
	const char *dash = strrchr(ifname, '-');
	char trunk[16], *end;
	unsigned long tag = dash ? strtoul(dash + 1, &end, 10) : 0;
	struct lease l;
	struct nic v;
	int i, rc;

	if (!dash || (size_t)(dash - ifname) >= sizeof(trunk) || !tag || tag > VLAN_ID_MAX || *end)
		return sn_fail(e, SN_E_SCRIPT_NO_NIC, "not a vcreate interface <trunk>-<tag>");
	memcpy(trunk, ifname, (size_t)(dash - ifname));
	trunk[dash - ifname] = '\0';
	if ((i = script_nic_index(trunk, a->net.n_nics, a->net.winner)) < 0)
		return sn_fail(e, SN_E_SCRIPT_NO_NIC, "%s is not one of the agent's %d NICs",
			       trunk, a->net.n_nics);
	v = a->net.nics[i];
	vlan_ifname(a->net.nics[i].name, a->net.nics[i].ifindex, (unsigned)tag, v.name,
		    sizeof(v.name));
	if (!(v.ifindex = (int)if_nametoindex(v.name)))
		return sn_fail(e, SN_E_SCRIPT_NO_NIC, "%s does not exist (vcreate --tag %lu %s "
			       "first)", v.name, tag, trunk);
	v.vlan = (unsigned)tag;
	v.parent = i;
	v.carrier = -1;
	if ((rc = net_dhcp_iface(&a->cfg, &a->id, &v, timeout_ms,
				 net_lease_default4(&a->net.lease), &l, e)) != SN_OK)
		return rc;
	if ((rc = script_settings_iface_lease(s, ifname, &l)) != SN_OK)
		return sn_fail(e, rc, "the settings of %s", ifname);
	return SN_OK;
}

static const struct script_ops agent_script_ops = {
	.fetch = op_fetch,
	.fetch_script = op_fetch_script,
	.digest = script_digest_fd,   /* md5sum, sha1sum, sha256sum */
	.ntp = op_ntp,
	.extract = script_extract_fd, /* imgextract: gzip, zlib */
	.vcreate = op_vcreate,
	.dhcp = op_dhcp,              /* DHCPv4 on a vcreate interface */
	.boot = op_boot,
	.echo = op_echo,
	.sleep_ms = op_sleep,
	.log = op_log,
	.prefetch_start = op_prefetch_start,
	.prefetch_take = op_prefetch_take,
	.prefetch_drop = op_prefetch_drop,
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
