#include "hashcache.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CACHE_SLOTS 64

struct hash_entry {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char hex[SHA256_HEX_LEN];
	int used;
	int busy;    /* being hashed: others for this version wait */
};

/* Held only to look up and fill slots, never while reading a file: a
 * changed 500 MB initrd being hashed does not hold up requests for other
 * files. Requests for the version being hashed wait for that one
 * computation (on `done`) instead of doing it again. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static struct hash_entry cache[CACHE_SLOTS];
static unsigned next_victim;

static int same_version(const struct hash_entry *e, const struct stat *st)
{
	return e->used && e->dev == st->st_dev && e->ino == st->st_ino &&
	       e->size == st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec &&
	       e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}
static int sha256_fd(int fd, char hex[static SHA256_HEX_LEN])
{
	unsigned char chunk[1 << 16], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	off_t at = 0;
	int rc = -1;

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		errno = ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof(chunk), at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		EVP_DigestUpdate(ctx, chunk, (size_t)n);
		at += n;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32) {
		errno = EIO;
		goto out;
	}
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int sha256_fd_cached(int fd, const struct stat *st, char hex[static SHA256_HEX_LEN])
{
	struct hash_entry *e = NULL;

	pthread_mutex_lock(&cache_lock);
	for (;;) {
		e = NULL;
		for (unsigned i = 0; i < CACHE_SLOTS; i++)
			if (same_version(&cache[i], st)) {
				e = &cache[i];
				break;
			}
		if (!e || !e->busy)
			break;
		pthread_cond_wait(&done, &cache_lock); /* another thread hashes it */
	}
	if (e) {
		memcpy(hex, e->hex, SHA256_HEX_LEN);
		pthread_mutex_unlock(&cache_lock);
		return 0;
	}
	/* Claim a slot that nobody is hashing into, then hash unlocked. */
	for (unsigned tries = 0; !e && tries < CACHE_SLOTS; tries++) {
		struct hash_entry *cand = &cache[next_victim++ % CACHE_SLOTS];
		if (!cand->busy)
			e = cand;
	}
	if (e)
		*e = (struct hash_entry){ .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
					  .mtime = st->st_mtim, .used = 1, .busy = 1 };
	pthread_mutex_unlock(&cache_lock);

	int rc = sha256_fd(fd, hex);
	int err = errno;
	if (e) {
		pthread_mutex_lock(&cache_lock);
		e->busy = 0;
		if (rc == 0)
			memcpy(e->hex, hex, SHA256_HEX_LEN);
		else
			e->used = 0; /* the next request tries again */
		pthread_cond_broadcast(&done);
		pthread_mutex_unlock(&cache_lock);
	}
	errno = err;
	return rc;
}

void sha256_cache_flush(void)
{
	pthread_mutex_lock(&cache_lock);
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		if (!cache[i].busy) /* a slot being hashed is finished by its owner */
			cache[i].used = 0;
	pthread_mutex_unlock(&cache_lock);
}
