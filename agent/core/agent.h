/* What the agent knows about this boot, shared by the stages: the
 * configuration, the machine's identity, the network it won, the backend
 * it talks to. One instance lives in main.c; stages get a pointer. */
#ifndef SNBOOT_AGENT_H
#define SNBOOT_AGENT_H

#include <stdint.h>

#include "core/config.h"
#include "core/smbios.h"
#include "net/netstage.h"

struct agent {
	struct config cfg;
	struct smbios_facts id;
	struct net_result net;
	int have_net;
	int http_ready;
	char boot_url[LEASE_URL_MAX];
	char boot_url_log[LEASE_URL_MAX]; /* boot_url without user info and query (url_for_log) */
	char events_url[LEASE_URL_MAX];
	char boot_id[37];
	int attempt;
	uint64_t download_ms;     /* summed over the fetches of one script */
};

#endif
