/* Starts the kernel's wait for a seeded random pool early, so TLS does not
 * wait for it later. */
#ifndef SNBOOT_CORE_ENTROPY_H
#define SNBOOT_CORE_ENTROPY_H

/* Returns at once. When the kernel's CRNG is not ready yet (no RDRAND, no
 * bootloader or EFI seed, no hw RNG), a thread blocks in getrandom() — the
 * kernel then gathers timer jitter in that thread — and logs when the pool
 * is ready. Nothing is read from the pool before it is ready. */
void entropy_warm_start(void);

#endif
