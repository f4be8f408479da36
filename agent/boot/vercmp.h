/* The UAPI version format comparison (uapi-group.org "Version Format
 * Specification", systemd's strverscmp_improved()): BLS entries sort by it. */
#ifndef SNBOOT_VERCMP_H
#define SNBOOT_VERCMP_H

/* <0, 0, >0 as a is older than, equal to, newer than b. NULL or "" is
 * oldest. */
int uapi_vercmp(const char *a, const char *b);

#endif
