/* Stage results to the backend as `POST /api/v1/events` (docs/server-stub.md).
 * Best effort: a backend without events must never stop a boot. */
#ifndef SNBOOT_REPORT_H
#define SNBOOT_REPORT_H

#include <stdint.h>

#include "core/agent.h"

/* Sends {serial, boot_id, stage, status, ms, message}; message may be NULL.
 * Does nothing before the backend is known. */
void report_event(struct agent *a, const char *stage, const char *status,
		  uint64_t ms, const char *message);

#endif
