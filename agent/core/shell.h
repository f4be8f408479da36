/* The operator's options that act at start-up: the kexec load path, the
 * console shell (snboot.shell, snboot.shell_on_failure) and the tests' crash
 * (snboot.test_panic). */
#ifndef SNBOOT_SHELL_H
#define SNBOOT_SHELL_H

#include "core/agent.h"

#define SHELL_PATH "/bin/sh"

/* The stage after the configuration: applies snboot.kexec, exits at once
 * with snboot.test_panic=1 (PID 1 exiting panics the kernel), starts the
 * console shell with snboot.shell=1. */
void shell_stage(struct agent *a);

/* After a failed attempt: the console shell, once, when the baked config
 * sets shell_on_failure = 1. */
void shell_on_failure(struct agent *a, const char *why);

/* Starts SHELL_PATH on /dev/console in a session of its own; the caller
 * goes on. Only one at a time; returns its pid or -1. */
int shell_start(const char *why);

#endif
