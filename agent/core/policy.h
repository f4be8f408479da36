/* The attempt and fallback policy: the only place that decides to ask the
 * backend again, to take the local-disk path, or to wait. Never returns. */
#ifndef SNBOOT_POLICY_H
#define SNBOOT_POLICY_H

#include "core/agent.h"

void policy_run(struct agent *a) __attribute__((noreturn));

#endif
