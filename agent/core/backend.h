/* Getting to the backend: the network stage (once, until a fallback resets
 * it), the backend URL it yields, and `POST /api/v1/boot` with the facts. */
#ifndef SNBOOT_BACKEND_H
#define SNBOOT_BACKEND_H

#include <stddef.h>

#include "core/agent.h"
#include "core/err.h"

/* Brings the network up (unless a lease is held) and settles the backend's
 * boot and events URLs. SN_E_DEADLINE when no lease came in time. */
int backend_network(struct agent *a, struct sn_err *e);

/* POSTs the facts; *script is the malloc'd answer (the caller frees). */
int backend_ask(struct agent *a, char **script, size_t *script_len, struct sn_err *e);

#endif
