/* /etc/resolv.conf and /etc/hosts from the winning lease, so curl can
 * resolve the backend's name and the host knows its own. */
#ifndef SNBOOT_RESOLV_H
#define SNBOOT_RESOLV_H

#include <stddef.h>

#include "core/err.h"
#include "net/lease.h"

/* Writes etc_dir/resolv.conf and etc_dir/hosts (each replaced atomically). */
int resolv_write(const char *etc_dir, const struct lease *l, struct sn_err *e);

/* The files' contents; return the length (truncated output is cut at a
 * line, never mid-line). Names with characters a resolver would not take
 * are left out. */
size_t resolv_format_conf(const struct lease *l, char *buf, size_t cap);
size_t resolv_format_hosts(const struct lease *l, char *buf, size_t cap);

#endif
