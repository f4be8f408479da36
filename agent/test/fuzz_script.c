/* script_run over arbitrary bytes with fake ops: chain serves the input
 * itself (nesting to the depth limit), a fixed script, or a non-script;
 * every fd handed out must be closed when script_run returns. The pure
 * helpers (expansion, URL resolution) get the same bytes as a word. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script/script.h"
#include "script/script_int.h"

#define MAX_FDS 256

struct fuzz_fake {
	const uint8_t *data;
	size_t size;
	int fds[MAX_FDS];
	int n_fds;
};

/* Every mirror named "404" fails; the first other one serves. */
static int fz_fetch(void *arg, const char *const *urls, size_t n_urls, const char *sha256,
		    int *fd, struct sn_err *e)
{
	struct fuzz_fake *f = arg;
	size_t i = 0;

	if (n_urls == 0 || n_urls > 1 + SCRIPT_MIRRORS_MAX)
		abort();
	while (i < n_urls && strstr(urls[i], "404"))
		i++;
	if (i == n_urls || f->n_fds == MAX_FDS)
		return sn_fail(e, SN_E_IO, "fake 404 %s", urls[0]);
	*fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		abort();
	f->fds[f->n_fds++] = *fd;
	return SN_OK;
}

static int fz_fetch_script(void *arg, const char *url, const char *sha256, char **buf,
			   size_t *len, struct sn_err *e)
{
	struct fuzz_fake *f = arg;
	static const char next[] = "#!ipxe\nkernel k a=${serial}\ninitrd i\nboot\n";
	static const char kernel[] = "MZ not a script";
	const char *src = kernel;
	size_t n = sizeof(kernel) - 1;

	if (strstr(url, "404"))
		return sn_fail(e, SN_E_IO, "fake 404 %s", url);
	if (strstr(url, "self")) {
		src = (const char *)f->data;
		n = f->size;
	} else if (strstr(url, "next")) {
		src = next;
		n = sizeof(next) - 1;
	}
	*buf = malloc(n + 1);
	if (!*buf)
		return sn_fail(e, SN_E_NOMEM, "fake");
	memcpy(*buf, src, n);
	*len = n;
	return SN_OK;
}

static int fz_boot(void *arg, const struct boot_image *img, struct sn_err *e)
{
	if (img->kernel_fd < 0 || img->n_initrds > BOOTIMG_MAX_INITRDS ||
	    strlen(img->cmdline) >= sizeof(img->cmdline))
		abort();
	return sn_fail(e, SN_E_IO, "fake kexec refused");
}

static int fz_digest(void *arg, const char *algo, int fd, char *hex, size_t size,
		     struct sn_err *e)
{
	snprintf(hex, size, "%s", "d41d8cd98f00b204e9800998ecf8427e");
	return SN_OK;
}

static void fz_echo(void *arg, const char *text) {}
static void fz_sleep(void *arg, unsigned ms) {}
static void fz_log(void *arg, const char *msg) {}

static const struct script_ops fz_ops = {
	.fetch = fz_fetch, .fetch_script = fz_fetch_script, .boot = fz_boot,
	.echo = fz_echo, .sleep_ms = fz_sleep, .log = fz_log, .digest = fz_digest,
};

static void fuzz_helpers(const uint8_t *data, size_t size,
			 const struct script_settings *s)
{
	char word[4097], out[SCRIPT_URL_MAX + 1];
	struct sn_err e;
	size_t n = size < sizeof(word) - 1 ? size : sizeof(word) - 1;

	memcpy(word, data, n);
	word[n] = '\0';
	script_expand(word, s, out, sizeof(out), &e);
	script_url_resolve("http://a/b/c/d;p?q", word, out, sizeof(out), &e);
	script_url_resolve(word, "../x/./y", out, sizeof(out), &e);
	char cpio[16384];
	size_t len;
	if (script_cpio_headers(word, size, cpio, sizeof(cpio), &len, &e) == SN_OK &&
	    (len % 4 || len < 112 || memcmp(cpio, "070701", 6) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fake f = { .data = data, .size = size };
	struct script_settings *s = script_settings_new();
	struct script_result res;
	struct sn_err e;
	int rc;

	if (!s)
		return 0;
	script_set(s, "serial", "SN-1");
	script_set(s, "mac", "52:54:00:12:34:56");
	script_set(s, "net0/mac", "52:54:00:12:34:56");
	script_set(s, "buildarch", "x86_64");
	script_set(s, "platform", "efi");
	script_set(s, "netmask", "255.255.255.0");
	script_set(s, "net0/ip", "10.0.0.5");
	script_set(s, "uuid", "4c4c4544-0042-3510-8052-b4c04f4b3732");
	rc = script_run((const char *)data, size, "http://boot.example/self.ipxe", s,
			&fz_ops, &f, &res, &e);
	if ((rc == SN_OK) != (res.outcome != SCRIPT_FAILED && res.outcome != SCRIPT_BOOT_FAILED))
		abort();
	if (rc != SN_OK && e.code != rc)
		abort();
	for (int i = 0; i < f.n_fds; i++)
		if (fcntl(f.fds[i], F_GETFD) != -1 || errno != EBADF)
			abort();   /* an fd leaked */
	fuzz_helpers(data, size, s);
	script_settings_free(s);
	return 0;
}
