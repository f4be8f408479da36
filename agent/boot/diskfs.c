/* bootfs_ops over directories (see diskfs.h). */
#include "boot/diskfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

int diskfs_add(struct diskfs *fs, const char *name, const char *dir, int disk,
	       const struct fs_info *fi)
{
	struct diskfs_part *p;
	int fd;

	if (fs->n >= DISKFS_PARTS_MAX)
		return -1;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	p = &fs->parts[fs->n];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->ref, sizeof(p->ref), "dev=%s", name);
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	p->dirfd = fd;
	p->disk = disk;
	if (fi)
		p->fs = *fi;
	return fs->n++;
}

struct diskfs_part *diskfs_find(struct diskfs *fs, const char *ref)
{
	if (!ref || !ref[0])
		return fs->cur >= 0 && fs->cur < fs->n ? &fs->parts[fs->cur] : NULL;
	for (int i = 0; i < fs->n; i++)
		if (strcmp(fs->parts[i].ref, ref) == 0)
			return &fs->parts[i];
	return NULL;
}

static int open_in(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int diskfs_open(const struct diskfs_part *p, const char *path)
{
	return open_in(p->dirfd, path, O_RDONLY);
}

static char *fs_read(void *arg, const char *part, const char *path, size_t max,
		     size_t *len)
{
	struct diskfs_part *p = diskfs_find(arg, part);
	char *buf;
	size_t used = 0;
	int fd;

	if (!p || (fd = diskfs_open(p, path)) < 0)
		return NULL;
	buf = malloc(max + 1);
	while (buf && used < max) {
		ssize_t r = read(fd, buf + used, max - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		used += (size_t)r;
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

static int fs_list(void *arg, const char *part, const char *dir, char ***names)
{
	struct diskfs_part *p = diskfs_find(arg, part);
	struct dirent *de;
	DIR *d;
	int fd, n = 0, cap = 0;
	char **v = NULL;

	*names = NULL;
	if (!p || (fd = open_in(p->dirfd, dir, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) && n < 4096) {
		struct stat st;

		if (de->d_type != DT_REG && !(de->d_type == DT_UNKNOWN &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode)))
			continue;
		if (n == cap) {
			char **nv = realloc(v, sizeof(*v) * (size_t)(cap = cap ? cap * 2 : 16));
			if (!nv)
				break;
			v = nv;
		}
		if (!(v[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	*names = v;
	return n;
}

static int fs_search(void *arg, const char *kind, const char *value, char *ref,
		     size_t ref_size)
{
	struct diskfs *fs = arg;

	for (int i = 0; i < fs->n; i++) {
		struct diskfs_part *p = &fs->parts[i];
		int hit = 0;

		if (strcmp(kind, "fs-uuid") == 0)
			hit = p->fs.uuid[0] && strcasecmp(p->fs.uuid, value) == 0;
		else if (strcmp(kind, "label") == 0)
			hit = p->fs.label[0] && strcmp(p->fs.label, value) == 0;
		else if (strcmp(kind, "file") == 0) {
			int fd = open_in(p->dirfd, value, O_PATH);
			hit = fd >= 0;
			if (fd >= 0)
				close(fd);
		}
		if (hit) {
			snprintf(ref, ref_size, "%s", p->ref);
			return 0;
		}
	}
	return -1;
}

static void fs_warn(void *arg, const char *msg)
{
	struct diskfs *fs = arg;

	if (fs->warn)
		fs->warn(fs->warn_arg, msg);
}

const struct bootfs_ops diskfs_ops = {
	.read_file = fs_read,
	.list_dir = fs_list,
	.search = fs_search,
	.warn = fs_warn,
};

void diskfs_close(struct diskfs *fs)
{
	for (int i = 0; i < fs->n; i++)
		if (fs->parts[i].dirfd >= 0)
			close(fs->parts[i].dirfd);
	fs->n = 0;
}
