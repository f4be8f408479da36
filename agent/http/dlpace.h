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

#endif
