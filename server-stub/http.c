#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"
#include "log.h"

static uint64_t ms_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ms = (int64_t)(now.tv_sec - start->tv_sec) * 1000 +
		     (now.tv_nsec - start->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (uint64_t)ms;
}

static struct request *request_new(struct server *srv, struct MHD_Connection *conn,
				   const char *url, const char *method)
{
	struct request *rq = calloc(1, sizeof(*rq));
	if (!rq)
		return NULL;
	rq->path = strdup(url);
	if (!rq->path) {
		free(rq);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	rq->srv = srv;
	rq->conn = conn;
	rq->method = method;
	buf_init(&rq->body);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr)
		sockaddr_text(ci->client_addr, 0, rq->client, sizeof(rq->client));
	else
		snprintf(rq->client, sizeof(rq->client), "-");
	return rq;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct request *rq = *con_cls;

	if (!rq) {
		rq = request_new(cls, conn, url, method);
		*con_cls = rq;
		return rq ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size) {
		/* Keep reading an oversized body (and drop it) so the answer
		 * goes out on a connection that is still in sync. */
		if (rq->body.len + *upload_data_size > MAX_BODY)
			rq->body_too_large = 1;
		else if (buf_append(&rq->body, upload_data, *upload_data_size) < 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->status) /* already answered; MHD should not call again */
		return MHD_YES;
	if (rq->body_too_large)
		return reply_text(rq, MHD_HTTP_CONTENT_TOO_LARGE, "request body over %d bytes",
				  MAX_BODY);
	return route_request(rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;
	if (!rq)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		request_note(rq, "aborted=%d", (int)toe);
	struct access_record rec = {
		.client = rq->client,
		.method = rq->method,
		.path = rq->path,
		.status = rq->status,
		.bytes = strcmp(rq->method, MHD_HTTP_METHOD_HEAD) ? rq->bytes : 0,
		.ms = ms_since(&rq->start),
		.serial = rq->serial,
		.note = rq->note,
	};
	log_access(&rec);
	buf_free(&rq->body);
	free(rq->path);
	free(rq);
	*con_cls = NULL;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char text[512];
	vsnprintf(text, sizeof(text), fmt, ap);
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	log_msg("http: %s", text);
}

struct MHD_Daemon *http_start(struct server *srv, int listen_fd, int ipv6,
			      const char *cert_pem, const char *key_pem)
{
	unsigned flags = MHD_USE_TLS | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
				MHD_OPTION_LISTEN_SOCKET, listen_fd,
				MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
				MHD_OPTION_HTTPS_MEM_KEY, key_pem,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				MHD_OPTION_CONNECTION_TIMEOUT, 60u,
				MHD_OPTION_CONNECTION_LIMIT, 512u,
				MHD_OPTION_END);
}

const char *request_header(struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *request_query(struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

void request_set_serial(struct request *rq, const char *serial)
{
	snprintf(rq->serial, sizeof(rq->serial), "%s", serial ? serial : "");
}

void request_note(struct request *rq, const char *fmt, ...)
{
	size_t used = strlen(rq->note);
	if (used + 2 >= sizeof(rq->note))
		return;
	if (used)
		rq->note[used++] = ' ';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rq->note + used, sizeof(rq->note) - used, fmt, ap);
	va_end(ap);
}

enum MHD_Result reply_queue(struct request *rq, unsigned status, struct MHD_Response *resp,
			    uint64_t bytes)
{
	if (!resp)
		return MHD_NO;
	rq->status = status;
	rq->bytes = bytes;
	enum MHD_Result rc = MHD_queue_response(rq->conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

enum MHD_Result reply_body(struct request *rq, unsigned status, const char *type,
			   const char *body, size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return reply_queue(rq, status, resp, len);
}

enum MHD_Result reply_text(struct request *rq, unsigned status, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	size_t len = (size_t)n < sizeof(text) - 2 ? (size_t)n : sizeof(text) - 2;
	text[len++] = '\n';
	text[len] = '\0';
	if (status >= 400) {
		/* The reason goes to the log too, so an operator sees why. */
		text[len - 1] = '\0';
		request_note(rq, "error=\"%s\"", text);
		text[len - 1] = '\n';
	}
	return reply_body(rq, status, "text/plain", text, len);
}

enum MHD_Result reply_json(struct request *rq, unsigned status, cJSON *doc)
{
	char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
	cJSON_Delete(doc);
	if (!text)
		return reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	enum MHD_Result rc = reply_body(rq, status, "application/json", text, strlen(text));
	cJSON_free(text);
	return rc;
}

enum MHD_Result reply_empty(struct request *rq, unsigned status)
{
	return reply_body(rq, status, NULL, "", 0);
}

enum MHD_Result reply_method_not_allowed(struct request *rq, const char *allow)
{
	struct MHD_Response *resp;
	char text[128];
	int n = snprintf(text, sizeof(text), "method %s not allowed here (allowed: %s)\n",
			 rq->method, allow);
	resp = MHD_create_response_from_buffer((size_t)n, text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	request_note(rq, "error=\"method not allowed\"");
	return reply_queue(rq, MHD_HTTP_METHOD_NOT_ALLOWED, resp, (uint64_t)n);
}
