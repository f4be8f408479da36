/* The iPXE scripts the backend answers with. Pure text building. */
#ifndef SERVER_STUB_IPXE_H
#define SERVER_STUB_IPXE_H

#include "buf.h"

#define SHA256_HEX_LEN 65 /* 64 hex digits + NUL */

#define MAX_INITRDS 8
#define MAX_PLAN_MIRRORS 8

struct provision_plan {
	const char *base_url;      /* "https://host:port", no trailing slash */
	int content_urls;          /* /cas/<sha256>/NAME instead of /files/NAME */
	const char *kernel;        /* names relative to the files directory */
	const char *kernel_sha256;
	const char *initrd[MAX_INITRDS];
	const char *initrd_sha256[MAX_INITRDS];
	int n_initrds;
	const char *cmdline;       /* expanded, may be empty */
	const char *serial;
	/* Mirror base URLs (validated, ending in '/'): each line gets
	 * --mirror=BASE + NAME, or BASE + cas/SHA256/NAME with content_urls,
	 * in this order. */
	const char *mirror[MAX_PLAN_MIRRORS];
	int n_mirrors;
};

/* "#!ipxe\nsanboot --no-describe --drive 0x80\n" */
int ipxe_local_script(struct buf *out);
/* kernel --sha256=.. [--mirror=M]... URL CMDLINE snboot.serial=S /
 * initrd --sha256=.. [--mirror=M]... URL (one line per initrd) / boot */
int ipxe_provision_script(struct buf *out, const struct provision_plan *plan);

/* Percent-encode everything but RFC 3986 unreserved characters and '/'. */
int url_append_path(struct buf *out, const char *path);
/* A Host header we may paste into a URL: host names, IPv4, [IPv6], :port. */
int host_is_safe(const char *host);

#endif
