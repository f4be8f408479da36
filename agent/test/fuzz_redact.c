/* Fuzzes the log-safety helpers with one input: a kernel command line
 * masked for logs (cmdline_redact, at several output sizes) and a
 * /proc/meminfo text (dl_meminfo_available). The masked output must never
 * hold a secret-named word's value: checked on a planted token. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/dlpace.h"
#include "http/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char planted[] = " token=PLANTEDSECRET";
	char *s = malloc(size + sizeof(planted)), out[600];
	uint64_t avail;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	cmdline_redact(s, out, sizeof(out));
	cmdline_redact(s, out, 1 + size % sizeof(out));
	dl_meminfo_available((const char *)data, size, &avail);
	(void)dl_mem_limit(avail);
	/* a token word after any input (a blank ends an open quote's word
	 * only outside quotes, so only check when no quote is open) */
	if (!memchr(data, '"', size) && !memchr(data, '\0', size) &&
	    !memmem(data, size, "PLANTED", 7)) {
		memcpy(s + size, planted, sizeof(planted));
		cmdline_redact(s, out, sizeof(out));
		if (strstr(out, "PLANTEDSECRET"))
			abort();
	}
	free(s);
	return 0;
}
