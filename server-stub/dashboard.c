/* GET /dashboard and /dashboard.js: a page that reads the admin API with
 * the operator's token (typed in, or passed as #token=... which never
 * reaches the server) and draws machines, flags and boot-time charts.
 * The files are built into the binary (.incbin), so the server needs
 * nothing else on disk. The page itself holds no data: no token needed. */
#include <string.h>

#include "api.h"

#define EMBED(name, path)                                                   \
	__asm__(".section .rodata\n.global " #name "\n.type " #name ", @object\n" \
		".balign 16\n" #name ":\n.incbin \"" path "\"\n"                   \
		".global " #name "_end\n" #name "_end:\n.byte 0\n.previous\n")

EMBED(dashboard_html, "server-stub/dashboard/dashboard.html");
EMBED(dashboard_js, "server-stub/dashboard/dashboard.js");

extern const char dashboard_html[], dashboard_html_end[];
extern const char dashboard_js[], dashboard_js_end[];

static enum MHD_Result reply_static(struct request *rq, const char *type, const char *start,
				    const char *end)
{
	size_t len = (size_t)(end - start);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)start, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	/* Scripts only from here, no framing, no referrer (the token). */
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; script-src 'self'; connect-src 'self'; "
				"style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	return reply_queue(rq, MHD_HTTP_OK, resp, len);
}

enum MHD_Result dashboard_serve(struct request *rq)
{
	if (strcmp(rq->method, MHD_HTTP_METHOD_GET) && strcmp(rq->method, MHD_HTTP_METHOD_HEAD))
		return reply_method_not_allowed(rq, "GET, HEAD");
	if (!strcmp(rq->path, "/dashboard.js"))
		return reply_static(rq, "text/javascript; charset=utf-8", dashboard_js,
				    dashboard_js_end);
	return reply_static(rq, "text/html; charset=utf-8", dashboard_html, dashboard_html_end);
}
