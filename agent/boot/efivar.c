/* UEFI variables through efivarfs (see efivar.h). */
#include "boot/efivar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/fs.h>

#include "core/fdio.h"

#define EFIVARFS_MAGIC 0xde5e81e4
#define EFIVAR_DATA_MAX (64 * 1024)   /* larger than any variable we touch */

static const char *dir = EFIVAR_DIR;
static int test_dir;    /* a plain directory stands in for efivarfs */

void efivar_set_dir(const char *d)
{
	dir = d ? d : EFIVAR_DIR;
	test_dir = d != NULL;
}

int efivar_available(void)
{
	struct statfs sf;

	if (statfs(dir, &sf) != 0)
		return 0;
	return test_dir || (unsigned long)sf.f_type == EFIVARFS_MAGIC;
}

static int guid_ok(const char *g)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(g) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == '-' ? g[i] != '-' :
		    !((g[i] >= '0' && g[i] <= '9') || (g[i] >= 'a' && g[i] <= 'f')))
			return 0;
	}
	return 1;
}

static int var_path(char *p, size_t n, const char *guid, const char *name,
		    struct sn_err *e)
{
	if (!guid_ok(guid))
		return sn_fail(e, SN_E_EFIVAR_NAME, "GUID \"%.40s\" is not lowercase "
			       "8-4-4-4-12 hex", guid);
	if (!name[0] || strlen(name) > 63 || strchr(name, '/'))
		return sn_fail(e, SN_E_EFIVAR_NAME, "variable name \"%.64s\": 1 to 63 "
			       "characters, no '/'", name);
	snprintf(p, n, "%s/%s-%s", dir, name, guid);
	return SN_OK;
}

int efivar_get(const char *guid, const char *name, uint32_t *attrs, void *buf,
	       size_t *len, struct sn_err *e)
{
	char path[512];
	unsigned char *raw;
	size_t rawlen, cap = *len;
	int rc;

	if ((rc = var_path(path, sizeof(path), guid, name, e)) != SN_OK)
		return rc;
	raw = (unsigned char *)read_file(path, EFIVAR_DATA_MAX + 4, &rawlen);
	if (!raw) {
		int err = errno;
		if (err == ENOENT)
			return sn_fail(e, SN_E_EFIVAR_NOENT, "%s-%s", name, guid);
		return sn_fail(e, SN_E_EFIVAR_READ, "%s: %s", path, strerror(err));
	}
	if (rawlen < 4) {
		free(raw);
		return sn_fail(e, SN_E_EFIVAR_READ, "%s: %zu bytes, no attributes", path,
			       rawlen);
	}
	if (attrs)
		*attrs = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 |
			 (uint32_t)raw[3] << 24;
	*len = rawlen - 4;
	if (*len > cap) {
		free(raw);
		return sn_fail(e, SN_E_EFIVAR_SIZE, "%s-%s holds %zu bytes, buffer %zu",
			       name, guid, *len, cap);
	}
	if (*len)
		memcpy(buf, raw + 4, *len);
	free(raw);
	return SN_OK;
}

/* efivarfs marks variable files immutable; writing or deleting one needs
 * the flag off first. Other file systems (the tests' tmpfs) may not know
 * the ioctl: nothing to clear there. */
static int clear_immutable(const char *path, struct sn_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), flags, rc = SN_OK;

	if (fd < 0)
		return errno == ENOENT ? SN_OK :
		       sn_fail(e, SN_E_EFIVAR_WRITE, "%s: %s", path, strerror(errno));
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		if ((flags & FS_IMMUTABLE_FL) &&
		    (flags &= ~FS_IMMUTABLE_FL, ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0))
			rc = sn_fail(e, SN_E_EFIVAR_WRITE, "%s: clearing the immutable "
				     "attribute: %s", path, strerror(errno));
	} else if (errno != ENOTTY && errno != EOPNOTSUPP && errno != EINVAL) {
		rc = sn_fail(e, SN_E_EFIVAR_WRITE, "%s: reading its attributes: %s", path,
			     strerror(errno));
	}
	close(fd);
	return rc;
}

int efivar_set(const char *guid, const char *name, uint32_t attrs, const void *buf,
	       size_t len, struct sn_err *e)
{
	char path[512];
	unsigned char *raw;
	struct statfs sf;
	int fd, rc;

	if ((rc = var_path(path, sizeof(path), guid, name, e)) != SN_OK)
		return rc;
	if (len > EFIVAR_DATA_MAX)
		return sn_fail(e, SN_E_EFIVAR_SIZE, "%s-%s: %zu bytes, at most %d", name,
			       guid, len, EFIVAR_DATA_MAX);
	if ((rc = clear_immutable(path, e)) != SN_OK)
		return rc;
	raw = malloc(len + 4);
	if (!raw)
		return sn_fail(e, SN_E_NOMEM, "%zu bytes for %s", len + 4, name);
	raw[0] = attrs & 0xff;
	raw[1] = attrs >> 8 & 0xff;
	raw[2] = attrs >> 16 & 0xff;
	raw[3] = attrs >> 24 & 0xff;
	if (len)
		memcpy(raw + 4, buf, len);
	/* efivarfs takes the whole variable in one write(): attributes + data */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = sn_fail(e, SN_E_EFIVAR_WRITE, "%s: %s", path, strerror(errno));
		goto out;
	}
	ssize_t w = write(fd, raw, len + 4);
	if (w != (ssize_t)(len + 4)) {
		int err = w < 0 ? errno : EIO;
		rc = sn_fail(e, SN_E_EFIVAR_WRITE, "%s: writing %zu bytes: %s%s", path, len + 4,
			     strerror(err), err == ENOSPC ? " (firmware variable store full)" :
			     err == EINVAL ? " (firmware refused the attributes or data)" : "");
	} else if (fstatfs(fd, &sf) == 0 && (unsigned long)sf.f_type != EFIVARFS_MAGIC &&
		   ftruncate(fd, (off_t)(len + 4)) != 0) {
		rc = sn_fail(e, SN_E_EFIVAR_WRITE, "%s: %s", path, strerror(errno));
	}
	close(fd);
out:
	free(raw);
	return rc;
}

int efivar_del(const char *guid, const char *name, struct sn_err *e)
{
	char path[512];
	int rc;

	if ((rc = var_path(path, sizeof(path), guid, name, e)) != SN_OK)
		return rc;
	if ((rc = clear_immutable(path, e)) != SN_OK)
		return rc;
	if (unlink(path) != 0 && errno != ENOENT)
		return sn_fail(e, SN_E_EFIVAR_WRITE, "deleting %s: %s", path, strerror(errno));
	return SN_OK;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int efivar_list(const char *guid, const char *prefix, char (*names)[64], int max,
		struct sn_err *e)
{
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (!guid_ok(guid)) {
		sn_fail(e, SN_E_EFIVAR_NAME, "GUID \"%.40s\" is not lowercase 8-4-4-4-12 hex",
			guid);
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		sn_fail(e, SN_E_EFIVAR_READ, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && n < max) {
		size_t l = strlen(de->d_name);
		/* "<name>-<36-char guid>" */
		if (l < 38 || strcmp(de->d_name + l - 36, guid) || de->d_name[l - 37] != '-')
			continue;
		l -= 37;
		if (l >= 64 || l < plen || strncmp(de->d_name, prefix, plen))
			continue;
		memcpy(names[n], de->d_name, l);
		names[n][l] = '\0';
		n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_name);
	return n;
}
