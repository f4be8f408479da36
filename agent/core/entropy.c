/* Warming the kernel's random pool while the network comes up.
 *
 * TLS needs getrandom() to succeed without GRND_INSECURE. On a machine
 * without RDRAND or a seed from the firmware the kernel's CRNG becomes
 * ready only when some task blocks in getrandom(): the kernel then credits
 * timer jitter in that task, one bit per tick (256 ticks, ~1 s at HZ=250).
 * Blocking first in the TLS handshake puts that second after DHCP; blocking
 * in a thread from the start overlaps it with the NIC bring-up and DHCP. */
#include "core/entropy.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "core/log.h"

static uint64_t started_ms;

static void *wait_for_pool(void *arg)
{
	unsigned char b;
	ssize_t r;

	(void)arg;
	do
		r = getrandom(&b, 1, 0);
	while (r < 0 && errno == EINTR);
	if (r == 1)
		logmsg("init", "random: kernel CRNG ready after %llu ms (warmed in the background)",
		       (unsigned long long)(mono_ms() - started_ms));
	else
		logmsg("init", "random: getrandom: %s (TLS will wait for the pool itself)",
		       strerror(errno));
	return NULL;
}

void entropy_warm_start(void)
{
	pthread_attr_t attr;
	pthread_t thread;
	unsigned char b;

	if (getrandom(&b, 1, GRND_NONBLOCK) == 1)
		return;   /* seeded already (RDRAND, EFI or bootloader seed, hw RNG) */
	started_ms = mono_ms();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&thread, &attr, wait_for_pool, NULL) != 0)
		logmsg("init", "random: no thread to warm the kernel CRNG (TLS will wait for it)");
	else
		logmsg("init", "random: kernel CRNG not ready yet; warming it while the network "
		       "comes up");
	pthread_attr_destroy(&attr);
}
