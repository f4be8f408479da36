/* The body of POST /api/v1/boot: what the machine is (SMBIOS), what it can
 * boot from (NICs) and which NIC and address won. */
#ifndef SNBOOT_FACTS_H
#define SNBOOT_FACTS_H

#include "net/lease.h"
#include "net/nic.h"
#include "core/smbios.h"

/* JSON text, malloc'd (caller frees), NULL when out of memory. id may be
 * NULL (nothing identified), winner is an index into nics or -1, lease may
 * be NULL (no lease, e.g. snboot.url given): "boot" is then null, or holds
 * only what is known. Unknown link/speed are null; absent strings "". */
char *facts_json(const struct smbios_facts *id, const struct nic *nics,
		 int n_nics, int winner, const struct lease *lease,
		 const char *boot_id, int attempt);

#endif
