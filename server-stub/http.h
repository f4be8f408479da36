/* The HTTPS front: libmicrohttpd daemons (one per listen socket, each an
 * epoll loop with a pool of worker threads), connection tracking (count,
 * cap, request deadline), per-request state, reply helpers and the access
 * log line written when each request completes. */
#ifndef SERVER_STUB_HTTP_H
#define SERVER_STUB_HTTP_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

#define MAX_BODY (256 * 1024)      /* boot facts and admin bodies */
#define MAX_EVENT_BODY (16 * 1024) /* one event */

struct server_limits {
	unsigned threads;          /* worker threads per listen socket */
	unsigned max_connections;  /* above this, requests get 503 */
	unsigned hard_connections; /* above this, MHD refuses to accept */
	unsigned per_ip;           /* connections per client address */
	unsigned idle_timeout;     /* s without traffic before a close */
	unsigned request_timeout;  /* s to deliver one complete request */
	unsigned shutdown_grace;   /* s SIGTERM waits for requests in flight */
	const char *tls_priorities;
};

struct conn_track;

struct server {
	struct db *db;
	int files_dirfd;
	const char *public_url;  /* without trailing '/', or NULL: use Host */
	int content_urls;        /* scripts name files by content: /cas/HEX/NAME */
	struct server_limits lim;

	pthread_mutex_t token_lock; /* admin_token is swapped on SIGHUP */
	char *admin_token;          /* NULL: admin API disabled */

	atomic_uint connections; /* open, over every listen socket */
	atomic_uint in_flight;   /* requests from headers to completion */
	atomic_int draining;     /* SIGTERM: answers say Connection: close */
	atomic_ulong cut;        /* connections cut at the request deadline */

	pthread_mutex_t conn_lock;
	struct conn_track *conns; /* every open connection */
	pthread_t reaper;
	int reaper_started;
	atomic_int reaper_stop;

	/* Events for serials the backend does not know: a token bucket. */
	pthread_mutex_t bucket_lock;
	double bucket, bucket_rate, bucket_burst;
	struct timespec bucket_at;
	unsigned events_per_machine;
	unsigned os_up_deadline; /* s after provisioning before "no-os-up" */
	unsigned unknown_events_kept;
};

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	struct conn_track *track;
	const char *method;
	char *path;
	struct buf body;
	size_t body_cap;
	int body_too_large;
	int bad_escape;
	struct timespec start;
	unsigned status;
	uint64_t bytes;
	char client[INET6_ADDRSTRLEN];
	char serial[129];  /* for the log line; "" when none */
	char note[192];    /* extra key=value pairs for the log line */
};

/* Mutexes, the bucket, the deadline thread. 0 or -1. */
int server_init(struct server *srv);
void server_fini(struct server *srv);

struct MHD_Daemon *http_start(struct server *srv, int listen_fd, int ipv6,
			      const char *cert_pem, const char *key_pem);

/* Route to the handler for rq->method and rq->path (route.c). */
enum MHD_Result route_request(struct request *rq);

const char *request_header(struct request *rq, const char *name);
const char *request_query(struct request *rq, const char *name);
void request_set_serial(struct request *rq, const char *serial);
void request_note(struct request *rq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* 1 if one more event of an unknown serial may be stored now. */
int unknown_event_allowed(struct server *srv);

/* Queue resp (destroyed here) with status; bytes is what the log shows. */
enum MHD_Result reply_queue(struct request *rq, unsigned status, struct MHD_Response *resp,
			    uint64_t bytes);
/* A one-line text/plain reason; a newline is appended. */
enum MHD_Result reply_text(struct request *rq, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 503 or 429 with Retry-After (a few seconds, jittered) and the reason. */
enum MHD_Result reply_retry_later(struct request *rq, unsigned status, const char *reason);
enum MHD_Result reply_retry_after(struct request *rq, unsigned status, unsigned seconds,
				  const char *reason);
/* The answer to a db_* failure: 503 + Retry-After when the database was
 * busy (DB_BUSY), else 500. */
enum MHD_Result reply_db_error(struct request *rq, int rc);
/* Body copied; content type as given. */
enum MHD_Result reply_body(struct request *rq, unsigned status, const char *type,
			   const char *body, size_t len);
/* doc is freed. */
enum MHD_Result reply_json(struct request *rq, unsigned status, cJSON *doc);
enum MHD_Result reply_empty(struct request *rq, unsigned status);
enum MHD_Result reply_method_not_allowed(struct request *rq, const char *allow);

#endif
