/* Download pacing (see dlpace.h). */
#include "http/dlpace.h"

#include <stdio.h>
#include <string.h>

#define MiB (1024.0 * 1024.0)

void dl_progress_start(struct dl_progress *p, uint64_t total, uint64_t now_ms)
{
	p->total = total;
	p->start_ms = now_ms;
	p->last_ms = now_ms;
	p->last_quarter = 0;
}

int dl_progress_due(struct dl_progress *p, uint64_t done, uint64_t now_ms)
{
	int due = 0;

	if (p->total && done < p->total) {
		/* done < total here, so quarter stays below 4 and cannot overflow */
		unsigned quarter = (unsigned)(done / (p->total / 4 + (p->total % 4 != 0)));
		if (quarter > p->last_quarter) {
			p->last_quarter = quarter;
			due = 1;
		}
	}
	if (now_ms - p->last_ms >= DL_PROGRESS_EVERY_MS && (!p->total || done < p->total))
		due = 1;
	if (due)
		p->last_ms = now_ms;
	return due;
}

void dl_progress_format(char *buf, size_t len, uint64_t done, uint64_t total,
			uint64_t elapsed_ms)
{
	double rate = elapsed_ms ? (double)done / MiB * 1000.0 / (double)elapsed_ms : 0.0;

	if (total)
		snprintf(buf, len, "%.1f/%.1f MiB %u%% %.1f MiB/s", (double)done / MiB,
			 (double)total / MiB,
			 (unsigned)(done >= total ? 100 : done * 100 / total), rate);
	else
		snprintf(buf, len, "%.1f MiB %.1f MiB/s", (double)done / MiB, rate);
}

unsigned dl_backoff_ms(unsigned failures, uint32_t rnd)
{
	unsigned shift = failures ? failures - 1 : 0;
	unsigned base = 1000u << (shift > 4 ? 4 : shift);
	unsigned spread = base / 2;   /* the window is base ± base/4 */

	return base - base / 4 + rnd % (spread + 1);
}

int dl_meminfo_available(const char *buf, size_t len, uint64_t *bytes)
{
	static const char key[] = "MemAvailable:";
	size_t pos = 0;

	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + 1;
		if (n < sizeof(key) - 1 || memcmp(line, key, sizeof(key) - 1) != 0)
			continue;
		{
			size_t i = sizeof(key) - 1;
			uint64_t kib = 0;
			int digits = 0;

			while (i < n && line[i] == ' ')
				i++;
			while (i < n && line[i] >= '0' && line[i] <= '9') {
				if (kib > (UINT64_MAX / 1024 - 9) / 10)
					return -1;
				kib = kib * 10 + (uint64_t)(line[i++] - '0');
				digits++;
			}
			/* "MemAvailable:   123456 kB" */
			if (!digits || n - i != 3 || memcmp(line + i, " kB", 3) != 0)
				return -1;
			*bytes = kib * 1024;
			return 0;
		}
	}
	return -1;
}

uint64_t dl_mem_limit(uint64_t available)
{
	if (available <= DL_MEM_RESERVE)
		return 0;
	return (available - DL_MEM_RESERVE) / DL_MEM_COPIES;
}
