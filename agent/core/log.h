/* One logging API for the agent: every line carries the time since boot and
 * the stage, goes to the console, and (once a log server is known) to
 * remote syslog. */
#ifndef SNBOOT_LOG_H
#define SNBOOT_LOG_H

#include <stdint.h>
#include <sys/socket.h>

/* Monotonic milliseconds since an arbitrary start (CLOCK_MONOTONIC). */
uint64_t mono_ms(void);

/* Sleeps ms milliseconds, resuming after signals (the agent's one sleep). */
void mono_sleep_ms(unsigned ms);

/* "[   12.345] snboot <stage>: <message>" on the console. */
void logmsg(const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Stage timing line that `make bench` and fleet tooling read:
 * "[   12.345] snboot <stage>: done in <ms> ms". */
void log_stage_done(const char *stage, uint64_t ms);

/* Silences logging (unit tests that exercise error paths). */
void log_set_quiet(int quiet);

/* PID 1 writes to every console the kernel has (/dev/console reaches only
 * the last console= one); the first call to log_use_consoles_only() stops
 * the copy on stderr. */
void log_add_console(int fd);
void log_use_consoles_only(void);

/* Also sends every line to a remote syslog server (RFC 5424 over UDP) with
 * host as its HOSTNAME; sa NULL stops. Best effort: a lost datagram never
 * slows or stops a boot. */
void log_remote(const struct sockaddr *sa, socklen_t salen, const char *host);

#endif
