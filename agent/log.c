/* Console logging with time since boot and stage on every line. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int quiet;
static int consoles[8];
static int n_consoles;
static int consoles_only;

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

void logmsg(const char *stage, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	va_list ap;
	int n;

	if (quiet)
		return;
	/* CLOCK_BOOTTIME matches the kernel's printk timestamps. */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	n = snprintf(line, sizeof(line), "[%5ld.%03ld] snboot %s: ", (long)ts.tv_sec,
		     ts.tv_nsec / 1000000L, stage);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
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
