/* Parallel downloads must not change what a script does: each input runs
 * once without the prefetch hooks and once with them (1 to 3 slots, from
 * the input), and the two runs must agree on everything the script shows
 * (outcome, status, deciding line, log, boots, the image set booted).
 * With the hooks, every prefetch is taken or dropped exactly once, none
 * is left running at a boot or at the end, and a taken prefetch is one
 * whose line asked for exactly its URLs and pin. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script/script.h"
#include "script/script_int.h"

#define MAX_PF 64
#define LOG_MAX 16384

struct pf {
	char key[2048];
	int state;                /* 1 running, 2 taken, 3 dropped */
};

struct run {
	const uint8_t *data;
	size_t size;
	unsigned slots, running;
	struct pf pf[MAX_PF];
	int n_pf;
	int fds[256];
	int n_fds;
	char log[LOG_MAX];        /* script_log lines and boots */
};

static void note(struct run *r, const char *text)
{
	size_t l = strlen(r->log);

	snprintf(r->log + l, sizeof(r->log) - l, "%s\n", text);
}

static void key_of(const char *const *urls, size_t n, const char *sha, char *out,
		   size_t size)
{
	size_t l = (size_t)snprintf(out, size, "%s", sha ? sha : "-");

	for (size_t i = 0; i < n && l < size; i++)
		l += (size_t)snprintf(out + l, size - l, " %s", urls[i]);
}

/* The same answer for the same URLs, whoever asks: "404" in every URL
 * fails, "bad" in the first fails as a mismatch would. */
static int download(struct run *r, const char *const *urls, size_t n, int *fd,
		    struct sn_err *e)
{
	size_t i = 0;

	if (n == 0 || n > 1 + SCRIPT_MIRRORS_MAX)
		abort();
	if (strstr(urls[0], "bad"))
		return sn_fail(e, SN_E_IO, "fake mismatch %s", urls[0]);
	while (i < n && strstr(urls[i], "404"))
		i++;
	if (i == n || r->n_fds == 256)
		return sn_fail(e, SN_E_IO, "fake 404 %s", urls[0]);
	*fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		abort();
	r->fds[r->n_fds++] = *fd;
	return SN_OK;
}

static int fz_fetch(void *arg, const char *const *urls, size_t n, const char *sha, int *fd,
		    struct sn_err *e)
{
	return download(arg, urls, n, fd, e);
}

static int fz_fetch_script(void *arg, const char *url, const char *sha256, char **buf,
			   size_t *len, struct sn_err *e)
{
	struct run *r = arg;
	static const char next[] = "#!ipxe\nkernel k\ninitrd i\ninitrd j\nboot\n";
	const char *src = "MZ not a script";
	size_t n = 15;

	if (strstr(url, "404"))
		return sn_fail(e, SN_E_IO, "fake 404 %s", url);
	if (strstr(url, "self")) {
		src = (const char *)r->data;
		n = r->size;
	} else if (strstr(url, "next")) {
		src = next;
		n = sizeof(next) - 1;
	}
	if (!(*buf = malloc(n + 1)))
		return sn_fail(e, SN_E_NOMEM, "fake");
	memcpy(*buf, src, n);
	(*buf)[n] = '\0';
	*len = n;
	return SN_OK;
}

static int fz_boot(void *arg, const struct boot_image *img, struct sn_err *e)
{
	struct run *r = arg;
	char line[2300];

	if (r->running)
		abort();   /* nothing may still download when a kernel boots */
	snprintf(line, sizeof(line), "BOOT %s initrds=%d %s", img->label, img->n_initrds,
		 img->cmdline);
	note(r, line);
	if (strstr(img->cmdline, "fail"))
		return sn_fail(e, SN_E_IO, "fake kexec failure");
	return SN_OK;
}

static void fz_echo(void *arg, const char *text)
{
	note(arg, text);
}

static void fz_sleep(void *arg, unsigned ms)
{
}

static void fz_log(void *arg, const char *msg)
{
	note(arg, msg);
}

static void *fz_start(void *arg, const char *const *urls, size_t n, const char *sha,
		      const char *beside)
{
	struct run *r = arg;
	struct pf *p;

	if (r->running >= r->slots || r->n_pf == MAX_PF)
		return NULL;
	p = &r->pf[r->n_pf++];
	key_of(urls, n, sha, p->key, sizeof(p->key));
	p->state = 1;
	r->running++;
	return p;
}

static int fz_take(void *arg, void *h, int *fd, struct sn_err *e)
{
	struct run *r = arg;
	struct pf *p = h;

	if (p->state != 1)
		abort();
	p->state = 2;
	r->running--;
	/* the bytes a prefetch got are those of its own URLs */
	{
		char *copy = strdup(p->key), *urls[1 + SCRIPT_MIRRORS_MAX], *save = NULL;
		const char *sha;
		size_t n = 0;
		int rc;

		if (!copy)
			abort();
		sha = strtok_r(copy, " ", &save);
		for (char *u; n < 1 + SCRIPT_MIRRORS_MAX && (u = strtok_r(NULL, " ", &save));)
			urls[n++] = u;
		(void)sha;
		rc = download(r, (const char *const *)urls, n, fd, e);
		free(copy);
		return rc;
	}
}

static void fz_drop(void *arg, void *h)
{
	struct run *r = arg;
	struct pf *p = h;

	if (p->state != 1)
		abort();
	p->state = 3;
	r->running--;
}

static const struct script_ops plain_ops = {
	.fetch = fz_fetch, .fetch_script = fz_fetch_script, .boot = fz_boot,
	.echo = fz_echo, .sleep_ms = fz_sleep, .log = fz_log,
};

static const struct script_ops pf_ops = {
	.fetch = fz_fetch, .fetch_script = fz_fetch_script, .boot = fz_boot,
	.echo = fz_echo, .sleep_ms = fz_sleep, .log = fz_log,
	.prefetch_start = fz_start, .prefetch_take = fz_take, .prefetch_drop = fz_drop,
};

static int run_once(struct run *r, const struct script_ops *ops, struct script_result *res,
		    struct sn_err *e)
{
	struct script_settings *s = script_settings_new();
	int rc;

	if (!s)
		abort();
	script_set(s, "serial", "SN-1");
	script_set(s, "base", "http://files.example/b");
	rc = script_run((const char *)r->data, r->size, "http://boot.example/self.ipxe", s, ops,
			r, res, e);
	script_settings_free(s);
	/* every fd handed to the interpreter was closed by it */
	for (int i = 0; i < r->n_fds; i++)
		if (fcntl(r->fds[i], F_GETFD) != -1)
			abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run a, b;
	struct script_result ra, rb;
	struct sn_err ea, eb;
	int rca, rcb;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.data = b.data = data;
	a.size = b.size = size;
	b.slots = 1 + (size ? data[size - 1] % 3 : 0);
	rca = run_once(&a, &plain_ops, &ra, &ea);
	rcb = run_once(&b, &pf_ops, &rb, &eb);
	if (rca != rcb || ra.outcome != rb.outcome || ra.line != rb.line ||
	    ra.boot_attempts != rb.boot_attempts || strcmp(ra.reason, rb.reason) != 0 ||
	    strcmp(a.log, b.log) != 0)
		abort();
	if (rca != SN_OK && strcmp(ea.ctx, eb.ctx) != 0)
		abort();
	if (b.running)
		abort();
	for (int i = 0; i < b.n_pf; i++)
		if (b.pf[i].state != 2 && b.pf[i].state != 3)
			abort();
	return 0;
}
