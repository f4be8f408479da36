/* The HTTPS front: libmicrohttpd daemons (one per listen socket, a thread
 * per connection, keep-alive), per-request state, reply helpers and the
 * access log line written when each request completes. */
#ifndef SERVER_STUB_HTTP_H
#define SERVER_STUB_HTTP_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

#define MAX_BODY (256 * 1024) /* boot facts and admin bodies are small */

struct server {
	struct db *db;
	int files_dirfd;
	const char *public_url;  /* without trailing '/', or NULL: use Host */
	const char *admin_token; /* NULL: admin API disabled */
};

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method;
	char *path;
	struct buf body;
	int body_too_large;
	struct timespec start;
	unsigned status;
	uint64_t bytes;
	char client[INET6_ADDRSTRLEN];
	char serial[129];  /* for the log line; "" when none */
	char note[192];    /* extra key=value pairs for the log line */
};

struct MHD_Daemon *http_start(struct server *srv, int listen_fd, int ipv6,
			      const char *cert_pem, const char *key_pem);

/* Route to the handler for rq->method and rq->path (route.c). */
enum MHD_Result route_request(struct request *rq);

const char *request_header(struct request *rq, const char *name);
const char *request_query(struct request *rq, const char *name);
void request_set_serial(struct request *rq, const char *serial);
void request_note(struct request *rq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Queue resp (destroyed here) with status; bytes is what the log shows. */
enum MHD_Result reply_queue(struct request *rq, unsigned status, struct MHD_Response *resp,
			    uint64_t bytes);
/* A one-line text/plain reason; a newline is appended. */
enum MHD_Result reply_text(struct request *rq, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Body copied; content type as given. */
enum MHD_Result reply_body(struct request *rq, unsigned status, const char *type,
			   const char *body, size_t len);
/* doc is freed. */
enum MHD_Result reply_json(struct request *rq, unsigned status, cJSON *doc);
enum MHD_Result reply_empty(struct request *rq, unsigned status);
enum MHD_Result reply_method_not_allowed(struct request *rq, const char *allow);

#endif
