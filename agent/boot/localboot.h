/* The local-disk path: taken when the backend says so (sanboot, exit) or
 * the network stage passes its deadline. */
#ifndef SNBOOT_LOCALBOOT_H
#define SNBOOT_LOCALBOOT_H

#include "core/config.h"
#include "core/err.h"

/* Lists the local disks and boots the default entry it can find; returns
 * (with the reason) only when nothing local could be booted. */
int localboot_run(const struct config *cfg, struct sn_err *e);

#endif
