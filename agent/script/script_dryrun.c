/* The dry run's ops (script_dryrun.h). An "image" is a memfd holding its
 * URL, so what boot receives names what would have been downloaded; an
 * initrd wrapped into a cpio entry (initrd URL /path mode=...) arrives
 * with its real header in front, which is read back here. */
#include "script/script_dryrun.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/fdio.h"
#include "http/urlutil.h"

static void say(struct dryrun *d, const char *fmt, const char *text)
{
	if (d->console) {
		fprintf(d->console, fmt, text);
		fflush(d->console);
	}
}

static int image_fd(const char *content, int *fd, struct sn_err *e)
{
	*fd = memfd_create("dryrun", MFD_CLOEXEC);
	if (*fd < 0 || fd_write_all(*fd, content, strlen(content)) != 0 ||
	    lseek(*fd, 0, SEEK_SET) != 0) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return sn_fail(e, SN_E_IO, "dry run: memfd: %m");
	}
	return SN_OK;
}

/* The image holds its URL, then "\n" and each mirror the agent would try
 * (the trust rule per URL, as http_fetch_mirrors applies it: a refused
 * one is skipped; all refused is the first refusal). The first URL
 * allowed is the image's URL. */
static int dr_fetch(void *arg, const char *const *urls, size_t n_urls, const char *sha256,
		    int *fd, struct sn_err *e)
{
	struct dryrun *d = arg;
	char content[(1 + SCRIPT_MIRRORS_MAX) * (SCRIPT_URL_MAX + 1)], u[SCRIPT_URL_LOG];
	struct sn_err first, now;
	size_t used = 0, kept = 0;

	sn_clear(&first);
	content[0] = '\0';
	for (size_t i = 0; i < n_urls && i <= SCRIPT_MIRRORS_MAX; i++) {
		sn_clear(&now);
		if (url_artifact_allowed(urls[i], sha256 != NULL, d->any_http, &now) != SN_OK) {
			if (n_urls > 1) {
				char why[sizeof(now.ctx) + 64];
				say(d, "dry run: mirror skipped: %s\n",
				    sn_format(&now, why, sizeof(why)));
			}
			if (!first.code)
				first = now;
			continue;
		}
		used += (size_t)snprintf(content + used, sizeof(content) - used, "%s%s",
					 kept++ ? "\n" : "", urls[i]);
		say(d, "dry run: not downloading %s\n", script_url_log(urls[i], u));
	}
	if (!kept) {
		*e = first;
		return first.code;
	}
	return image_fd(content, fd, e);
}

static int dr_fetch_script(void *arg, const char *url, const char *sha256, char **buf,
			   size_t *len, struct sn_err *e)
{
	struct dryrun *d = arg;
	char u[SCRIPT_URL_LOG];
	int rc = url_artifact_allowed(url, sha256 != NULL, d->any_http, e);

	if (rc != SN_OK)
		return rc;
	if (!d->fetch_script)
		return sn_fail(e, SN_E_SCRIPT_NO_OP, "dry run without a fetcher: %s",
			       script_url_log(url, u));
	say(d, "dry run: fetching script %s\n", script_url_log(url, u));
	return d->fetch_script(d->fetch_arg, url, sha256, buf, len, e);
}

/* What an image fd holds: its URL (then mirrors after "\n"), or cpio
 * headers then those. out describes it; url and mirrors get the rest. */
static void describe_fd(int fd, char *out, size_t size, char *url, size_t url_size,
			char *mirrors, size_t mirrors_size)
{
	char buf[(1 + SCRIPT_MIRRORS_MAX) * (SCRIPT_URL_MAX + 1) + 4096];
	char *nl;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	size_t pos = 0;
	char name[1024] = "";
	unsigned mode = 0;

	if (n < 0)
		n = 0;
	buf[n] = '\0';
	/* newc headers: 110 bytes, the name, padding to 4; directories first */
	while ((size_t)n - pos >= 110 && memcmp(buf + pos, "070701", 6) == 0) {
		char field[9];
		unsigned namesize, filesize;
		memcpy(field, buf + pos + 14, 8);
		field[8] = '\0';
		mode = (unsigned)strtoul(field, NULL, 16);
		memcpy(field, buf + pos + 94, 8);
		namesize = (unsigned)strtoul(field, NULL, 16);
		memcpy(field, buf + pos + 54, 8);
		filesize = (unsigned)strtoul(field, NULL, 16);
		if (namesize == 0 || pos + 110 + namesize > (size_t)n)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)namesize - 1, buf + pos + 110);
		pos += (110 + namesize + 3) & ~(size_t)3;
		if (filesize) {
			buf[pos + filesize < (size_t)n ? pos + filesize : (size_t)n] = '\0';
			break;
		}
	}
	nl = strchr(buf + pos, '\n');
	snprintf(mirrors, mirrors_size, "%s", nl ? nl + 1 : "");
	if (nl)
		*nl = '\0';
	snprintf(url, url_size, "%s", buf + pos);
	if (name[0])
		snprintf(out, size, "%.2048s %.255s mode=%04o", buf + pos, name, mode & 07777);
	else
		snprintf(out, size, "%.2048s", buf);
}

static int dr_boot(void *arg, const struct boot_image *img, struct sn_err *e)
{
	struct dryrun *d = arg;
	char u[SCRIPT_URL_LOG];

	describe_fd(img->kernel_fd, d->kernel, sizeof(d->kernel), d->urls[0],
		    sizeof(d->urls[0]), d->mirrors[0], sizeof(d->mirrors[0]));
	d->n_initrds = img->n_initrds;
	for (int i = 0; i < img->n_initrds; i++)
		describe_fd(img->initrd_fds[i], d->initrds[i], sizeof(d->initrds[i]),
			    d->urls[1 + i], sizeof(d->urls[1 + i]), d->mirrors[1 + i],
			    sizeof(d->mirrors[1 + i]));
	snprintf(d->cmdline, sizeof(d->cmdline), "%s", img->cmdline);
	say(d, "dry run: would kexec %s\n", script_url_log(d->urls[0], u));
	return SN_OK;
}

static void dr_echo(void *arg, const char *text)
{
	say(arg, "%s", text);
}

static void dr_sleep(void *arg, unsigned ms)
{
	struct dryrun *d = arg;
	if (d->console)
		fprintf(d->console, "dry run: not sleeping %u ms\n", ms);
}

static void dr_log(void *arg, const char *msg)
{
	say(arg, "script: %s\n", msg);
}

static int dr_digest(void *arg, const char *algo, int fd, char *hex, size_t size,
		     struct sn_err *e)
{
	snprintf(hex, size, "not-downloaded");
	return SN_OK;
}

/* The URL stands for the bytes: the extracted image is the same URL. */
static int dr_extract(void *arg, int fd, int *fd_out, struct sn_err *e)
{
	char url[SCRIPT_URL_MAX + 1];
	ssize_t n = pread(fd, url, sizeof(url) - 1, 0);

	url[n > 0 ? n : 0] = '\0';
	return image_fd(url, fd_out, e);
}

static int dr_ntp(void *arg, const char *server, struct sn_err *e)
{
	say(arg, "dry run: not setting the clock from %s\n", server);
	return SN_OK;
}

static int dr_vcreate(void *arg, const char *trunk, unsigned tag, unsigned prio,
		      struct sn_err *e)
{
	say(arg, "dry run: not creating a VLAN on %s\n", trunk);
	return SN_OK;
}

static int dr_dhcp(void *arg, const char *ifname, unsigned timeout_ms,
		   struct script_settings *s, struct sn_err *e)
{
	say(arg, "dry run: no DHCP on %s\n", ifname);
	return SN_OK;
}

static const struct script_ops dryrun_ops = {
	.fetch = dr_fetch, .fetch_script = dr_fetch_script, .boot = dr_boot,
	.echo = dr_echo, .sleep_ms = dr_sleep, .log = dr_log, .digest = dr_digest,
	.extract = dr_extract, .ntp = dr_ntp, .vcreate = dr_vcreate, .dhcp = dr_dhcp,
};

const char *dryrun_decision(enum script_outcome o)
{
	switch (o) {
	case SCRIPT_BOOTED: return "boot";
	case SCRIPT_LOCAL_BOOT: case SCRIPT_EXIT: case SCRIPT_ENDED: return "local";
	case SCRIPT_REBOOT: return "reboot";
	case SCRIPT_POWEROFF: return "poweroff";
	case SCRIPT_BOOT_FAILED: case SCRIPT_FAILED: break;
	}
	return "error";
}

int dryrun_run(struct dryrun *d, const char *text, size_t len, const char *base_url,
	       struct script_settings *settings)
{
	struct sn_err e;
	int rc;

	sn_clear(&e);
	d->kernel[0] = d->cmdline[0] = d->error[0] = '\0';
	d->n_initrds = 0;
	for (size_t i = 0; i < 1 + BOOTIMG_MAX_INITRDS; i++)
		d->urls[i][0] = d->mirrors[i][0] = '\0';
	rc = script_run(text, len, base_url, settings, &dryrun_ops, d, &d->res, &e);
	d->decision = dryrun_decision(d->res.outcome);
	if (rc != SN_OK) {
		char msg[sizeof(e.ctx) + 128];
		snprintf(d->error, sizeof(d->error), "%s", sn_format(&e, msg, sizeof(msg)));
	}
	if (strcmp(d->decision, "boot") != 0) {
		d->kernel[0] = d->cmdline[0] = '\0';
		d->n_initrds = 0;
	}
	return rc;
}

/* "url": ["mirror", ...] when url has mirrors */
static void add_mirrors(cJSON *m, const char *url, const char *list)
{
	cJSON *a;

	if (!*list || cJSON_GetObjectItemCaseSensitive(m, url) ||
	    !(a = cJSON_AddArrayToObject(m, url)))
		return;
	while (*list) {
		size_t n = strcspn(list, "\n");
		char one[SCRIPT_URL_MAX + 1];
		snprintf(one, sizeof(one), "%.*s", (int)n, list);
		cJSON_AddItemToArray(a, cJSON_CreateString(one));
		list += n + (list[n] == '\n');
	}
}

char *dryrun_json(const struct dryrun *d)
{
	cJSON *o = cJSON_CreateObject(), *a, *m;
	int boot = strcmp(d->decision, "boot") == 0;
	char *text = NULL;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "decision", d->decision);
	if (boot) {
		cJSON_AddStringToObject(o, "kernel", d->kernel);
		cJSON_AddStringToObject(o, "cmdline", d->cmdline);
	} else {
		cJSON_AddNullToObject(o, "kernel");
		cJSON_AddNullToObject(o, "cmdline");
	}
	if ((a = cJSON_AddArrayToObject(o, "initrds")))
		for (int i = 0; i < d->n_initrds; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(d->initrds[i]));
	if (d->error[0])
		cJSON_AddStringToObject(o, "error", d->error);
	else
		cJSON_AddNullToObject(o, "error");
	cJSON_AddStringToObject(o, "reason", d->res.reason);
	if ((m = cJSON_AddObjectToObject(o, "mirrors")) && boot)
		for (int i = 0; i <= d->n_initrds; i++)
			add_mirrors(m, d->urls[i], d->mirrors[i]);
	cJSON_AddNumberToObject(o, "line", d->res.line);
	if (d->res.outcome == SCRIPT_EXIT)
		cJSON_AddNumberToObject(o, "exit_status", d->res.exit_status);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}
