/* What the DHCPv4 and DHCPv6 probes share. */
#include "net/probe.h"

#include <sys/random.h>
#include <time.h>

uint64_t probe_jitter_seed(const struct nic *n)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s ^= (uint64_t)ts.tv_nsec << 24 ^ (uint64_t)ts.tv_sec;
	for (int i = 0; i < 6; i++)
		s = (s ^ n->mac[i]) * 0x100000001B3ULL;
	return s ^ (uint64_t)n->ifindex << 40;
}
