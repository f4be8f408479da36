#include "http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "db.h"
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

/* One per open connection, found again through MHD's socket context. */
struct conn_track {
	struct conn_track *prev, *next;
	int fd;
	struct timespec phase_start; /* accepted, or previous request done */
	int busy;       /* a whole request is in: only the idle timeout applies */
	int cut;        /* shut down at the deadline already */
	int bad_escape; /* the URL being parsed decoded %00 */
};

static int64_t ms_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct server *srv = cls;
	struct conn_track *t;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&srv->connections, 1);
		t = calloc(1, sizeof(*t));
		*socket_context = t;
		if (!t)
			return;
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		t->fd = ci ? ci->connect_fd : -1;
		clock_gettime(CLOCK_MONOTONIC, &t->phase_start);
		pthread_mutex_lock(&srv->conn_lock);
		t->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = t;
		srv->conns = t;
		pthread_mutex_unlock(&srv->conn_lock);
		return;
	}
	atomic_fetch_sub(&srv->connections, 1);
	t = *socket_context;
	if (!t)
		return;
	/* MHD calls this before it closes the socket, so the reaper never
	 * shuts down a descriptor that was reused meanwhile. */
	pthread_mutex_lock(&srv->conn_lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		srv->conns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&srv->conn_lock);
	free(t);
	*socket_context = NULL;
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* From a whole request (or an early answer) to the end of the answer, the
 * connection is out of the request deadline's reach. */
static void track_busy(struct request *rq)
{
	if (!rq->track)
		return;
	pthread_mutex_lock(&rq->srv->conn_lock);
	rq->track->busy = 1;
	pthread_mutex_unlock(&rq->srv->conn_lock);
}

/* The request deadline: MHD's timeout is reset by every byte, so a client
 * trickling a header byte every few seconds would hold its connection
 * forever. A connection that has not delivered a complete request within
 * request_timeout seconds of its start (or of its previous answer) is
 * shut down; MHD sees the end of the stream and closes it. Unless bytes
 * from the client wait unread in its socket: then the server is behind,
 * not the client (a herd of handshakes), and it gets up to four times the
 * deadline. */
static void *reaper_main(void *arg)
{
	struct server *srv = arg;
	const struct timespec tick = { 0, 200 * 1000000 };
	const int64_t limit = (int64_t)srv->lim.request_timeout * 1000;

	while (!atomic_load(&srv->reaper_stop)) {
		nanosleep(&tick, NULL);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		unsigned n = 0;
		pthread_mutex_lock(&srv->conn_lock);
		for (struct conn_track *t = srv->conns; t; t = t->next) {
			if (t->busy || t->cut || t->fd < 0)
				continue;
			int64_t waited = ms_between(&t->phase_start, &now);
			if (waited < limit)
				continue;
			/* Bytes the client sent that we have not read yet: the
			 * delay is ours (a herd queued for TLS handshakes), not a
			 * slow client's, so it is not cut, up to 4 deadlines. */
			int unread = 0;
			if (waited < 4 * limit && ioctl(t->fd, FIONREAD, &unread) == 0 && unread > 0)
				continue;
			shutdown(t->fd, SHUT_RDWR);
			t->cut = 1;
			n++;
		}
		pthread_mutex_unlock(&srv->conn_lock);
		if (n) {
			atomic_fetch_add(&srv->cut, n);
			log_msg("closed %u connection(s) without a complete request after %u s "
				"(--request-timeout)", n, srv->lim.request_timeout);
		}
	}
	return NULL;
}

int server_init(struct server *srv)
{
	pthread_mutex_init(&srv->token_lock, NULL);
	pthread_mutex_init(&srv->conn_lock, NULL);
	pthread_mutex_init(&srv->bucket_lock, NULL);
	srv->bucket = srv->bucket_burst;
	clock_gettime(CLOCK_MONOTONIC, &srv->bucket_at);
	if (pthread_create(&srv->reaper, NULL, reaper_main, srv) != 0) {
		log_msg("cannot start the request deadline thread");
		return -1;
	}
	srv->reaper_started = 1;
	return 0;
}

void server_fini(struct server *srv)
{
	if (srv->reaper_started) {
		atomic_store(&srv->reaper_stop, 1);
		pthread_join(srv->reaper, NULL);
		srv->reaper_started = 0;
	}
}

int unknown_event_allowed(struct server *srv)
{
	struct timespec now;
	int ok;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&srv->bucket_lock);
	srv->bucket += (double)ms_between(&srv->bucket_at, &now) * srv->bucket_rate / 1000.0;
	if (srv->bucket > srv->bucket_burst)
		srv->bucket = srv->bucket_burst;
	srv->bucket_at = now;
	ok = srv->bucket >= 1.0;
	if (ok)
		srv->bucket -= 1.0;
	pthread_mutex_unlock(&srv->bucket_lock);
	return ok;
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
	rq->track = track_of(conn);
	if (rq->track) {
		rq->bad_escape = rq->track->bad_escape;
		rq->track->bad_escape = 0;
	}
	buf_init(&rq->body);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr)
		sockaddr_text(ci->client_addr, 0, rq->client, sizeof(rq->client));
	else
		snprintf(rq->client, sizeof(rq->client), "-");
	atomic_fetch_add(&srv->in_flight, 1);
	return rq;
}

/* Checks that need only the request line and headers; they answer before
 * any body is read, so "Expect: 100-continue" with a body over the limit
 * gets 413, not "100 Continue". MHD_YES/NO after replying, -1 to go on. */
static int early_checks(struct request *rq)
{
	struct server *srv = rq->srv;

	if (rq->bad_escape)
		return reply_text(rq, MHD_HTTP_BAD_REQUEST, "the URL holds %%00 (a NUL byte)");
	if (atomic_load(&srv->connections) > srv->lim.max_connections)
		return reply_retry_later(rq, MHD_HTTP_SERVICE_UNAVAILABLE,
					 "server busy: at its connection limit");
	rq->body_cap = strcmp(rq->path, "/api/v1/events") ? MAX_BODY : MAX_EVENT_BODY;
	const char *length = request_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(length, &end, 10);
		if (end == length || *end || errno == ERANGE || n > rq->body_cap)
			return reply_text(rq, MHD_HTTP_CONTENT_TOO_LARGE,
					  "request body over %zu bytes", rq->body_cap);
	}
	return -1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct request *rq = *con_cls;
	(void)version;

	if (!rq) {
		rq = request_new(cls, conn, url, method);
		*con_cls = rq;
		if (!rq)
			return MHD_NO;
		int early = early_checks(rq);
		return early < 0 ? MHD_YES : (enum MHD_Result)early;
	}
	if (*upload_data_size) {
		/* Only a chunked body can get here oversized (a Content-Length
		 * over the limit was answered 413 at once): no answer can be
		 * queued in the middle of a body, so the connection is closed. */
		if (rq->body.len + *upload_data_size > rq->body_cap) {
			request_note(rq, "error=\"chunked body over %zu bytes, connection closed\"",
				     rq->body_cap);
			return MHD_NO;
		}
		if (buf_append(&rq->body, upload_data, *upload_data_size) < 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->status) /* already answered; MHD should not call again */
		return MHD_YES;
	/* The whole request is in: the time from here is the server's
	 * (hashing a big file, waiting for a database lock), not a slow
	 * client's, so the request deadline no longer applies. */
	track_busy(rq);
	return route_request(rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;
	(void)conn;
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
	if (rq->track) {
		/* The next request on this connection gets a fresh deadline. */
		pthread_mutex_lock(&srv->conn_lock);
		rq->track->busy = 0;
		clock_gettime(CLOCK_MONOTONIC, &rq->track->phase_start);
		pthread_mutex_unlock(&srv->conn_lock);
	}
	buf_free(&rq->body);
	free(rq->path);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char text[512];
	(void)cls;
	vsnprintf(text, sizeof(text), fmt, ap);
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	log_msg("http: %s", text);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoding of the path and query, as MHD does it, except that
 * %00 is left as it is and flags the request: a NUL would cut the C
 * string short, so "/api/v1/machines/A%00B" would address machine A. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *out = s;
	int nul = 0;
	(void)cls;

	for (const char *in = s; *in;) {
		int hi, lo;
		if (in[0] == '%' && (hi = hex_value(in[1])) >= 0 && (lo = hex_value(in[2])) >= 0) {
			if (hi == 0 && lo == 0) {
				nul = 1;
				memmove(out, in, 3);
				out += 3;
			} else {
				*out++ = (char)(hi * 16 + lo);
			}
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	if (nul) {
		struct conn_track *t = track_of(conn);
		if (t)
			t->bad_escape = 1;
	}
	return (size_t)(out - s);
}

struct MHD_Daemon *http_start(struct server *srv, int listen_fd, int ipv6,
			      const char *cert_pem, const char *key_pem)
{
	unsigned flags = MHD_USE_TLS | MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
				MHD_OPTION_LISTEN_SOCKET, listen_fd,
				MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
				MHD_OPTION_HTTPS_MEM_KEY, key_pem,
				MHD_OPTION_HTTPS_PRIORITIES, srv->lim.tls_priorities,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, srv,
				MHD_OPTION_THREAD_POOL_SIZE, srv->lim.threads,
				MHD_OPTION_CONNECTION_TIMEOUT, srv->lim.idle_timeout,
				MHD_OPTION_CONNECTION_LIMIT, srv->lim.hard_connections,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->lim.per_ip,
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
	if (atomic_load(&rq->srv->draining))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	track_busy(rq); /* an early answer (413 after the headers) too */
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

enum MHD_Result reply_retry_later(struct request *rq, unsigned status, const char *reason)
{
	/* Jittered, so a herd told to come back does not come back at once. */
	return reply_retry_after(rq, status, (unsigned)(2 + random() % 5), reason);
}

enum MHD_Result reply_retry_after(struct request *rq, unsigned status, unsigned seconds,
				  const char *reason)
{
	char text[256], after[16];
	int n = snprintf(text, sizeof(text), "%s\n", reason);
	snprintf(after, sizeof(after), "%u", seconds);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer((size_t)n, text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, after);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	request_note(rq, "error=\"%s\" retry-after=%s", reason, after);
	return reply_queue(rq, status, resp, (uint64_t)n);
}

enum MHD_Result reply_db_error(struct request *rq, int rc)
{
	if (rc == DB_BUSY)
		return reply_retry_later(rq, MHD_HTTP_SERVICE_UNAVAILABLE,
					 "server busy: database locked, try again");
	return reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "database error");
}
