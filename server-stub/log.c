#include "log.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "buf.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void iso_time(time_t t, char out[static ISO_TIME_LEN])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Paths and serials come from clients: escape them so one request is
 * always exactly one log line. */
static void append_escaped(struct buf *b, const char *s, int keep_spaces)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((isgraph(c) || (keep_spaces && c == ' ')) && c != '\\')
			buf_append(b, s, 1);
		else
			buf_printf(b, "\\x%02x", c);
	}
}

void log_access(const struct access_record *r)
{
	char now[ISO_TIME_LEN];
	struct buf line;

	iso_time(time(NULL), now);
	buf_init(&line);
	buf_printf(&line, "%s %s %s ", now, r->client, r->method);
	append_escaped(&line, r->path, 0);
	buf_printf(&line, " %u %" PRIu64 "B %" PRIu64 "ms", r->status, r->bytes, r->ms);
	if (r->serial && *r->serial) {
		buf_puts(&line, " serial=");
		append_escaped(&line, r->serial, 0);
	}
	if (r->note && *r->note) {
		buf_puts(&line, " ");
		append_escaped(&line, r->note, 1);
	}
	buf_puts(&line, "\n");
	if (!line.failed) {
		pthread_mutex_lock(&log_lock);
		fputs(line.data, stderr);
		fflush(stderr);
		pthread_mutex_unlock(&log_lock);
	}
	buf_free(&line);
}

void log_msg(const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&log_lock);
	fputs("server-stub: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}
