/* A bootfs_ops for tests: partitions are directories of fixture files
 * (agent/test/data/bootcfg/<tree>/), `search` answers from a small table,
 * warnings are collected for assertions. Header-only, included by the
 * test_* files that need it. */
#ifndef SNBOOT_TEST_BOOTFS_DIR_H
#define SNBOOT_TEST_BOOTFS_DIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot/bootcfg.h"

#define TFS_DATA "agent/test/data/bootcfg/"

struct tfs {
	const char *root;               /* directory for part "" (under TFS_DATA
	                                 * unless absolute) */
	struct { const char *ref, *dir; } parts[4];
	struct { const char *kind, *value, *ref; } search[6];
	char warns[64][400];
	int n_warns;
	int searches;
};

static inline const char *tfs_dir(struct tfs *t, const char *part)
{
	if (!part[0])
		return t->root;
	for (int i = 0; i < 4 && t->parts[i].ref; i++)
		if (!strcmp(t->parts[i].ref, part))
			return t->parts[i].dir;
	return NULL;
}

static inline char *tfs_read(void *arg, const char *part, const char *path, size_t max, size_t *len)
{
	const char *dir = tfs_dir(arg, part);
	char full[1024];
	struct stat st;
	FILE *f;
	char *buf;

	if (!dir)
		return NULL;
	snprintf(full, sizeof(full), "%s%s%s", dir[0] == '/' ? "" : TFS_DATA, dir, path);
	if (stat(full, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		return NULL;
	f = fopen(full, "rb");
	if (!f)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static inline int tfs_list(void *arg, const char *part, const char *dirpath, char ***names)
{
	const char *dir = tfs_dir(arg, part);
	char full[1024];
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (!dir)
		return -1;
	snprintf(full, sizeof(full), "%s%s%s", dir[0] == '/' ? "" : TFS_DATA, dir, dirpath);
	d = opendir(full);
	if (!d)
		return -1;
	*names = NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		*names = realloc(*names, sizeof(char *) * (size_t)(n + 1));
		(*names)[n++] = strdup(de->d_name);
	}
	closedir(d);
	return n;
}

static inline int tfs_search(void *arg, const char *kind, const char *value, char *ref, size_t size)
{
	struct tfs *t = arg;

	t->searches++;
	for (int i = 0; i < 6 && t->search[i].kind; i++)
		if (!strcmp(t->search[i].kind, kind) && !strcmp(t->search[i].value, value)) {
			snprintf(ref, size, "%s", t->search[i].ref);
			return 0;
		}
	return -1;
}

static inline void tfs_warn(void *arg, const char *msg)
{
	struct tfs *t = arg;

	if (t->n_warns < 64)
		snprintf(t->warns[t->n_warns++], sizeof(t->warns[0]), "%s", msg);
}

static const struct bootfs_ops tfs_ops = {
	.read_file = tfs_read, .list_dir = tfs_list, .search = tfs_search, .warn = tfs_warn,
};

/* 1 when some warning contains needle. */
static inline int tfs_warned(const struct tfs *t, const char *needle)
{
	for (int i = 0; i < t->n_warns; i++)
		if (strstr(t->warns[i], needle))
			return 1;
	return 0;
}

static inline void tfs_list_init(struct boot_list *l)
{
	memset(l, 0, sizeof(*l));
	l->def = -1;
}

#endif
