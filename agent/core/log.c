/* Console logging with time since boot and stage on every line. */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/syslog.h"

static int quiet;
static int consoles[8];
static int n_consoles;
static int consoles_only;
static int remote_fd = -1;
static char remote_host[96];

void log_remote(const struct sockaddr *sa, socklen_t salen, const char *host)
{
	if (remote_fd >= 0)
		close(remote_fd);
	remote_fd = -1;
	if (!sa)
		return;
	remote_fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (remote_fd >= 0 && connect(remote_fd, sa, salen) != 0) {
		close(remote_fd);
		remote_fd = -1;
	}
	snprintf(remote_host, sizeof(remote_host), "%s", host ? host : "");
}

static void send_remote(const char *stage, const char *msg)
{
	char dgram[1200];
	struct timespec now;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	n = syslog_format(dgram, sizeof(dgram), syslog_severity(msg),
			  (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, remote_host,
			  stage, msg);
	(void)!send(remote_fd, dgram, n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void log_add_console(int fd)
{
	if (n_consoles < (int)(sizeof(consoles) / sizeof(consoles[0])))
		consoles[n_consoles++] = fd;
}

void log_use_consoles_only(void)
{
	consoles_only = n_consoles > 0;
}

void log_set_quiet(int q)
{
	quiet = q;
}

uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void mono_sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void logmsg(const char *stage, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	va_list ap;
	char *msg;
	int n, m;

	if (quiet)
		return;
	/* CLOCK_BOOTTIME matches the kernel's printk timestamps. */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	n = snprintf(line, sizeof(line), "[%5ld.%03ld] snboot %s: ", (long)ts.tv_sec,
		     ts.tv_nsec / 1000000L, stage);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return;
	msg = line + n;
	va_start(ap, fmt);
	m = vsnprintf(msg, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	if (remote_fd >= 0)
		send_remote(stage, msg);
	line[n++] = '\n';
	/* One write per line so lines never interleave with the kernel's. */
	for (int i = 0; i < n_consoles; i++)
		(void)!write(consoles[i], line, (size_t)n);
	if (!consoles_only)
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

void log_stage_done(const char *stage, uint64_t ms)
{
	logmsg(stage, "done in %llu ms", (unsigned long long)ms);
}
