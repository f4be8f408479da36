/* Downloads into a memfd for the HTTP client (http_int.h): hashed as they
 * arrive (on a second CPU when there is one), resumed after cuts with a
 * checked Range request, held to one memory budget shared by parallel
 * downloads, tried over mirrors in order. */
#include "http/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/fdio.h"
#include "core/log.h"
#include "core/sha256.h"
#include "http/dlpace.h"
#include "http/urlutil.h"

#define FETCH_BUFFER 65536L  /* fewer, larger writes into the memfd */
#define MiB (1024.0 * 1024.0)

#define HASH_CHUNK (128 * 1024)

/* SHA-256 of the memfd on a second CPU when the machine has one: the
 * receiving thread decrypts and writes, this one reads the memfd right
 * behind it and hashes (curl | sha256sum spreads the same work over two
 * processes). On one CPU the bytes are hashed inline as they arrive. Either
 * way every byte is hashed once. */
struct hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running;               /* the thread exists */
	int stop;
	int fd;
	uint64_t written, hashed;  /* bytes in the memfd, bytes hashed */
	int read_errno;            /* the thread could not read the memfd */
	struct sn_sha256 *sha;
};

struct fetch {
	const char *label;
	int fd;
	uint64_t have;             /* bytes in the memfd, all of them hashed */
	uint64_t total;            /* full length once known, else 0 */
	struct sn_sha256 sha;
	char etag[128];            /* strong ETag of the answer we build on */
	struct dl_progress prog;
	uint64_t limit;            /* largest size that fits in memory (dl_mem_limit) */
	uint64_t mem_available;    /* MemAvailable when the download started, 0 unknown */
	int no_room;               /* the file was found larger than limit */
	uint64_t reserved;         /* of the shared budget, bytes (budget_reserve) */
	uint64_t others;           /* reserved by parallel downloads when refused */
	unsigned max_stuck;        /* attempts without progress before giving up */
	unsigned resumes;          /* requests for the rest after a cut */
	unsigned restarts;         /* times we had to start over from byte 0 */
	/* this attempt */
	long status;
	int body_started;
	int range_bad;
	struct sn_err range_err;
	int write_errno;
	char content_range[128];
	size_t content_range_len;  /* > sizeof(content_range) - 1: too long */
	char etag_now[128];
	char err_body[96];         /* start of an error answer, for the context */
	size_t err_body_len;
	struct hasher hs;
};

/* ---- memory: one budget for every download in flight
 *
 * Downloads that run at once (a script's prefetches) must fit together:
 * each reserves its size (its Content-Length; without one, what it has
 * stored) against the limit taken when the first of them started, under
 * one mutex, so two cannot both pass the check. A finished download keeps
 * its share until none is in flight: its memfd still holds the bytes, and
 * the MemAvailable read for the next one counts them. */
static struct {
	pthread_mutex_t mu;
	unsigned active;           /* downloads in flight */
	uint64_t limit;            /* dl_mem_limit when the first of them started */
	uint64_t mem_available;    /* MemAvailable then, 0 unknown */
	uint64_t used;             /* bytes reserved since */
} budget = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* f holds upto bytes from now: 0, or -1 when they do not fit beside the
 * other downloads (f->limit then says what was left for f). */
static int budget_reserve(struct fetch *f, uint64_t upto)
{
	int rc = 0;

	if (upto <= f->reserved)
		return 0;
	pthread_mutex_lock(&budget.mu);
	if (budget.limit != UINT64_MAX && upto - f->reserved > budget.limit - budget.used) {
		f->others = budget.used - f->reserved;
		f->limit = budget.limit - f->others;
		rc = -1;
	} else {
		budget.used += upto - f->reserved;
		f->reserved = upto;
	}
	pthread_mutex_unlock(&budget.mu);
	return rc;
}

/* The memfd was emptied: its share goes back. */
static void budget_release(struct fetch *f)
{
	pthread_mutex_lock(&budget.mu);
	budget.used -= f->reserved;
	f->reserved = 0;
	pthread_mutex_unlock(&budget.mu);
}

static void budget_leave(struct fetch *f, int kept)
{
	pthread_mutex_lock(&budget.mu);
	if (!kept)
		budget.used -= f->reserved;
	f->reserved = 0;
	budget.active--;
	pthread_mutex_unlock(&budget.mu);
}

static void *hasher_main(void *arg)
{
	struct hasher *h = arg;
	unsigned char *buf = malloc(HASH_CHUNK);

	pthread_mutex_lock(&h->mu);
	if (!buf)
		h->read_errno = ENOMEM;
	while (buf && !h->read_errno) {
		uint64_t off = h->hashed, n = h->written - h->hashed;
		ssize_t r;

		if (!n) {
			if (h->stop)
				break;
			pthread_cond_wait(&h->cv, &h->mu);
			continue;
		}
		pthread_mutex_unlock(&h->mu);
		r = pread(h->fd, buf, n < HASH_CHUNK ? (size_t)n : HASH_CHUNK, (off_t)off);
		if (r > 0)
			sn_sha256_update(h->sha, buf, (size_t)r);
		pthread_mutex_lock(&h->mu);
		if (r > 0)
			h->hashed += (uint64_t)r;
		else if (r == 0 || errno != EINTR)
			h->read_errno = r < 0 ? errno : EIO;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	free(buf);
	return NULL;
}

/* A hashing thread when there is a second CPU to run it; else inline. */
static void hasher_start(struct fetch *f)
{
	struct hasher *h = &f->hs;

	h->fd = f->fd;
	h->sha = &f->sha;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->running = pthread_create(&h->thread, NULL, hasher_main, h) == 0;
	if (!h->running) {
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
	}
}

/* len more bytes are in the memfd (data: them, for the inline hash). */
static void hasher_add(struct fetch *f, const char *data, size_t len)
{
	struct hasher *h = &f->hs;

	if (!h->running) {
		sn_sha256_update(&f->sha, data, len);
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->written += len;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* Waits until every byte written is hashed; the thread is then idle and
 * the hash context ours. 0, or the errno the thread's read failed with. */
static int hasher_drain(struct fetch *f)
{
	struct hasher *h = &f->hs;
	int err;

	if (!h->running)
		return 0;
	pthread_mutex_lock(&h->mu);
	while (h->hashed < h->written && !h->read_errno)
		pthread_cond_wait(&h->cv, &h->mu);
	err = h->read_errno;
	pthread_mutex_unlock(&h->mu);
	return err;
}

/* The memfd starts over: nothing written, nothing hashed. Drained first. */
static void hasher_restart(struct fetch *f)
{
	struct hasher *h = &f->hs;

	if (!h->running)
		return;
	pthread_mutex_lock(&h->mu);
	h->written = h->hashed = 0;
	h->read_errno = 0;
	pthread_mutex_unlock(&h->mu);
}

static void hasher_stop(struct fetch *f)
{
	struct hasher *h = &f->hs;

	if (!h->running)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	h->running = 0;
}

/* The download thread's cancel flag (http_thread_attach) is set. */
static int cancelled(void)
{
	return http_conn->cancel && atomic_load(http_conn->cancel);
}

/* curl calls it about once a second, connecting or stalled too. */
static int on_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	return cancelled();
}

/* Drops what we have: the next bytes are the file from its start. */
static int fetch_reset(struct fetch *f)
{
	(void)hasher_drain(f);   /* the thread idle before the file shrinks */
	if (ftruncate(f->fd, 0) != 0 || lseek(f->fd, 0, SEEK_SET) != 0)
		return -1;
	hasher_restart(f);
	sn_sha256_init(&f->sha);
	f->have = 0;
	f->total = 0;
	f->etag[0] = '\0';
	f->restarts++;
	budget_release(f);
	dl_progress_start(&f->prog, 0, mono_ms());
	return 0;
}

static size_t fetch_header(char *line, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n, vlen;
	const char *v;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* a new answer starts (after a redirect or 100 Continue) */
		f->content_range_len = 0;
		f->etag_now[0] = '\0';
	} else if (http_header_value(line, len, "Content-Range", &v, &vlen)) {
		f->content_range_len = vlen;
		if (vlen < sizeof(f->content_range)) {
			memcpy(f->content_range, v, vlen);
			f->content_range[vlen] = '\0';
		}
	} else if (http_header_value(line, len, "ETag", &v, &vlen)) {
		/* If-Range needs a strong validator (RFC 9110 §13.1.5) */
		if (vlen < sizeof(f->etag_now) && !(vlen >= 2 && v[0] == 'W' && v[1] == '/')) {
			memcpy(f->etag_now, v, vlen);
			f->etag_now[vlen] = '\0';
		}
	}
	return len;
}

/* A 206 must continue exactly where we are, within the same file. */
static int fetch_check_range(struct fetch *f)
{
	struct content_range cr;

	if (f->have == 0)
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE, "206 to a request without Range");
	if (f->content_range_len == 0)
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE, "206 without Content-Range");
	if (f->content_range_len >= sizeof(f->content_range))
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE, "Content-Range of %zu bytes",
			       f->content_range_len);
	if (content_range_parse(f->content_range, f->content_range_len, &cr, &f->range_err))
		return f->range_err.code;
	if (cr.first != f->have)
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE,
			       "Content-Range starts at %llu, we have %llu bytes",
			       (unsigned long long)cr.first, (unsigned long long)f->have);
	if (cr.first == CONTENT_RANGE_UNKNOWN ||
	    (f->total && cr.complete != CONTENT_RANGE_UNKNOWN && cr.complete != f->total))
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE,
			       "Content-Range \"%s\": the file is no longer %llu bytes",
			       f->content_range, (unsigned long long)f->total);
	if (!f->total && cr.complete != CONTENT_RANGE_UNKNOWN)
		f->total = cr.complete;
	return SN_OK;
}

/* The first body bytes of an attempt: is this answer what we asked for? */
static int fetch_accept(struct fetch *f)
{
	curl_off_t cl = -1;

	f->body_started = 1;
	curl_easy_getinfo(http_conn->curl, CURLINFO_RESPONSE_CODE, &f->status);
	if (f->status < 200 || f->status > 299)
		return 0;   /* an error page: kept apart, reported after */
	if (f->status == 206) {
		if (fetch_check_range(f) == SN_OK)
			return 0;
		f->range_bad = 1;
		return -1;
	}
	/* any other 2xx is the whole file from its first byte */
	if (f->have) {
		logmsg("download", "%s: server sent the whole file, not the rest; restarting",
		       f->label);
		if (fetch_reset(f)) {
			f->write_errno = errno;
			return -1;
		}
	}
	curl_easy_getinfo(http_conn->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	f->total = cl > 0 ? (uint64_t)cl : 0;
	memcpy(f->etag, f->etag_now, sizeof(f->etag));
	f->prog.total = f->total;
	/* refused before a byte is stored: Content-Length says it won't fit */
	if (budget_reserve(f, f->total)) {
		f->no_room = 1;
		return -1;
	}
	return 0;
}

static size_t fetch_write(char *data, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;
	uint64_t now;

	if (cancelled())
		return 0;
	if (!f->body_started && fetch_accept(f))
		return 0;
	if (f->status < 200 || f->status > 299) {
		size_t room = sizeof(f->err_body) - f->err_body_len;
		size_t take = len < room ? len : room;
		memcpy(f->err_body + f->err_body_len, data, take);
		f->err_body_len += take;
		return len;
	}
	/* without Content-Length the limit holds while receiving */
	if (budget_reserve(f, f->have + len)) {
		f->no_room = 1;
		return 0;
	}
	if (fd_write_all(f->fd, data, len)) {
		f->write_errno = errno;
		return 0;
	}
	hasher_add(f, data, len);
	f->have += len;
	now = mono_ms();
	if (dl_progress_due(&f->prog, f->have, now)) {
		char line[96];
		dl_progress_format(line, sizeof(line), f->have, f->total, now - f->prog.start_ms);
		logmsg("download", "%s: %s", f->label, line);
	}
	return len;
}

/* One request: the whole file, or the rest of it after a cut. */
static int fetch_attempt(const char *url, struct fetch *f, struct sn_err *e)
{
	struct curl_slist *hdrs = NULL;
	char range[32], if_range[160];
	CURLcode cc;
	int rc;

	f->status = 0;
	f->body_started = f->range_bad = f->write_errno = f->no_room = 0;
	f->content_range_len = f->err_body_len = 0;
	f->etag_now[0] = '\0';
	sn_clear(&f->range_err);
	if ((rc = request_begin(url, e)) ||
	    (rc = SETOPT(CURLOPT_FOLLOWLOCATION, 1L)) ||
	    (rc = SETOPT(CURLOPT_MAXREDIRS, MAX_REDIRS)) ||
	    (rc = SETOPT(CURLOPT_BUFFERSIZE, FETCH_BUFFER)) ||
	    (rc = SETOPT(CURLOPT_HEADERFUNCTION, fetch_header)) ||
	    (rc = SETOPT(CURLOPT_HEADERDATA, f)) ||
	    (rc = SETOPT(CURLOPT_WRITEFUNCTION, fetch_write)) ||
	    (rc = SETOPT(CURLOPT_WRITEDATA, f)))
		return rc;
	if (http_conn->cancel && ((rc = SETOPT(CURLOPT_XFERINFOFUNCTION, on_xferinfo)) ||
			     (rc = SETOPT(CURLOPT_NOPROGRESS, 0L))))
		return rc;
	if (f->have) {
		f->resumes++;
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)f->have);
		if ((rc = SETOPT(CURLOPT_RANGE, range)))
			return rc;
		if (f->etag[0]) {
			/* a changed file comes back whole (200), not as a range */
			snprintf(if_range, sizeof(if_range), "If-Range: %s", f->etag);
			if (!(hdrs = curl_slist_append(NULL, if_range)))
				return sn_fail(e, SN_E_NOMEM, "request headers");
			if ((rc = SETOPT(CURLOPT_HTTPHEADER, hdrs)))
				goto out;
		}
	}
	cc = curl_easy_perform(http_conn->curl);
	if (!f->status)
		curl_easy_getinfo(http_conn->curl, CURLINFO_RESPONSE_CODE, &f->status);
	note_retry_after();
	if (cancelled()) {
		rc = sn_fail(e, SN_E_HTTP_CANCELLED, "%s: at byte %llu", f->label,
			     (unsigned long long)f->have);
	} else if (f->no_room) {
		/* both numbers in MiB, exact bytes in the log line before;
		 * f->limit is what parallel downloads (f->others) left */
		const char *beside = f->others ? " beside parallel downloads" : "";

		logmsg("download", "%s: %llu bytes do not fit: limit %llu = (MemAvailable %llu - "
		       "reserve %llu) / %u", f->label, (unsigned long long)(f->total ? f->total :
		       f->have), (unsigned long long)(f->limit + f->others),
		       (unsigned long long)f->mem_available, (unsigned long long)DL_MEM_RESERVE,
		       DL_MEM_COPIES);
		if (f->others)
			logmsg("download", "%s: %llu bytes of that limit are taken by parallel "
			       "downloads, %llu left", f->label, (unsigned long long)f->others,
			       (unsigned long long)f->limit);
		if (!f->mem_available)
			rc = sn_fail(e, SN_E_HTTP_NO_ROOM, "%s %s %llu bytes, the download limit is "
				     "%llu bytes", f->label, f->total ? "is" : "passed",
				     (unsigned long long)(f->total ? f->total : f->limit),
				     (unsigned long long)f->limit);
		else if (f->total)
			rc = sn_fail(e, SN_E_HTTP_NO_ROOM, "%s is %.1f MiB, the machine can hold "
				     "%.1f MiB%s (MemAvailable %.1f MiB - %.0f MiB reserve, /%u for "
				     "kexec)", f->label, (double)f->total / MiB,
				     (double)f->limit / MiB, beside, (double)f->mem_available / MiB,
				     (double)DL_MEM_RESERVE / MiB, DL_MEM_COPIES);
		else
			rc = sn_fail(e, SN_E_HTTP_NO_ROOM, "%s (no Content-Length) passed %.1f MiB, "
				     "the machine can hold %.1f MiB%s (MemAvailable %.1f MiB - %.0f MiB "
				     "reserve, /%u for kexec)", f->label, (double)f->limit / MiB,
				     (double)f->limit / MiB, beside, (double)f->mem_available / MiB,
				     (double)DL_MEM_RESERVE / MiB, DL_MEM_COPIES);
	} else if (f->write_errno) {
		rc = sn_fail(e, SN_E_HTTP_MEMFD, "%s: writing at %llu: %s", f->label,
			     (unsigned long long)f->have, strerror(f->write_errno));
	} else if (f->range_bad) {
		rc = sn_fail(e, SN_E_HTTP_RANGE, "%s: %s", f->label, f->range_err.ctx);
	} else if (cc != CURLE_OK) {
		rc = curl_fail(cc, url, e);
	} else if (f->status == 416) {
		rc = sn_fail(e, SN_E_HTTP_RANGE, "%s: 416 to a range from byte %llu", f->label,
			     (unsigned long long)f->have);
		f->range_bad = 1;
	} else if (f->status < 200 || f->status > 299) {
		rc = status_fail(f->status, url, f->err_body, f->err_body_len, e);
	} else if (!f->body_started && fetch_accept(f)) {
		/* an empty answer still says where we stand */
		rc = f->write_errno ? sn_fail(e, SN_E_HTTP_MEMFD, "%s: %s", f->label,
					      strerror(f->write_errno))
				    : sn_fail(e, SN_E_HTTP_RANGE, "%s: %s", f->label,
					      f->range_err.ctx);
	} else {
		rc = SN_OK;
	}
out:
	curl_slist_free_all(hdrs);
	return rc;
}

/* Worth another attempt: the network or the server may recover. */
static int fetch_retryable(int code, long status)
{
	switch (code) {
	case SN_E_HTTP_CUT:
	case SN_E_HTTP_STALLED:
	case SN_E_HTTP_CONNECT_TIMEOUT:
	case SN_E_HTTP_REFUSED:
	case SN_E_HTTP_UNREACHABLE:
	case SN_E_HTTP_RESOLVE:
	case SN_E_HTTP_SERVER_ERROR:
	case SN_E_HTTP_RANGE:
	case SN_E_HTTP_TRANSFER:
		return 1;
	case SN_E_HTTP_CLIENT_ERROR:
		return status == 408 || status == 429;
	default:
		return 0;
	}
}

static uint32_t random_u32(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	return (uint32_t)mono_ms() * 2654435761u;   /* early boot: any spread helps */
}

/* Tries until the file is complete, a failure is final, or the attempts
 * run out; resumes where the last attempt stopped. */
static int fetch_loop(const char *url, struct fetch *f, struct sn_err *e)
{
	unsigned attempts = 0, stuck = 0;
	uint64_t best = 0;
	int rc;

	for (;;) {
		char why[200];
		unsigned wait;

		attempts++;
		rc = fetch_attempt(url, f, e);
		if (rc == SN_OK && (!f->total || f->have >= f->total))
			return SN_OK;
		if (rc == SN_OK)   /* a range that stopped short: ask for the rest */
			rc = sn_fail(e, SN_E_HTTP_CUT, "%s: %llu of %llu bytes", f->label,
				     (unsigned long long)f->have, (unsigned long long)f->total);
		if (rc == SN_E_HTTP_RANGE && f->range_bad && fetch_reset(f))
			return sn_fail(e, SN_E_HTTP_MEMFD, "%s: truncate: %s", f->label,
				       strerror(errno));
		if (!fetch_retryable(rc, f->status))
			return rc;
		if (f->have > best) {
			best = f->have;
			stuck = 1;
		} else {
			stuck++;
		}
		if (stuck >= f->max_stuck || attempts >= HTTP_FETCH_ATTEMPTS_MAX) {
			size_t n = strlen(e->ctx);
			snprintf(e->ctx + n, sizeof(e->ctx) - n, " (gave up after %u attempts)",
				 attempts);
			return rc;
		}
		wait = dl_backoff_ms(stuck, random_u32());
		logmsg("download", "%s: %s; retrying from byte %llu in %u ms",
		       f->label, sn_format(e, why, sizeof(why)), (unsigned long long)f->have, wait);
		for (unsigned slept = 0; slept < wait && !cancelled(); slept += 100)
			mono_sleep_ms(wait - slept < 100 ? wait - slept : 100);
		if (cancelled())
			return sn_fail(e, SN_E_HTTP_CANCELLED, "%s: waiting to retry", f->label);
	}
}

/* The agent's peak resident memory (VmHWM, KiB), 0 when unknown. */
static unsigned long peak_rss_kib(void)
{
	size_t len = 0;
	char *st = read_file("/proc/self/status", 8192, &len);
	const char *p = st ? strstr(st, "\nVmHWM:") : NULL;
	unsigned long kib = p ? strtoul(p + 7, NULL, 10) : 0;

	free(st);
	return kib;
}

static void fetch_summary(const struct fetch *f, const char *hex, int checked, uint64_t ms)
{
	logmsg("download", "%s: %llu bytes (%.1f MiB) in %.1f s, %.1f MiB/s, %u resume(s), "
	       "%u restart(s), sha256 %s%s, agent VmHWM %lu KiB", f->label,
	       (unsigned long long)f->have, (double)f->have / MiB, (double)ms / 1000.0,
	       ms ? (double)f->have / MiB * 1000.0 / (double)ms : 0.0, f->resumes, f->restarts,
	       hex, checked ? " (verified)" : " (not checked)", peak_rss_kib());
}

/* What this machine can hold now (dl_mem_limit), read when no other
 * download is in flight (else theirs, shared: budget); no limit when
 * /proc/meminfo says nothing (the host tests' sandbox may hide it). */
static void fetch_limit(struct fetch *f)
{
	pthread_mutex_lock(&budget.mu);
	if (!budget.active++) {
		size_t len = 0;
		char *mi = read_file("/proc/meminfo", 16384, &len);

		budget.limit = UINT64_MAX;
		budget.mem_available = 0;
		budget.used = 0;
		if (mi && dl_meminfo_available(mi, len, &budget.mem_available) == 0)
			budget.limit = dl_mem_limit(budget.mem_available);
		if (http_cfg.policy.max_download && http_cfg.policy.max_download < budget.limit) {
			budget.limit = http_cfg.policy.max_download;
			budget.mem_available = 0;   /* the numbers below are not the machine's */
		}
		free(mi);
	}
	f->limit = budget.limit;
	f->mem_available = budget.mem_available;
	pthread_mutex_unlock(&budget.mu);
	if (f->limit == UINT64_MAX)
		logmsg("download", "%s: no MemAvailable in /proc/meminfo; size not limited",
		       f->label);
}

/* Failures a next mirror may not have: the network, the server, the file
 * it serves. Not: this machine's memory, the memfd, our own setup. */
static int mirror_may_help(int code)
{
	switch (code) {
	case SN_E_HTTP_NO_ROOM:
	case SN_E_HTTP_MEMFD:
	case SN_E_HTTP_INIT:
	case SN_E_HTTP_CA:
	case SN_E_HTTP_PROXY:
	case SN_E_HTTP_CANCELLED:
	case SN_E_NOMEM:
		return 0;
	default:
		return 1;
	}
}

int http_fetch_mirrors(const char *const *urls, size_t n_urls, const char *sha256_hex_or_NULL,
		       const char *label, int *fd_out, size_t *size_out, struct sn_err *e)
{
	struct fetch f;
	uint8_t want[32], got[32];
	char name[64], hex[65], want_hex[65], u[URL_LOG], why[200];
	uint64_t t0 = mono_ms();
	struct sn_err ignored, refused, now;
	size_t tried = 0;
	int rc = SN_OK, werr;

	if (!e)
		e = &ignored;   /* the retry loop reads and extends the context */
	*fd_out = -1;
	*size_out = 0;
	sn_clear(&refused);
	if (!http_conn->curl)
		return sn_fail(e, SN_E_HTTP_INIT, "http_init was not called");
	if (!urls || n_urls == 0)
		return sn_fail(e, SN_E_HTTP_URL, "%s: no URL to fetch", label);
	if (sha256_hex_or_NULL && (rc = sha256_hex_parse(sha256_hex_or_NULL, want, e)) != SN_OK)
		return rc;
	memset(&f, 0, sizeof(f));
	f.label = label;
	snprintf(name, sizeof(name), "snboot-%s", label);
	f.fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f.fd < 0)
		return sn_fail(e, SN_E_HTTP_MEMFD, "memfd_create %s: %s", name, strerror(errno));
	sn_sha256_init(&f.sha);
	fetch_limit(&f);
	hasher_start(&f);

	for (size_t i = 0; i < n_urls; i++) {
		int last = i + 1 == n_urls;

		url_for_log(urls[i], u, sizeof(u));
		/* the trust rule per URL: an unpinned http mirror is skipped */
		if (url_artifact_allowed(urls[i], sha256_hex_or_NULL != NULL,
					 http_cfg.policy.artifacts_any, &now) != SN_OK) {
			if (n_urls > 1)   /* one URL: the caller reports it */
				logmsg("download", "%s: mirror %zu skipped: %s", label, i + 1,
				       sn_format(&now, why, sizeof(why)));
			if (!refused.code)
				refused = now;
			continue;
		}
		if (tried++ && fetch_reset(&f)) {
			rc = sn_fail(e, SN_E_HTTP_MEMFD, "%s: truncate: %s", label, strerror(errno));
			goto err;
		}
		f.restarts = 0;
		/* with a mirror left, a dead one is given up on sooner */
		f.max_stuck = last ? HTTP_FETCH_STUCK_MAX : HTTP_FETCH_MIRROR_STUCK_MAX;
		dl_progress_start(&f.prog, 0, mono_ms());
		if (n_urls > 1)
			logmsg("download", "%s: %s (mirror %zu of %zu)", label, u, i + 1, n_urls);
		else
			logmsg("download", "%s: %s", label, u);
		rc = fetch_loop(urls[i], &f, e);
		if (rc == SN_OK && (werr = hasher_drain(&f)) != 0) {
			rc = sn_fail(e, SN_E_HTTP_MEMFD, "%s: reading the memfd to hash it: %s",
				     label, strerror(werr));
			goto err;
		}
		if (rc == SN_OK) {
			sn_sha256_final(&f.sha, got);
			hex_format(got, sizeof(got), hex);
			if (sha256_hex_or_NULL && memcmp(got, want, sizeof(want)) != 0) {
				hex_format(want, sizeof(want), want_hex);
				logmsg("download", "%s: sha256 %s, expected %s", label, hex, want_hex);
				rc = sn_fail(e, SN_E_HTTP_SHA256_MISMATCH,
					     "%s from %s: got %.16s..., expected %.16s...", label, u,
					     hex, want_hex);
			}
		}
		if (rc == SN_OK)
			break;
		if (!mirror_may_help(rc))
			goto err;
		if (!last)
			logmsg("download", "%s: %s; trying the next mirror", label,
			       sn_format(e, why, sizeof(why)));
	}
	if (!tried) {
		*e = refused;
		rc = refused.code;
		goto err;
	}
	if (rc != SN_OK)
		goto err;
	/* sealed: what was checked is what kexec reads */
	if (fcntl(f.fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		logmsg("download", "%s: could not seal the memfd: %s", label, strerror(errno));
	if (lseek(f.fd, 0, SEEK_SET) != 0) {
		rc = sn_fail(e, SN_E_HTTP_MEMFD, "%s: lseek: %s", label, strerror(errno));
		goto err;
	}
	hasher_stop(&f);
	budget_leave(&f, 1);
	fetch_summary(&f, hex, sha256_hex_or_NULL != NULL, mono_ms() - t0);
	*fd_out = f.fd;
	*size_out = (size_t)f.have;
	return SN_OK;

err:
	hasher_stop(&f);
	budget_leave(&f, 0);
	close(f.fd);
	return rc;
}

int http_fetch_fd(const char *url, const char *sha256_hex_or_NULL, const char *label,
		  int *fd_out, size_t *size_out, struct sn_err *e)
{
	return http_fetch_mirrors(&url, 1, sha256_hex_or_NULL, label, fd_out, size_out, e);
}
