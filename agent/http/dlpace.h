/* The pace of a download: when to print a progress line, what it says, and
 * how long to wait before resuming after a cut. Pure: the caller passes the
 * clock and the random bits. */
#ifndef SNBOOT_DLPACE_H
#define SNBOOT_DLPACE_H

#include <stddef.h>
#include <stdint.h>

#define DL_PROGRESS_EVERY_MS 2000u

struct dl_progress {
	uint64_t total;         /* 0: unknown (chunked, no Content-Length) */
	uint64_t start_ms;
	uint64_t last_ms;       /* when the last line was printed */
	unsigned last_quarter;  /* 0..4: quarters of total already reported */
};

void dl_progress_start(struct dl_progress *p, uint64_t total, uint64_t now_ms);

/* 1 when a line is due: a new quarter of the total was reached, or
 * DL_PROGRESS_EVERY_MS passed since the last line. The final 100% is
 * left to the caller's summary line. */
int dl_progress_due(struct dl_progress *p, uint64_t done, uint64_t now_ms);

/* "4.0/8.1 MiB 49% 3.2 MiB/s", or "4.0 MiB 3.2 MiB/s" when the total is
 * unknown; the rate is the average since the start. */
void dl_progress_format(char *buf, size_t len, uint64_t done, uint64_t total,
			uint64_t elapsed_ms);

/* Wait before attempt number `failures` + 1 (failures >= 1): 1 s doubling
 * to 16 s, ±25 % from rnd so a rack of machines does not retry in step. */
unsigned dl_backoff_ms(unsigned failures, uint32_t rnd);

/* ---- what the machine can hold: every download lives in memory (a memfd)
 * until kexec. kexec_file_load then reads each file into a kernel buffer
 * and copies it into the new kernel's pages, so until the buffers are freed
 * a file needs DL_MEM_COPIES times its size. DL_MEM_RESERVE stays free for
 * the agent (curl, TLS, its heap: a few MiB), the kernel's own allocations
 * and the page cache the agent's binaries need. */
#define DL_MEM_RESERVE (64ull * 1024 * 1024)
#define DL_MEM_COPIES 3u

/* MemAvailable of a /proc/meminfo text, in bytes → 0; -1 when the line is
 * missing or malformed (no limit can be known). */
int dl_meminfo_available(const char *buf, size_t len, uint64_t *bytes);

/* Largest download that fits: (available - DL_MEM_RESERVE) / DL_MEM_COPIES,
 * 0 when the reserve alone does not fit. */
uint64_t dl_mem_limit(uint64_t available);

#endif
