#include "ipxe.h"

#include <ctype.h>
#include <string.h>

int ipxe_local_script(struct buf *out)
{
	return buf_puts(out, "#!ipxe\nsanboot --no-describe --drive 0x80\n");
}

static int is_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int url_append_path(struct buf *out, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (is_unreserved(*p) || *p == '/')
			buf_append(out, p, 1);
		else
			buf_printf(out, "%%%02X", *p);
	}
	return out->failed ? -1 : 0;
}

/* Serials come from firmware and may hold spaces or worse; on a kernel
 * command line and in a script line they must stay one word without
 * iPXE expansions, so anything unusual is percent-encoded. */
static int append_cmdline_word(struct buf *out, const char *value)
{
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (is_unreserved(*p) || strchr(":+@/,", *p))
			buf_append(out, p, 1);
		else
			buf_printf(out, "%%%02X", *p);
	}
	return out->failed ? -1 : 0;
}

static void append_fetch(struct buf *out, const char *cmd, const struct provision_plan *plan,
			 const char *name, const char *sha256)
{
	buf_printf(out, "%s --sha256=%s", cmd, sha256);
	for (int i = 0; i < plan->n_mirrors; i++) {
		buf_printf(out, " --mirror=%s", plan->mirror[i]);
		if (plan->content_urls)
			buf_printf(out, "cas/%s/", sha256);
		url_append_path(out, name);
	}
	if (plan->content_urls) /* the URL names the content: caches may keep it */
		buf_printf(out, " %s/cas/%s/", plan->base_url, sha256);
	else
		buf_printf(out, " %s/files/", plan->base_url);
	url_append_path(out, name);
}

int ipxe_provision_script(struct buf *out, const struct provision_plan *plan)
{
	buf_puts(out, "#!ipxe\n");
	append_fetch(out, "kernel", plan, plan->kernel, plan->kernel_sha256);
	if (plan->cmdline && *plan->cmdline)
		buf_printf(out, " %s", plan->cmdline);
	buf_puts(out, " snboot.serial=");
	append_cmdline_word(out, plan->serial);
	buf_puts(out, "\n");
	for (int i = 0; i < plan->n_initrds; i++) {
		append_fetch(out, "initrd", plan, plan->initrd[i], plan->initrd_sha256[i]);
		buf_puts(out, "\n");
	}
	buf_puts(out, "boot\n");
	return out->failed ? -1 : 0;
}

int host_is_safe(const char *host)
{
	size_t n = strlen(host);
	if (n == 0 || n > 255)
		return 0;
	for (const unsigned char *p = (const unsigned char *)host; *p; p++)
		if (!isalnum(*p) && !strchr(".-_:[]", *p))
			return 0;
	return 1;
}
