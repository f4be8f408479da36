#include <string.h>

#include "api.h"

static int is_method(struct request *rq, const char *m)
{
	return !strcmp(rq->method, m);
}

static const char *after_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) ? NULL : path + n;
}

enum MHD_Result route_request(struct request *rq)
{
	const char *rest;

	if (!strcmp(rq->path, "/api/v1/boot"))
		return is_method(rq, MHD_HTTP_METHOD_POST) ? api_boot(rq)
			: reply_method_not_allowed(rq, "POST");
	if (!strcmp(rq->path, "/api/v1/events"))
		return is_method(rq, MHD_HTTP_METHOD_POST) ? api_events(rq)
			: reply_method_not_allowed(rq, "POST");
	if ((rest = after_prefix(rq->path, "/api/v1/machines")) && (!*rest || *rest == '/'))
		return api_admin(rq, rest);
	if ((rest = after_prefix(rq->path, "/api/v1/profiles")) && (!*rest || *rest == '/'))
		return api_profiles(rq, rest);
	if ((rest = after_prefix(rq->path, "/api/v1/pools")) && (!*rest || *rest == '/'))
		return api_pools(rq, rest);
	if (!strcmp(rq->path, "/api/v1/policies"))
		return api_policies(rq);
	if (!strcmp(rq->path, "/dashboard") || !strcmp(rq->path, "/dashboard/") ||
	    !strcmp(rq->path, "/dashboard.js"))
		return dashboard_serve(rq);
	if ((rest = after_prefix(rq->path, "/cas/")))
		return files_serve_cas(rq, rest);
	if ((rest = after_prefix(rq->path, "/files/")))
		return files_serve(rq, rest);
	return reply_text(rq, MHD_HTTP_NOT_FOUND, "no such endpoint");
}
